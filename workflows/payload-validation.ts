// Checks a message payload in the workflow sandbox against its JSON Schema (generated from the zod
// schemas by scripts/message-schemas.ts). A small interpreter without eval stands in for zod, which
// would be evaluated again in every workflow the worker loads. The API validates with zod first, so
// this is the gate for messages sent from the Temporal CLI/UI and other direct clients.
import { dereference, format, validate, type OutputUnit, type Schema } from '@cfworker/json-schema';
import { isCalendarDate } from '../domain/dates';
import { Refusal } from '../domain/refusals';
import { ILL_FORMED_TEXT, isWellFormed, wellFormed } from '../domain/text';
import messageSchemas from './message-schemas.json';

// Formats the generator emits: a calendar date (domain/dates, as the API's refinement) and a URL as
// zod's check reads one (any absolute URL the platform parses, blanks around it ignored).
format.date = isCalendarDate;
format.url = (value: string) => URL.canParse(value.trim());

export type MessageSchemas = typeof messageSchemas;
// A JSON import types `"type": "object"` as string, wider than Schema's literal union; the file is
// generated from the zod schemas (npm run schemas) and checked by test/domain/schemas.test.ts.
export const MESSAGE_SCHEMAS = messageSchemas as {
  [W in keyof MessageSchemas]: { [M in keyof MessageSchemas[W]]: Schema };
};

export interface PayloadIssue {
  /** Dotted path of the offending field ('' for the payload itself), as the API reports it. */
  path: string;
  message: string;
}

// Keywords that only say a nested schema failed; the nested failure itself is reported.
const WRAPPER_KEYWORDS = new Set([
  'properties',
  'items',
  'prefixItems',
  '$ref',
  'allOf',
  'anyOf',
  'oneOf',
  'additionalProperties',
]);

/** The segments of a JSON pointer as cfworker writes it (URI-encoded, "~0"/"~1" escaped). */
const segmentsOf = (location: string): string[] =>
  location
    .replace(/^#/, '')
    .split('/')
    .slice(1) // "#/a/b" -> ["a", "b"]; "#" -> []; "#/" -> [""] (the empty key)
    .map((part) => decodeURI(part).replace(/%23/g, '#').replace(/~1/g, '/').replace(/~0/g, '~'));

function schemaAt(root: Schema, keywordLocation: string): Record<string, unknown> | undefined {
  // keywordLocation is "#/properties/a/items/pattern": the schema holding the keyword is its parent.
  let at: unknown = root;
  for (const part of segmentsOf(keywordLocation).slice(0, -1)) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return typeof at === 'object' && at !== null ? (at as Record<string, unknown>) : undefined;
}

const typeName = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

function valueAt(instance: unknown, segments: string[]): unknown {
  let at = instance;
  for (const part of segments) at = (at as Record<string, unknown> | undefined)?.[part];
  return at;
}

/** One issue per failed leaf keyword, worded like the API's (zod's) messages. */
function issueOf(root: Schema, instance: unknown, unit: OutputUnit): PayloadIssue | undefined {
  const { keyword } = unit;
  if (WRAPPER_KEYWORDS.has(keyword)) return undefined;
  const schema = schemaAt(root, unit.keywordLocation) ?? {};
  const segments = segmentsOf(unit.instanceLocation);
  const path = segments.join('.');
  const custom = (schema['x-messages'] as Record<string, string> | undefined)?.[keyword];
  if (custom) return { path, message: custom };
  const value = schema[keyword];
  switch (keyword) {
    case 'type':
      return {
        path,
        message: `Invalid input: expected ${String(value)}, received ${typeName(valueAt(instance, segments))}`,
      };
    case 'required': {
      const missing = /^Instance does not have required property "(.*)"\.$/.exec(unit.error)?.[1] ?? '';
      return { path: [...segments, missing].join('.'), message: 'Invalid input: required' };
    }
    case 'false': {
      // A property additionalProperties forbids: reported on the object, as zod does.
      return { path: segments.slice(0, -1).join('.'), message: `Unrecognized key: "${segments[segments.length - 1]}"` };
    }
    case 'minLength':
      return { path, message: `Too small: expected string to have >=${String(value)} characters` };
    case 'maxLength':
      return { path, message: `Too big: expected string to have <=${String(value)} characters` };
    case 'minimum':
      return { path, message: `Too small: expected number to be >=${String(value)}` };
    case 'maximum':
      return { path, message: `Too big: expected number to be <=${String(value)}` };
    case 'minItems':
      return { path, message: `Too small: expected array to have >=${String(value)} items` };
    case 'maxItems':
      return { path, message: `Too big: expected array to have <=${String(value)} items` };
    case 'enum':
      return {
        path,
        message: `Invalid option: expected one of ${(value as unknown[]).map((v) => JSON.stringify(v)).join('|')}`,
      };
    case 'pattern':
      return { path, message: `Invalid string: must match pattern ${String(value)}` };
    case 'format':
      return { path, message: `Invalid ${String(value)}` };
    default:
      return { path, message: unit.error };
  }
}

/**
 * One walk of the payload: every string value must be valid Unicode (the API's `text()` refinement,
 * applied to all), and the copy returned has every ill-formed key made well-formed (U+FFFD for a lone
 * surrogate) — the same object when there is none. Such a key is never a schema's, so it is still
 * refused as unknown, but the interpreter can name it (it URI-encodes locations, which a lone
 * surrogate cannot be).
 */
function checkText(value: unknown, path: string, issues: PayloadIssue[]): unknown {
  const at = (key: string) => (path ? `${path}.${key}` : key);
  if (typeof value === 'string') {
    if (!isWellFormed(value)) issues.push({ path, message: ILL_FORMED_TEXT });
    return value;
  }
  if (Array.isArray(value)) {
    const items = value.map((item, i) => checkText(item, at(String(i)), issues));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  let changed = false;
  const entries = Object.entries(value).map(([key, item]) => {
    const entry = [wellFormed(key), checkText(item, at(key), issues)] as const;
    changed ||= entry[0] !== key || entry[1] !== item;
    return entry;
  });
  return changed ? Object.fromEntries(entries) : value;
}

const lookups = new WeakMap<Schema, ReturnType<typeof dereference>>();

/** The payload's issues against the schema; none means it is valid. */
export function payloadIssues(schema: Schema, payload: unknown): PayloadIssue[] {
  const issues: PayloadIssue[] = [];
  let lookup = lookups.get(schema);
  if (!lookup) lookups.set(schema, (lookup = dereference(schema)));
  const textIssues: PayloadIssue[] = [];
  const checked = checkText(payload, '', textIssues);
  const result = validate(checked, schema, '2020-12', lookup, false);
  if (!result.valid) {
    const seen = new Set<string>();
    for (const unit of result.errors) {
      const issue = issueOf(schema, checked, unit);
      const key = issue && `${issue.path}\u0000${issue.message}`;
      if (issue && key && !seen.has(key)) {
        seen.add(key);
        issues.push(issue);
      }
    }
  }
  return [...issues, ...textIssues];
}

/** An issue as one line: "field: message", "(body)" for the payload itself. */
export const issueText = (issue: PayloadIssue) => `${issue.path || '(body)'}: ${issue.message}`;

/** The refusal a malformed message gets: every issue, and the fields they are about. */
export function invalidMessageRefusal(issues: PayloadIssue[]): Refusal {
  return {
    kind: 'INVALID',
    code: 'INVALID_MESSAGE',
    message: issues.map(issueText).join('; '),
    fields: [...new Set(issues.map((i) => i.path).filter((p) => p !== ''))],
  };
}
