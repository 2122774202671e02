// Text that is valid Unicode. JavaScript strings may hold lone surrogates (from JSON escapes such as
// "\ud800"); they cannot be encoded as UTF-8, so they are refused at the edges and replaced where
// a message must be sent on.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** What a caller is told about text that is not valid Unicode (the API and the workflows alike). */
export const ILL_FORMED_TEXT = 'contains invalid Unicode (a lone surrogate)';

export function isWellFormed(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/** The string with each lone surrogate replaced by U+FFFD. */
export function wellFormed(value: string): string {
  return value.replace(LONE_SURROGATES, '\uFFFD');
}
