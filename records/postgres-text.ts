// Text PostgreSQL can store: its text and jsonb types refuse U+0000, which JSON and message payloads
// allow, so a record write would fail for good (and a partner update, which waits for it, never answer).
// Each NUL becomes U+FFFD in the record; the workflow keeps the original.

/** JSON of `value` with every NUL character (JSON escape `\u0000`) replaced by U+FFFD. */
export function jsonForPostgres(value: unknown): string {
  // An escape is a NUL only when preceded by an even number of backslashes (`\\u0000` is text).
  return JSON.stringify(value).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd');
}

/** `text` with every NUL character replaced by U+FFFD. */
export function textForPostgres(text: string): string {
  return text.replace(/\0/g, '\ufffd');
}
