// Hostile input against every route of the app, generated with fast-check: wrong types, missing and
// extra fields, huge strings and bodies, odd unicode, path tricks in IDs, bad query strings, odd
// Authorization headers, wrong content types, malformed, non-object and deeply nested JSON.
//
// The routes come from the app's route table, and the OpenAPI document (checked to list exactly the
// same operations) gives the JSON schemas the generated paths, queries and bodies start from, so a
// new route is covered without touching this file.
//
// Properties, against a real stack (Temporal dev server, the real worker, the app) seeded with two
// partners, contoso and fabrikam, each holding engagements:
//   - never a 5xx (Temporal is up), and the server still answers /healthz after every batch;
//   - every error is application/problem+json with a `type`, a `title` and `status` = the HTTP status,
//     and never a stack trace;
//   - without a valid token a protected route answers 401 (WWW-Authenticate), with a token of a role
//     the route does not allow 403;
//   - a body over API_BODY_LIMIT is a 413 (declared, chunked or gzip-inflated), malformed or
//     non-object JSON a 400, a body that is not JSON a 415;
//   - a partner token never receives another partner's data: its voucher IDs, its partner ID, its
//     customers' agreement numbers and e-mails, its location and consultant IDs (nor those of an
//     engagement forwarded to nobody), except as an error echoing what the caller sent itself; the
//     partner ID only on the public routes and the partner directory, which show it by design;
//   - another partner's engagement, or partner record, answers exactly as an unknown one does (same
//     status, same problem, byte for byte once the ID is swapped);
//   - a partner listing engagements, whatever the filters, gets only its own.
//
// Runs: SOAK=1 multiplies every run count by 10 (SOAK=n by n); HOSTILE_RUNS=x scales them too.
// A failure prints its seed and path: replay with HOSTILE_SEED=<seed> HOSTILE_PATH=<path> HOSTILE_ONLY=<check>.
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { routeTable } from '../../api/app';
import { PROBLEM_BASE } from '../../api/problems';
import type { RouteDef } from '../../api/router';
import { catalog } from '../../domain/catalog';
import { DAY_MS } from '../../domain/dates';
import { DevStack, eventually, http, startDevStack } from '../support/dev-stack';
import { addDays, profile, reservationBody, startBody, today } from './fixtures';

// ---------- run configuration ----------

const SOAK = process.env.SOAK ? (Number(process.env.SOAK) > 1 ? Number(process.env.SOAK) : 10) : 1;
const FACTOR = SOAK * (Number(process.env.HOSTILE_RUNS) > 0 ? Number(process.env.HOSTILE_RUNS) : 1);
const SEED = process.env.HOSTILE_SEED ? Number(process.env.HOSTILE_SEED) : (Date.now() ^ (process.pid << 10)) | 0;
const ONLY = process.env.HOSTILE_ONLY;
const PATH = process.env.HOSTILE_PATH;
const runs = (n: number) => Math.max(1, Math.round(n * FACTOR));
/** The body limit the stack runs with (small, so that bodies over it stay cheap). */
const BODY_LIMIT = '32kb';
/** Request line + headers stay under Node's 16 KiB header limit (beyond it Node, not the app, answers 431). */
const MAX_HEAD_BYTES = 12_000;

jest.setTimeout(30 * 60_000);

// ---------- the stack and its seed data ----------

const PARTNERS = ['contoso', 'fabrikam'] as const;
type Partner = (typeof PARTNERS)[number];
type Who = Partner | 'backoffice' | 'operator' | 'nobody';
const isPartner = (who: Who): who is Partner => (PARTNERS as readonly string[]).includes(who);
const otherOf = (p: Partner): Partner => (p === 'contoso' ? 'fabrikam' : 'contoso');

const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase();
const voucherLike = () => `V-${hex(5)}`;

interface SeedEngagement {
  voucherId: string;
  agreementNumber: string;
  email: string;
}
interface PartnerSeed {
  partnerId: Partner;
  locationId: string;
  consultantId: string;
  engagements: SeedEngagement[];
}

let stack: DevStack;
let limitBytes: number;
const seeds = {} as Record<Partner, PartnerSeed>;
let unforwarded: SeedEngagement;
/** A voucher no engagement has. */
const UNKNOWN_VOUCHER = voucherLike();

const newEngagement = (): SeedEngagement => ({
  voucherId: voucherLike(),
  agreementNumber: `AGR-${hex(5)}`,
  email: `pm.${hex(4).toLowerCase()}@cust-${hex(2).toLowerCase()}.example`,
});

function bytesOf(limit: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb)?$/i.exec(limit.trim());
  if (!match) throw new Error(`cannot read API_BODY_LIMIT ${limit}`);
  const unit = (match[2] ?? 'b').toLowerCase();
  return Math.floor(Number(match[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1));
}

// ---------- raw HTTP (fetch would normalise `..`, refuse odd headers and re-encode paths) ----------

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  body: any;
}

class HostileRequest {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly headers: Record<string, string>,
    /** Bytes on the wire (maybe compressed). */
    readonly body: Buffer | undefined,
    /** The body as the caller wrote it (before compression), for the echo rule. */
    readonly plainBody: string,
    readonly chunked: boolean,
    readonly who: Who,
    readonly route: RouteInfo | undefined,
    readonly note: string,
  ) {}

  headBytes(): number {
    return (
      this.method.length +
      this.path.length +
      Object.entries(this.headers).reduce((n, [k, v]) => n + k.length + v.length + 4, 0) +
      200
    );
  }

  toString(): string {
    const headers = Object.entries(this.headers)
      .map(([k, v]) => `${k}: ${clip(v, 120)}`)
      .join(' | ');
    const body =
      this.body === undefined
        ? 'no body'
        : `${this.body.length} bytes${this.chunked ? ' chunked' : ''}: ${JSON.stringify(clip(this.plainBody, 300))}`;
    return `[${this.note}] as ${this.who}: ${this.method} ${clip(this.path, 400)} {${headers}} ${body}`;
  }

  [fc.toStringMethod](): string {
    return this.toString();
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} chars)`;
}

function send(r: HostileRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...r.headers };
    if (r.body && !r.chunked) headers['content-length'] = String(r.body.length);
    // Said explicitly: Node frames a DELETE (or GET) body as chunked only when told to.
    if (r.body && r.chunked) headers['transfer-encoding'] = 'chunked';
    let settled = false;
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: Number(new URL(stack.baseUrl).port),
        method: r.method,
        path: r.path,
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => !settled && ((settled = true), reject(err)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          settled = true;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
      },
    );
    req.setTimeout(45_000, () => req.destroy(new Error('no answer within 45 s')));
    // The server may answer (401, 413, 415) before it has read a large body: that is not a failure.
    req.on('error', (err) => !settled && ((settled = true), reject(new Error(`${r}: ${err.message}`))));
    if (r.body && r.chunked) {
      for (let at = 0; at < r.body.length; at += 8192) req.write(r.body.subarray(at, at + 8192));
      req.end();
    } else if (r.body) req.end(r.body);
    else req.end();
  });
}

// ---------- what every answer must satisfy ----------

const ledger: { name: string; runs: number; ms: number; seed: number; statuses: Record<number, number> }[] = [];
let statuses: Record<number, number> = {};

function fail(r: HostileRequest, res: Answer, why: string): never {
  throw new Error(
    `${why}\n  request: ${r}\n  answer: ${res.status} ${res.headers['content-type'] ?? '(no content type)'} ${clip(res.text, 800)}`,
  );
}

/** Never a 5xx; every error a problem document with type, title and status; no stack traces; no tokens. */
function expectWellFormed(r: HostileRequest, res: Answer): void {
  statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  if (res.status >= 500) fail(r, res, `a ${res.status} (Temporal is up: no 5xx at all)`);
  if (res.status < 100) fail(r, res, 'no HTTP status');
  for (const token of allTokens()) if (res.text.includes(token)) fail(r, res, 'the answer contains a configured token');
  if (res.status < 400) return;
  const type = String(res.headers['content-type'] ?? '');
  if (!type.startsWith('application/problem+json')) fail(r, res, 'an error that is not application/problem+json');
  if (res.status === 401 && !/^Bearer realm=/.test(String(res.headers['www-authenticate'] ?? '')))
    fail(r, res, 'a 401 without WWW-Authenticate: Bearer');
  if (r.method === 'HEAD') return;
  const body = res.body as { type?: unknown; title?: unknown; status?: unknown } | undefined;
  if (!body || typeof body !== 'object' || Array.isArray(body)) fail(r, res, 'the problem is not a JSON object');
  if (typeof body.type !== 'string' || !body.type.startsWith(PROBLEM_BASE) || body.type.length <= PROBLEM_BASE.length)
    fail(r, res, 'the problem has no type URI');
  if (typeof body.title !== 'string' || body.title.length === 0) fail(r, res, 'the problem has no title');
  if (body.status !== res.status) fail(r, res, `the problem's status ${String(body.status)} is not the HTTP status`);
  if (/\n\s+at .+:\d+:\d+\)?/.test(res.text) || /node_modules|\/work\/|\.ts:\d+/.test(res.text))
    fail(r, res, 'the problem shows a stack trace or a source path');
}

interface Secret {
  value: string;
  what: string;
  partnerId?: boolean;
}

/** What a partner must never be told: the other partner's data, and that of the engagement forwarded to nobody. */
function secretsHiddenFrom(p: Partner): Secret[] {
  const other = seeds[otherOf(p)];
  const ofEngagement = (e: SeedEngagement, whose: string): Secret[] => [
    { value: e.voucherId, what: `${whose} voucher ID` },
    { value: e.agreementNumber, what: `${whose} customer's agreement number` },
    { value: e.email, what: `${whose} customer's e-mail` },
  ];
  return [
    { value: other.partnerId, what: 'partner ID of the other partner', partnerId: true },
    { value: other.locationId, what: "the other partner's location ID" },
    { value: other.consultantId, what: "the other partner's consultant ID" },
    ...other.engagements.flatMap((e) => ofEngagement(e, "the other partner's")),
    ...ofEngagement(unforwarded, 'an unforwarded engagement'),
  ];
}

const safeDecode = (text: string) => {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
};

/** A partner's answer holds none of the other partner's data, unless it is an error echoing the request. */
function expectNoLeak(r: HostileRequest, res: Answer): void {
  if (!isPartner(r.who)) return;
  const requestText = `${r.path}\n${safeDecode(r.path)}\n${r.path
    .split(/[/?&=]/)
    .map(safeDecode)
    .join('\n')}\n${r.plainBody}`;
  const answerText = `${res.text}\n${Object.entries(res.headers)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join('\n')}`;
  const showsPartners = r.route?.def.auth === 'public' || r.route?.path === '/v1/directory';
  for (const secret of secretsHiddenFrom(r.who)) {
    if (!answerText.includes(secret.value)) continue;
    if (secret.partnerId && showsPartners) continue;
    // An error may repeat what the caller sent (a path in "no such resource", an ID in "not found");
    // a success may hold what the caller's own body stored, nothing else.
    const echoed = res.status >= 400 ? requestText.includes(secret.value) : r.plainBody.includes(secret.value);
    if (!echoed) fail(r, res, `LEAK: ${r.who}'s token received ${secret.what} ${secret.value}`);
  }
}

async function exchange(r: HostileRequest): Promise<Answer> {
  const res = await send(r);
  expectWellFormed(r, res);
  expectNoLeak(r, res);
  return res;
}

async function expectAlive(after: string): Promise<void> {
  const res = await http(stack, 'GET', '/healthz');
  if (res.status !== 200 || res.body?.status !== 'ok')
    throw new Error(`/healthz answered ${res.status} ${res.text} after ${after}`);
}

/** A seed per check (from the run's seed and the check's name), so that checks do not draw the same values. */
function seedOf(name: string): number {
  if (ONLY) return SEED;
  let h = SEED;
  for (const ch of name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

/** Runs one property (plus the given examples); on failure prints the seed and path to replay it. */
async function check<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  predicate: (value: T) => Promise<void>,
  numRuns: number,
  examples: T[] = [],
): Promise<void> {
  if (ONLY && ONLY !== name) return;
  const started = Date.now();
  statuses = {};
  const details = await fc.check(fc.asyncProperty(fc.limitShrink(arb, 40), predicate), {
    numRuns: runs(numRuns),
    seed: seedOf(name),
    examples: examples.map((e): [T] => [e]),
    ...(ONLY && PATH ? { path: PATH } : {}),
  });
  ledger.push({ name, runs: details.numRuns, ms: Date.now() - started, seed: details.seed, statuses });
  await expectAlive(name);
  if (details.failed) {
    const message =
      `hostile input: "${name}" failed (seed ${details.seed}, path ${details.counterexamplePath}).\n` +
      `Replay: HOSTILE_SEED=${details.seed} HOSTILE_PATH=${details.counterexamplePath} HOSTILE_ONLY='${name}' npx jest test/api/hostile-input.test.ts\n` +
      `${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}\n` +
      fc.defaultReportMessage(details);
    console.error(message);
    throw new Error(message);
  }
}

// ---------- routes, from the route table and the OpenAPI document ----------

type JsonSchema = Record<string, any>;

interface RouteInfo {
  def: RouteDef;
  method: string;
  path: string;
  label: string;
  pathParams: string[];
  queryParams: { name: string; schema: JsonSchema }[];
  bodySchema?: JsonSchema;
  /** The body may be omitted (its schema accepts {}). */
  bodyOptional: boolean;
}

let doc: Record<string, any>;
let routes: RouteInfo[] = [];

function resolveSchema(schema: JsonSchema): JsonSchema {
  let current = schema;
  for (let i = 0; current?.$ref && i < 20; i++)
    current = doc.components.schemas[String(current.$ref).split('/').pop()!];
  return current;
}

function routesFrom(table: RouteDef[]): RouteInfo[] {
  return table.map((def) => {
    const op = doc.paths?.[def.path]?.[def.method];
    if (!op) throw new Error(`${def.method.toUpperCase()} ${def.path} is served but not in the OpenAPI document`);
    const parameters = (op.parameters ?? []) as { name: string; in: string; schema: JsonSchema }[];
    const body = op.requestBody?.content?.['application/json']?.schema as JsonSchema | undefined;
    return {
      def,
      method: def.method.toUpperCase(),
      path: def.path,
      label: `${def.method.toUpperCase()} ${def.path}`,
      pathParams: [...def.path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]),
      queryParams: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
      bodySchema: body ? resolveSchema(body) : undefined,
      bodyOptional: !!def.body && def.body.safeParse({}).success,
    };
  });
}

const allowedRoles = (route: RouteInfo): Who[] => {
  if (route.def.auth === 'public') return ['backoffice', 'operator', 'contoso', 'fabrikam', 'nobody'];
  return route.def.auth.flatMap((role): Who[] => (role === 'partner' ? [...PARTNERS] : [role]));
};
const tokenOf = (who: Who): string | undefined =>
  who === 'backoffice'
    ? stack.tokens.backoffice
    : who === 'operator'
      ? stack.tokens.operator
      : isPartner(who)
        ? stack.tokens.partners[who]
        : undefined;
const allTokens = () => [stack.tokens.backoffice, stack.tokens.operator, ...Object.values(stack.tokens.partners)];

// ---------- generators: strings ----------

const ODD_STRINGS = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udc00',
  'x\ud83d',
  '\ude00x\ud83d',
  '\u202eevil\u202c',
  '\u200f\u200e\u061c',
  'e\u0301\u0302\u0303\u0304\u0305',
  'Z\u0324\u0354\u0367\u0311\u0313a\u0356\u032d\u0308\u0307',
  '😀',
  '👩‍👩‍👧‍👦',
  '🏳️‍🌈',
  '\u200b',
  '\ufeff',
  '\ufffe\uffff',
  'ＡＢＣ',
  'İı',
  'ß',
  'ﬃ',
  '\r\n',
  '\t',
  '\u2028\u2029',
  '\u0085',
  '\u00a0',
  '../../etc/passwd',
  '..\\..\\',
  '%2e%2e%2f',
  '%00',
  '${jndi:ldap://x/a}',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '{{7*7}}',
  '\\',
  '"',
  "'",
  '`',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e999',
  'constructor',
  '__proto__',
  'engagement-',
  '',
  ' ',
];

const loneSurrogates = fc
  .array(fc.integer({ min: 0xd800, max: 0xdfff }), { minLength: 1, maxLength: 4 })
  .map((codes) => String.fromCharCode(...codes));
const oddString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ODD_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  {
    weight: 2,
    arbitrary: fc.array(fc.constantFrom(...ODD_STRINGS), { minLength: 2, maxLength: 6 }).map((parts) => parts.join('')),
  },
  { weight: 1, arbitrary: loneSurrogates },
);

/** A long string of one odd unit, about `maxBytes` of JSON at most. */
const hugeString = (maxBytes: number) =>
  fc
    .tuple(
      fc.integer({ min: Math.min(1000, maxBytes), max: Math.max(1000, maxBytes) }),
      fc.constantFrom('x', 'é', '😀', '\u0000', 'a\u0301', '\ud800', ' ', '\\'),
    )
    .map(([bytes, unit]) => {
      const each = Buffer.byteLength(JSON.stringify(unit)) - 2;
      return unit.repeat(Math.max(1, Math.floor(bytes / each)));
    });

const latin1 = fc
  .integer({ min: 0x21, max: 0xff })
  .filter((c) => c < 0x7f || c >= 0xa1)
  .map((c) => String.fromCharCode(c));

/** Percent-encodes everything but the unreserved characters (UTF-8; a lone surrogate becomes U+FFFD). */
function pct(text: string): string {
  let out = '';
  for (const ch of text) {
    if (/^[A-Za-z0-9\-._~]$/.test(ch)) out += ch;
    else out += [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

// ---------- generators: JSON values ----------

/** A piece of JSON text put into a body as it is (malformed tokens, nesting too deep to build as objects). */
class Raw {
  constructor(readonly text: string) {}
}

function serialize(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .map((key) => `${JSON.stringify(key)}:${serialize((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function defineKey(target: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty, so that "__proto__" is an own key (and is sent), not the prototype.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** JSON nested 20 levels deep or more, at most `maxBytes` long: arrays, objects, or both. */
const DEEP_SHAPES: [open: string, inner: string, close: string][] = [
  ['[', '', ']'],
  ['{"a":', '1', '}'],
  ['{"a":[', '', ']}'],
  ['[{"x":', '1', '}]'],
];
const deepRaw = (maxBytes: number) =>
  fc
    .constantFrom(...DEEP_SHAPES)
    .chain(([open, inner, close]) =>
      fc
        .integer({ min: 20, max: Math.max(21, Math.floor((maxBytes - inner.length) / (open.length + close.length))) })
        .map((depth) => new Raw(open.repeat(depth) + inner + close.repeat(depth))),
    );

const RAW_TOKENS = [
  'NaN',
  'Infinity',
  '-Infinity',
  'undefined',
  '0x10',
  '.5',
  '01',
  '1e999',
  '-0',
  '"\\ud800"',
  '"\\udfff\\ud800"',
  '"\\u0000"',
  '"\\x41"',
  "'single'",
  'tru',
  '[1,]',
  '{"a":1,}',
  '"\t"',
];

/** A value to put where another was expected. */
const hostileValue = (limit: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: oddString },
    {
      weight: 3,
      arbitrary: fc.constantFrom<unknown>(
        null,
        true,
        false,
        0,
        -1,
        1.5,
        1e21,
        -1e308,
        2 ** 53 + 2,
        '',
        ' ',
        '0',
        'null',
        [],
        {},
        [null],
        { '': '' },
        [[[]]],
      ),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: hugeString(Math.floor(limit / 3)) },
    { weight: 1, arbitrary: deepRaw(Math.floor(limit / 2)) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_TOKENS).map((t) => new Raw(t)) },
  );

const EXTRA_KEYS = [
  'extra',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '',
  ' ',
  'voucherId\u0000',
  'ŧëšŧ',
  '😀',
  'actor',
  'status',
  'partnerId',
  'id',
  '$where',
  'a.b',
  'a[0]',
];

const today0 = () => today();
const dateNear = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -30, max: 90 }).map((d) => addDays(today0(), d)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '2026-02-30',
      '0000-00-00',
      '9999-12-31',
      '0000-01-01',
      '2024-02-29',
      '2023-02-29',
      '1970-01-01',
      '99999-01-01',
      '2026-1-1',
      '2026-13-01',
    ),
  },
);
const instantNear = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.integer({ min: -5 * DAY_MS, max: DAY_MS }).map((ms) => new Date(Date.now() + ms).toISOString()),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '9999-12-31T23:59:59-23:59',
      '9999-12-31T23:59:59.999Z',
      '0000-01-01T00:00:00+23:59',
      '0000-01-01T00:00:00Z',
      '1970-01-01T00:00:00Z',
      '2026-01-01T00:00:00.123456789Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T00:00:00',
      '2026-01-01t00:00:00z',
      '2026-02-30T00:00:00Z',
    ),
  },
);
const emailLike = fc
  .tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z]{1,8}$/))
  .map(([local, domain]) => `${local}@${domain}.example`);
const offeringCodes = catalog.offerings.map((o) => o.code);
const typeCodes = catalog.offerings.flatMap((o) => o.engagementTypes.map((t) => t.code));

/**
 * Values of fields the API knows by name, so that generated bodies reach the workflows' checks.
 * A partner's own data only: a partner that stored the other's IDs in its own engagement would later
 * "receive" them. Never a customer's real e-mail of another partner (that would be a legitimate takeover).
 */
function hintsFor(who: Who): Record<string, fc.Arbitrary<unknown>> {
  const own = isPartner(who) ? seeds[who] : undefined;
  const ownEmails = own ? own.engagements.map((e) => e.email) : [];
  return {
    partnerId: own ? fc.constantFrom(own.partnerId, otherOf(own.partnerId), 'northwind') : fc.constant('northwind'),
    projectManagerEmail: ownEmails.length ? fc.oneof(emailLike, fc.constantFrom(...ownEmails)) : emailLike,
    offering: fc.constantFrom(...offeringCodes),
    engagementType: fc.constantFrom(...typeCodes),
    days: fc.constantFrom(1, 3, 5, 10, 15),
    onSiteDays: fc.integer({ min: 0, max: 5 }),
    offSiteDays: fc.integer({ min: 0, max: 3 }),
    locationId: fc.constant(own ? own.locationId : 'LOC-HQ'),
    consultantId: fc.constant(own ? own.consultantId : 'CON-HQ'),
    country: fc.constantFrom('US', 'DE', 'NZ'),
    deliveryCountry: fc.constantFrom('US', 'DE', 'NZ'),
    startDate: dateNear,
    endDate: dateNear,
    deliveredFrom: dateNear,
    deliveredTo: dateNear,
    enrollmentEndsAt: dateNear,
    passedAt: dateNear,
    expiresAt: dateNear,
    assignedAt: instantNear,
    expiresBefore: fc.oneof(instantNear, dateNear),
    voucherId: fc.oneof(fc.constant(voucherLike()), fc.stringMatching(/^V-[A-Z0-9]{1,12}$/)),
    agreementNumber: fc.stringMatching(/^AGR-[A-Z0-9]{1,12}$/),
    area: fc.constantFrom('Windows and Devices', 'Messaging', 'Datacenter'),
    sha256: fc.stringMatching(/^[a-f0-9]{64}$/),
    status: fc.constantFrom('ASSIGNED', 'FORWARDED', 'RESERVED', 'CANCELLED', 'EXPIRED', 'PAID'),
  };
}

function valueFromSchema(
  schema: JsonSchema,
  hints: Record<string, fc.Arbitrary<unknown>>,
  key?: string,
  depth = 0,
): fc.Arbitrary<unknown> {
  const hint = key !== undefined ? hints[key] : undefined;
  const plain = plainFromSchema(resolveSchema(schema), hints, depth);
  return hint ? fc.oneof({ weight: 4, arbitrary: hint }, { weight: 1, arbitrary: plain }) : plain;
}

function plainFromSchema(
  s: JsonSchema,
  hints: Record<string, fc.Arbitrary<unknown>>,
  depth: number,
): fc.Arbitrary<unknown> {
  if (!s || depth > 6) return fc.jsonValue({ maxDepth: 1 });
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives)
    return fc.oneof(...(alternatives as JsonSchema[]).map((a) => valueFromSchema(a, hints, undefined, depth + 1)));
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  if (s.const !== undefined) return fc.constant(s.const);
  switch (s.type) {
    case 'object': {
      const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, sub] of Object.entries(properties)) model[name] = valueFromSchema(sub, hints, name, depth + 1);
      return fc.record(model, { requiredKeys: (s.required ?? []) as string[], noNullPrototype: true });
    }
    case 'array':
      return fc.array(valueFromSchema(s.items ?? {}, hints, undefined, depth + 1), {
        minLength: s.minItems ?? 0,
        maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 3, 3)),
      });
    case 'integer': {
      const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1000);
      return fc.integer({
        min,
        max: s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : min + 2000),
      });
    }
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: s.minimum ?? -1e6, max: s.maximum ?? 1e6 });
    case 'boolean':
      return fc.boolean();
    case 'string':
      return stringFromSchema(s);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringFromSchema(s: JsonSchema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 1000;
  if (s.format === 'date-time') return instantNear;
  if (s.format === 'date' || s.pattern === '^\\d{4}-\\d{2}-\\d{2}$') return dateNear;
  if (s.format === 'email') return emailLike;
  if (s.format === 'uri') return fc.webUrl();
  if (typeof s.pattern === 'string')
    return fc.stringMatching(new RegExp(s.pattern)).filter((t) => t.length >= min && t.length <= max);
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength: min, maxLength: Math.min(max, Math.max(min, 30)) }) },
    { weight: 1, arbitrary: oddString },
  );
}

// ---------- generators: mutations of a valid-ish body ----------

type Path = (string | number)[];

function nodePaths(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (out.length > 200) return out;
  if (Array.isArray(value)) value.forEach((v, i) => nodePaths(v, [...at, i], out));
  else if (value !== null && typeof value === 'object' && !(value instanceof Raw))
    for (const k of Object.keys(value)) nodePaths((value as Record<string, unknown>)[k], [...at, k], out);
  return out;
}

const DROP = Symbol('drop');

/** A copy of `value` with the node at `path` replaced by `replace(node)` (DROP removes it). */
function updateAt(value: unknown, path: Path, replace: (node: unknown) => unknown): unknown {
  if (path.length === 0) return replace(value);
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    const next = updateAt(copy[head as number], rest, replace);
    if (next === DROP) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value as object)) {
    if (key !== head) defineKey(copy, key, (value as Record<string, unknown>)[key]);
    else {
      const next = updateAt((value as Record<string, unknown>)[key], rest, replace);
      if (next !== DROP) defineKey(copy, key, next);
    }
  }
  return copy;
}

type Mutation =
  | { op: 'drop' }
  | { op: 'replace'; value: unknown }
  | { op: 'extra'; key: string; value: unknown }
  | { op: 'duplicate-key'; value: unknown };

const mutationArb = (limit: number): fc.Arbitrary<Mutation> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant<Mutation>({ op: 'drop' }) },
    { weight: 5, arbitrary: hostileValue(limit).map((value): Mutation => ({ op: 'replace', value })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.oneof(fc.constantFrom(...EXTRA_KEYS), fc.string({ maxLength: 10 })), hostileValue(limit))
        .map(([key, value]): Mutation => ({ op: 'extra', key, value })),
    },
    { weight: 1, arbitrary: hostileValue(limit).map((value): Mutation => ({ op: 'duplicate-key', value })) },
  );

/** Serialises `value` with the mutation applied at `path`. */
function mutate(value: unknown, path: Path, mutation: Mutation): string {
  switch (mutation.op) {
    case 'drop':
      return serialize(path.length ? updateAt(value, path, () => DROP) : undefined);
    case 'replace':
      return serialize(updateAt(value, path, () => mutation.value));
    case 'extra':
      return serialize(
        updateAt(value, path, (node) => {
          if (node === null || typeof node !== 'object' || Array.isArray(node) || node instanceof Raw)
            return [node, mutation.value];
          const copy: Record<string, unknown> = {};
          for (const key of Object.keys(node)) defineKey(copy, key, (node as Record<string, unknown>)[key]);
          defineKey(copy, mutation.key, mutation.value);
          return copy;
        }),
      );
    case 'duplicate-key': {
      // The same key twice at the top: JSON.parse keeps the last one.
      const text = serialize(value);
      const first =
        value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value)[0] : undefined;
      if (!first || !text.startsWith('{')) return text;
      return `${text.slice(0, -1)},${JSON.stringify(first)}:${serialize(mutation.value)}}`;
    }
  }
}

// ---------- generators: bodies ----------

interface BodySpec {
  kind: string;
  text?: string | Buffer;
  contentType?: string;
  encoding?: string;
  /** Encode the body validly with `encoding` (else send garbage labelled with it). */
  encodeValidly?: boolean;
  chunked?: boolean;
}

const JSON_TYPES = [
  'application/json',
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=UTF-8',
  'Application/JSON',
  'application/problem+json',
  'application/merge-patch+json',
];
const ODD_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  'text/json',
  'application/jsonx',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/json; charset=utf-32',
  'application/json; charset=ascii',
  'application/json;;',
  'application/json; charset',
  'application/json; charset="utf-8"',
  '*/*',
  'json',
  'application/',
  '/',
  ';',
  'application/json, text/plain',
  'application/json\u00e9',
];
const jsonType = fc.constantFrom(...JSON_TYPES);
const contentTypeArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 10, arbitrary: jsonType },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_TYPES) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
/** Mostly no Content-Encoding; sometimes one, applied validly or labelling garbage. */
const encodingArb = fc.oneof(
  { weight: 12, arbitrary: fc.constant(null) },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown', 'gzip, deflate', 'GZIP'),
      fc.boolean(),
    ),
  },
);

const MALFORMED = [
  '{',
  '}',
  '{"a":',
  '{"a" 1}',
  "{'a':1}",
  '{a:1}',
  '{"a":1,}',
  '[1,]',
  '{"a":NaN}',
  '{"a":undefined}',
  '{"a":0x10}',
  '{"a":.5}',
  '{"a":01}',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  '{"a":"line\nbreak"}',
  '{"a":1}{"b":2}',
  '{"a":1} x',
  '// c\n{}',
  '/* c */{}',
  '{"a":1',
  'nul',
  'tru',
  '{"a":"unterminated}',
  '\u0000',
  '{"a":1}\u0000',
  '{\u0000}',
  '{"\u0000":1',
  '"',
  '[',
  ']',
  '{"a":[1,2}',
  '{"a":{"b":1]}',
  '{"__proto__":',
  '{,}',
  '{"a"::1}',
  '{"a":-}',
  '{"a":+1}',
  '{"a":1e}',
  '{"a":Infinity}',
  '   ',
  '\ufeff\ufeff{}',
];
const SCALARS = ['null', 'true', 'false', '0', '-1', '42', '1e999', '"text"', '""', '-0', '"\\ud800"'];

const malformedArb = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...MALFORMED) },
    {
      weight: 2,
      arbitrary: valid
        .map(serialize)
        .chain((text) =>
          text.length > 1
            ? fc.integer({ min: 1, max: text.length - 1 }).map((n) => text.slice(0, n))
            : fc.constant('{'),
        ),
    },
  );

/** Bodies of every kind for a route: none, valid-ish, mutated, non-object, malformed, deep, huge, odd bytes. */
function bodyArb(route: RouteInfo, who: Who): fc.Arbitrary<BodySpec> {
  const hints = hintsFor(who);
  const valid: fc.Arbitrary<unknown> = route.bodySchema
    ? valueFromSchema(route.bodySchema, hints)
    : fc.jsonValue({ maxDepth: 2 });
  const withType = (kind: string, text: fc.Arbitrary<string | Buffer>): fc.Arbitrary<BodySpec> =>
    fc
      .tuple(text, contentTypeArb, encodingArb)
      .map(([t, contentType, enc]) => ({ kind, text: t, contentType, encoding: enc?.[0], encodeValidly: enc?.[1] }));
  const hasBody = !!route.bodySchema;
  return fc.oneof(
    { weight: hasBody ? 1 : 12, arbitrary: fc.constant<BodySpec>({ kind: 'none' }) },
    { weight: hasBody ? 4 : 1, arbitrary: withType('valid-ish', valid.map(serialize)) },
    {
      weight: hasBody ? 6 : 1,
      arbitrary: withType(
        'mutated',
        valid.chain((value) =>
          fc
            .tuple(fc.constantFrom(...nodePaths(value)), mutationArb(limitBytes))
            .map(([path, m]) => mutate(value, path, m)),
        ),
      ),
    },
    {
      weight: 1,
      arbitrary: withType(
        'non-object',
        fc.oneof(
          fc.constantFrom(...SCALARS, '[]', '[{}]', '[null]'),
          fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? 'null'),
        ),
      ),
    },
    { weight: 2, arbitrary: withType('malformed', malformedArb(valid)) },
    {
      weight: 1,
      arbitrary: withType(
        'deep',
        deepRaw(limitBytes - 100).map((raw) => raw.text),
      ),
    },
    {
      weight: 1,
      arbitrary: withType(
        'huge-within-limit',
        fc
          .tuple(
            valid,
            hugeString(Math.floor(limitBytes * 0.6)),
            fc.constantFrom(...EXTRA_KEYS.slice(0, 3), 'name', 'reason', 'description'),
          )
          .map(([value, big, key]) => {
            if (value === null || typeof value !== 'object' || Array.isArray(value)) return serialize([value, big]);
            const copy = updateAt(value, [], (v) => v) as Record<string, unknown>;
            defineKey(copy, key, big);
            return serialize(copy);
          }),
      ),
    },
    {
      weight: 1,
      arbitrary: withType(
        'odd-bytes',
        fc.oneof(
          fc.constantFrom(
            Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]),
            Buffer.concat([
              Buffer.from('{"reason":"'),
              Buffer.from([0xed, 0xa0, 0x80, 0xc0, 0xaf, 0xff]),
              Buffer.from('"}'),
            ]),
            Buffer.from('{"reason":"a\u0000b"}', 'latin1'),
            Buffer.from('\ufeff{}', 'utf8'),
            Buffer.from('{"reason":"x"}', 'utf16le'),
            Buffer.from([0x00, 0x00, 0x00, 0x7b]),
          ),
          valid.map((v) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(serialize(v))])),
        ),
      ),
    },
  );
}

/** A schema-valid-ish JSON body (the kind that reaches the workflows), sent as application/json. */
function validishBody(route: RouteInfo, who: Who): fc.Arbitrary<BodySpec> {
  if (!route.bodySchema) return fc.constant<BodySpec>({ kind: 'none' });
  return valueFromSchema(route.bodySchema, hintsFor(who)).map((v): BodySpec => ({
    kind: 'valid-ish',
    text: serialize(v),
    contentType: 'application/json',
  }));
}

function encodeBody(text: string | Buffer, encoding: string | undefined, validly: boolean | undefined): Buffer {
  const raw = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  if (!encoding || !validly) return raw;
  switch (encoding.toLowerCase()) {
    case 'gzip':
      return gzipSync(raw);
    case 'deflate':
      return deflateSync(raw);
    case 'br':
      return brotliCompressSync(raw);
    default:
      return raw;
  }
}

// ---------- generators: Authorization ----------

const validAuth = (token: string) =>
  fc.oneof(
    { weight: 12, arbitrary: fc.constant(`Bearer ${token}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        `bearer ${token}`,
        `BEARER ${token}`,
        `bEaReR ${token}`,
        `Bearer    ${token}`,
        `Bearer\t${token}`,
        `Bearer ${token}   `,
        `  Bearer ${token}`,
      ),
    },
  );

/** Authorization headers that carry no valid credential (undefined: no header at all). */
const invalidAuth = (): fc.Arbitrary<string | undefined> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '',
        'Bearer',
        'Bearer ',
        'bearer',
        'Basic dXNlcjpwYXNz',
        'Token abc',
        'Bearer null',
        'Bearer undefined',
        'Bearer ""',
        'Negotiate abc',
        'Bearer =',
        'Bearer \t',
        'Digest x',
      ),
    },
    {
      weight: 5,
      arbitrary: fc
        .constantFrom(...allTokens())
        .chain((t) =>
          fc.constantFrom(
            t,
            `Bearer ${t}x`,
            `Bearer x${t}`,
            `Bearer ${t.slice(0, -1)}`,
            `Bearer ${t.toUpperCase()}`,
            `Bearer ${t} ${t}`,
            `Bearer ${t},Bearer ${t}`,
            `Bearer "${t}"`,
            `Bearer ${t};`,
            `Bearer ${t.slice(0, 5)} ${t.slice(5)}`,
            `Basic ${Buffer.from(`${t}:`).toString('base64')}`,
            `Bearer ${Buffer.from(t).toString('base64')}`,
            `Bearer ${t}\u00e9`,
            `Bearer ${t.replace(/-/g, '\u00ad')}`,
            `Bearer${t}`,
            `Token ${t}`,
            `Bearer: ${t}`,
          ),
        ),
    },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 3000 }).map((n) => `Bearer ${'A'.repeat(n)}`) },
    { weight: 2, arbitrary: fc.string({ unit: latin1, minLength: 1, maxLength: 200 }).map((s) => `Bearer ${s}`) },
  );

const authFor = (who: Who): fc.Arbitrary<string | undefined> => {
  const token = tokenOf(who);
  return token ? validAuth(token) : invalidAuth();
};

// ---------- generators: paths and queries ----------

function realIds(name: string, who: Who): string[] {
  if (name === 'voucherId') {
    const own = isPartner(who) ? seeds[who].engagements.map((e) => e.voucherId) : [];
    const others = PARTNERS.filter((p) => p !== who).flatMap((p) => seeds[p].engagements.map((e) => e.voucherId));
    return [...own, ...own, ...others, unforwarded.voucherId, UNKNOWN_VOUCHER];
  }
  if (name === 'partnerId')
    return isPartner(who) ? [who, who, otherOf(who), 'northwind'] : ['contoso', 'fabrikam', 'northwind'];
  if (name === 'offering') return [...offeringCodes, 'NOPE'];
  return ['x'];
}

/** Already-encoded path segments built around a real ID: traversal, encoded slashes and NULs, unicode, prefixes. */
const trickSegments = (r: string) => [
  '..',
  '.',
  '%2e%2e',
  '%2E',
  '%2F',
  `${r}%2F..`,
  `..%2F${r}`,
  `${r}%2F`,
  `%2F${r}`,
  `a%2F..%2F${r}`,
  '%00',
  `${r}%00`,
  `%00${r}`,
  '%',
  '%zz',
  `${r}%`,
  '%E0%A4%A',
  '%ED%A0%80',
  '%C0%AF',
  '%FF',
  '%F0%9F%98%80',
  `%E2%80%8F${r}`,
  `${r}%E2%80%AE`,
  'e%CC%81',
  `${r}%CC%81`,
  `engagement-${r}`,
  'engagement-',
  `partner-${r}`,
  r.toLowerCase(),
  r.toUpperCase(),
  `${r}.`,
  `${r}%20`,
  `%20${r}`,
  `${r}%0A`,
  `${r}%0D%0A`,
  `${r};x=y`,
  `${r}%3Fx=1`,
  `${r}%23frag`,
  '%252F',
  `${r}%252F..`,
  '~',
  '*',
  '+',
  `${r}%2B`,
  '%u0041',
  `${r}%09`,
  'A'.repeat(65),
  `${r}${'x'.repeat(60)}`,
];

function segmentArb(name: string, who: Who): fc.Arbitrary<string> {
  const real = realIds(name, who);
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...real).map(pct) },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$/) },
    { weight: 4, arbitrary: fc.constantFrom(...real).chain((r) => fc.constantFrom(...trickSegments(r))) },
    { weight: 1, arbitrary: fc.integer({ min: 65, max: 3000 }).map((n) => 'A'.repeat(n)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).map(pct) },
  );
}

const decodable = (segment: string) => {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
};

/** Tricks on the whole path: trailing and doubled slashes, dot segments (sent as they are), case. */
const PATH_TRICKS: [string, (p: string) => string][] = [
  ['trailing slash', (p) => `${p}/`],
  ['trailing //', (p) => `${p}//`],
  ['doubled slash', (p) => p.replace('/v1/', '/v1//')],
  ['dot segment', (p) => p.replace('/v1/', '/v1/./')],
  ['dot-dot segment', (p) => p.replace('/v1/', '/v1/x/../')],
  ['upper case', (p) => p.toUpperCase()],
  ['trailing /..', (p) => `${p}/..`],
  ['trailing %2F', (p) => `${p}%2F`],
  ['leading //', (p) => `/${p}`],
  ['matrix ;', (p) => `${p};x=1`],
  ['traversal prefix', (p) => `/v1/engagements/..${p}`],
];
const pathTrickArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom(...PATH_TRICKS) },
);

const HOSTILE_PAGE_SIZES = [
  '-1',
  '0',
  '101',
  '1e9',
  '99999999999999999999999',
  'NaN',
  '1.5',
  '',
  '0x10',
  ' 5',
  '5 ',
  'Infinity',
  '-0',
  '1e2',
  '+5',
  '٣',
  '５',
  '1,2',
  '[1]',
  '{}',
  'null',
  'true',
];

function hostileQueryValue(name: string, who: Who): fc.Arbitrary<string> {
  const secretValues = isPartner(who) ? secretsHiddenFrom(who).map((s) => s.value) : ['contoso', 'fabrikam'];
  const common = fc.oneof(
    oddString,
    fc.constantFrom(...secretValues),
    fc.integer({ min: 100, max: 3000 }).map((n) => 'q'.repeat(n)),
  );
  if (name === 'pageSize') return fc.oneof(fc.constantFrom(...HOSTILE_PAGE_SIZES), common);
  if (name === 'pageToken') {
    return fc.oneof(
      fc.base64String({ maxLength: 200 }).map((s) => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '')),
      fc.constantFrom('', '!!', 'A'.repeat(4096), 'A'.repeat(4097), 'A'.repeat(33), '____', '-', '%', '..'),
      fc
        .integer({ min: 0, max: 80 })
        .map((n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 37) & 0xff)).toString('base64url')),
      common,
    );
  }
  return common;
}

function queryArb(route: RouteInfo, who: Who): fc.Arbitrary<string> {
  const hints = hintsFor(who);
  const known = route.queryParams;
  const unknownPair = fc.tuple(
    fc.oneof(
      fc.constantFrom('sort', 'limit', 'offset', 'q', 'debug', 'callback', 'partner'),
      fc.string({ maxLength: 8 }),
    ),
    oddString,
  );
  const weirdPair = fc.tuple(
    fc.constantFrom(
      'pageSize[]',
      'status[]',
      'partnerId[a]',
      '__proto__',
      'constructor',
      'constructor[prototype][x]',
      '',
      '&',
      'a[b]',
      'hasOwnProperty',
      'toString',
    ),
    fc.oneof(oddString, fc.constant('1')),
  );
  const pairs: fc.Arbitrary<[string, string]>[] = [unknownPair, weirdPair];
  if (known.length) {
    pairs.push(
      fc
        .constantFrom(...known)
        .chain((p) =>
          valueFromSchema(p.schema, hints, p.name).map((v): [string, string] => [
            p.name,
            typeof v === 'string' ? v : (JSON.stringify(v) ?? ''),
          ]),
        ),
      fc
        .constantFrom(...known)
        .chain((p) =>
          valueFromSchema(p.schema, hints, p.name).map((v): [string, string] => [
            p.name,
            typeof v === 'string' ? v : (JSON.stringify(v) ?? ''),
          ]),
        ),
      fc.constantFrom(...known).chain((p) => hostileQueryValue(p.name, who).map((v): [string, string] => [p.name, v])),
      fc.constantFrom(...known).chain((p) => hostileQueryValue(p.name, who).map((v): [string, string] => [p.name, v])),
    );
  }
  const encoded = fc
    .array(fc.oneof(...pairs), { maxLength: known.length ? 5 : 2 })
    .map((list) => (list.length ? `?${list.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&')}` : ''));
  const raw = fc.constantFrom(
    '?',
    '?&',
    '?=',
    '?&&&',
    '?pageSize',
    '?pageSize=',
    '?%',
    '?a=%',
    '?a=%zz',
    '?==&==',
    '?pageSize=1&pageSize=2',
    '?status=PAID&status=PAID',
    '?;',
    '?a=1;b=2',
    '??',
  );
  return fc.oneof(
    { weight: known.length ? 2 : 6, arbitrary: fc.constant('') },
    { weight: 6, arbitrary: encoded },
    { weight: 1, arbitrary: raw },
  );
}

// ---------- requests ----------

interface RequestParts {
  method: string;
  auth: string | undefined;
  params: Record<string, string>;
  query: string;
  body: BodySpec;
  trick: [string, (p: string) => string] | null;
}

function build(route: RouteInfo, who: Who, parts: RequestParts, note: string): HostileRequest {
  let path = route.path.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => parts.params[name] ?? 'x');
  if (parts.trick) path = parts.trick[1](path);
  path += parts.query;
  const headers: Record<string, string> = {};
  if (parts.auth !== undefined) headers.authorization = parts.auth;
  let body: Buffer | undefined;
  let plain = '';
  if (parts.body.text !== undefined) {
    plain = typeof parts.body.text === 'string' ? parts.body.text : parts.body.text.toString('latin1');
    body = encodeBody(parts.body.text, parts.body.encoding, parts.body.encodeValidly);
    if (parts.body.contentType !== undefined) headers['content-type'] = parts.body.contentType;
    if (parts.body.encoding) headers['content-encoding'] = parts.body.encoding;
  }
  const noteText = [note, parts.body.kind, parts.trick?.[0], parts.body.encoding && `encoding ${parts.body.encoding}`]
    .filter(Boolean)
    .join(', ');
  return new HostileRequest(parts.method, path, headers, body, plain, !!parts.body.chunked, who, route, noteText);
}

/** Mostly a role the route allows, often a partner (whose answers are checked for leaks), sometimes anyone. */
const whoFor = (route: RouteInfo): fc.Arbitrary<Who> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...allowedRoles(route).filter((w) => w !== 'nobody')) },
    { weight: 2, arbitrary: fc.constantFrom<Who>('contoso', 'fabrikam') },
    { weight: 1, arbitrary: fc.constantFrom<Who>('backoffice', 'operator', 'nobody') },
  );

const methodArb = (route: RouteInfo) =>
  fc.oneof(
    { weight: 14, arbitrary: fc.constant(route.method) },
    { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS') },
  );

const paramsArb = (route: RouteInfo, who: Who, onlyDecodable = false): fc.Arbitrary<Record<string, string>> =>
  fc.record(
    Object.fromEntries(
      route.pathParams.map((name) => [
        name,
        onlyDecodable ? segmentArb(name, who).filter(decodable) : segmentArb(name, who),
      ]),
    ),
    { noNullPrototype: true },
  );

/** Anything at all against one route. */
function anyRequest(route: RouteInfo): fc.Arbitrary<HostileRequest> {
  return whoFor(route)
    .chain((who) =>
      fc
        .record({
          method: methodArb(route),
          auth: authFor(who),
          params: paramsArb(route, who),
          query: queryArb(route, who),
          body: bodyArb(route, who),
          trick: pathTrickArb,
        })
        .map((parts) => build(route, who, parts, 'anything')),
    )
    .filter((r) => r.headBytes() <= MAX_HEAD_BYTES);
}

/** Clean path parameters a caller may legitimately use (its own engagement, itself). */
function cleanParams(route: RouteInfo, who: Who): Record<string, string> {
  const params: Record<string, string> = {};
  for (const name of route.pathParams) {
    if (name === 'voucherId')
      params[name] = isPartner(who) ? seeds[who].engagements[1].voucherId : seeds.contoso.engagements[1].voucherId;
    else if (name === 'partnerId') params[name] = isPartner(who) ? who : 'contoso';
    else if (name === 'offering') params[name] = 'DDPS';
    else params[name] = 'x';
  }
  return params;
}

// ---------- the suite ----------

beforeAll(async () => {
  stack = await startDevStack({ partnerIds: [...PARTNERS], savb: false, env: { API_BODY_LIMIT: BODY_LIMIT } });
  limitBytes = bytesOf(stack.config.API_BODY_LIMIT);
  const docRes = await http(stack, 'GET', '/openapi.json');
  expect(docRes.status).toBe(200);
  doc = docRes.body;
  routes = routesFrom(routeTable(stack.app));

  // Two partners, each with a reserved and a forwarded engagement; one engagement forwarded to nobody.
  for (const partnerId of PARTNERS) {
    const seed: PartnerSeed = {
      partnerId,
      locationId: `LOC-${hex(4)}`,
      consultantId: `CON-${hex(4)}`,
      engagements: [newEngagement(), newEngagement()],
    };
    seeds[partnerId] = seed;
    const body = profile({
      name: partnerId === 'contoso' ? 'Contoso Consulting' : 'Fabrikam Partners',
      website: `https://${partnerId}.example`,
      locations: [{ locationId: seed.locationId, country: 'US' }],
      consultants: [
        {
          consultantId: seed.consultantId,
          name: 'Ada Lovelace',
          exams: [{ code: 'MD-100', area: 'Windows and Devices', passedAt: '2020-01-01' }],
        },
      ],
    });
    expect((await http(stack, 'PUT', `/v1/partners/${partnerId}`, { as: 'backoffice', body })).status).toBe(201);
    expect(
      (
        await http(stack, 'POST', `/v1/partners/${partnerId}/enrollments`, {
          as: 'backoffice',
          body: { offering: 'DDPS' },
        })
      ).status,
    ).toBe(201);
    for (const [index, e] of seed.engagements.entries()) {
      const start = startBody({ voucherId: e.voucherId });
      start.customer = { ...start.customer, agreementNumber: e.agreementNumber, projectManagerEmail: e.email };
      expect((await http(stack, 'POST', '/v1/engagements', { as: 'backoffice', body: start })).status).toBe(201);
      const forwarded = await http(stack, 'POST', `/v1/engagements/${e.voucherId}/forwarding`, {
        as: partnerId,
        body: { partnerId, projectManagerEmail: e.email },
      });
      expect(forwarded.status).toBe(200);
      expect(forwarded.body.eligibility.eligible).toBe(true);
      if (index === 0) {
        const reserved = await http(stack, 'POST', `/v1/engagements/${e.voucherId}/reservation`, {
          as: partnerId,
          body: reservationBody({ locationId: seed.locationId, consultantId: seed.consultantId }),
        });
        expect(reserved.status).toBe(200);
      }
    }
  }
  unforwarded = newEngagement();
  const start = startBody({ voucherId: unforwarded.voucherId });
  start.customer = {
    ...start.customer,
    agreementNumber: unforwarded.agreementNumber,
    projectManagerEmail: unforwarded.email,
  };
  expect((await http(stack, 'POST', '/v1/engagements', { as: 'backoffice', body: start })).status).toBe(201);

  // The lists must hold the seed before anything checks that a partner's list shows only its own.
  for (const partnerId of PARTNERS) {
    await eventually(
      () => http(stack, 'GET', '/v1/engagements', { as: partnerId }),
      (res) => res.status === 200 && res.body.items.length === 2,
      { what: `${partnerId}'s two engagements in its list` },
    );
  }
});

afterAll(async () => {
  if (ledger.length) {
    const lines = ledger.map(
      (l) =>
        `  ${l.name}: ${l.runs} runs, ${(l.ms / 1000).toFixed(1)} s, seed ${l.seed}, statuses ${JSON.stringify(l.statuses)}`,
    );
    console.log(`hostile input (SOAK factor ${FACTOR}, seed ${SEED}):\n${lines.join('\n')}`);
  }
  await stack?.stop();
});

afterEach(async () => {
  if (stack) await expectAlive('the test');
});

describe('hostile input', () => {
  it('covers every route: the route table and the OpenAPI document list the same operations', () => {
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(routes.map((r) => r.label).sort()).toEqual(documented.sort());
    expect(routes.length).toBeGreaterThanOrEqual(23);
    // The generators know every body and parameter: each comes from the document.
    for (const route of routes) {
      if (route.def.body) expect(route.bodySchema).toBeDefined();
      for (const name of route.pathParams) expect(realIds(name, 'contoso').length).toBeGreaterThan(1);
    }
  });

  it('the oracles flag what they must: a leak, a 5xx, an error that is not a problem', () => {
    const route = routes.find((r) => r.label === 'GET /v1/engagements/{voucherId}')!;
    const theirs = seeds.fabrikam.engagements[0];
    const asContoso = (id: string) =>
      build(
        route,
        'contoso',
        {
          method: 'GET',
          auth: `Bearer ${tokenOf('contoso')}`,
          params: { voucherId: id },
          query: '',
          body: { kind: 'none' },
          trick: null,
        },
        'oracle',
      );
    const answer = (status: number, body: unknown, contentType = 'application/problem+json'): Answer => ({
      status,
      headers: { 'content-type': contentType, ...(status === 401 ? { 'www-authenticate': 'Bearer realm="x"' } : {}) },
      text: JSON.stringify(body),
      body,
    });
    const notFound = (id: string) =>
      answer(404, {
        type: `${PROBLEM_BASE}engagement-not-found`,
        title: 'Engagement not found',
        status: 404,
        detail: `no ${id}`,
      });
    // Another partner's engagement in a success, or in an error the caller did not provoke with it: a leak.
    expect(() =>
      expectNoLeak(asContoso(theirs.voucherId), answer(200, { voucherId: theirs.voucherId }, 'application/json')),
    ).toThrow(/LEAK/);
    expect(() => expectNoLeak(asContoso(UNKNOWN_VOUCHER), notFound(theirs.voucherId))).toThrow(/LEAK/);
    expect(() =>
      expectNoLeak(
        asContoso(UNKNOWN_VOUCHER),
        answer(200, { customer: { projectManagerEmail: theirs.email } }, 'application/json'),
      ),
    ).toThrow(/LEAK/);
    // An error echoing the caller's own path is not.
    expect(() => expectNoLeak(asContoso(theirs.voucherId), notFound(theirs.voucherId))).not.toThrow();
    expect(() => expectWellFormed(asContoso('V1'), notFound('V1'))).not.toThrow();
    expect(() =>
      expectWellFormed(
        asContoso('V1'),
        answer(500, { type: `${PROBLEM_BASE}internal-error`, title: 'Internal error', status: 500 }),
      ),
    ).toThrow(/500/);
    expect(() => expectWellFormed(asContoso('V1'), answer(400, { message: 'bad' }, 'application/json'))).toThrow(
      /problem\+json/,
    );
    expect(() =>
      expectWellFormed(asContoso('V1'), answer(400, { type: `${PROBLEM_BASE}x`, title: 'X', status: 404 })),
    ).toThrow(/status/);
    expect(() =>
      expectWellFormed(
        asContoso('V1'),
        answer(401, {
          type: `${PROBLEM_BASE}unauthorized`,
          title: 'X',
          status: 401,
          detail: `token ${tokenOf('operator')}`,
        }),
      ),
    ).toThrow(/token/);
  });

  it('any request to any route: never a 5xx, errors are problems, a partner never sees another partner’s data', async () => {
    for (const route of routes) {
      await check(
        `anything: ${route.label}`,
        anyRequest(route),
        async (r) => void (await exchange(r)),
        route.def.auth === 'public' ? 10 : 30,
      );
    }
  });

  it('without a valid token a protected route is a 401; with a token of another role a 403; public routes need none', async () => {
    for (const route of routes) {
      if (route.def.auth === 'public') {
        const arb = fc
          .record({
            auth: fc.oneof(invalidAuth(), authFor('contoso'), authFor('operator')),
            method: fc.constant(route.method),
            query: fc.constant(''),
            params: fc.constant({}),
            body: fc.constant<BodySpec>({ kind: 'none' }),
            trick: fc.constant(null),
          })
          .map((parts) => build(route, 'nobody', parts, 'public route, any credentials'));
        await check(
          `credentials: ${route.label}`,
          arb,
          async (r) => {
            const res = await exchange(r);
            if (res.status !== 200) fail(r, res, 'a public route needs no token');
          },
          4,
        );
        continue;
      }
      const allowed = new Set(allowedRoles(route));
      const wrongRoles = (['backoffice', 'operator', 'contoso', 'fabrikam'] as Who[]).filter((w) => !allowed.has(w));
      const callerArb = fc.oneof(
        { weight: 3, arbitrary: fc.constant<Who>('nobody') },
        ...(wrongRoles.length ? [{ weight: 2, arbitrary: fc.constantFrom(...wrongRoles) }] : []),
      );
      const arb = callerArb
        .chain((who) =>
          fc
            .record({
              method: fc.constant(route.method),
              auth: who === 'nobody' ? invalidAuth() : fc.constant(`Bearer ${tokenOf(who)}`),
              params: paramsArb(route, who, true),
              query: queryArb(route, who),
              body: bodyArb(route, who),
              trick: fc.constant(null),
            })
            .map((parts) =>
              build(route, who, parts, who === 'nobody' ? 'no valid credential' : `role ${who} not allowed`),
            ),
        )
        .filter((r) => r.headBytes() <= MAX_HEAD_BYTES);
      await check(
        `credentials: ${route.label}`,
        arb,
        async (r) => {
          const res = await exchange(r);
          const expected = r.who === 'nobody' ? 401 : 403;
          if (res.status !== expected) fail(r, res, `expected ${expected}`);
          if (res.body?.type !== `${PROBLEM_BASE}${expected === 401 ? 'unauthorized' : 'forbidden'}`)
            fail(r, res, 'unexpected problem type');
        },
        10,
      );
    }
  });

  it('a body over API_BODY_LIMIT is a 413 on every route that takes one, however it is sent', async () => {
    for (const route of routes.filter((r) => r.def.body)) {
      const arb = fc
        .record({
          who: fc.constantFrom(...allowedRoles(route)),
          size: fc.integer({ min: limitBytes + 1, max: limitBytes * 3 }),
          shape: fc.constantFrom('string field', 'array', 'whitespace', 'not even JSON'),
          transport: fc.constantFrom('content-length', 'chunked', 'gzip'),
          contentType: jsonType,
        })
        .map(({ who, size, shape, transport, contentType }) => {
          const text =
            shape === 'string field'
              ? `{"reason":"${'x'.repeat(size)}"}`
              : shape === 'array'
                ? `[${'1,'.repeat(Math.ceil(size / 2))}1]`
                : shape === 'whitespace'
                  ? `{${' '.repeat(size)}}`
                  : 'z'.repeat(size);
          const body: BodySpec = {
            kind: `${shape}, ${size} bytes, ${transport}`,
            text,
            contentType,
            chunked: transport === 'chunked',
            ...(transport === 'gzip' ? { encoding: 'gzip', encodeValidly: true } : {}),
          };
          return build(
            route,
            who,
            {
              method: route.method,
              auth: `Bearer ${tokenOf(who)}`,
              params: cleanParams(route, who),
              query: '',
              body,
              trick: null,
            },
            'over the body limit',
          );
        });
      await check(
        `body limit: ${route.label}`,
        arb,
        async (r) => {
          const res = await exchange(r);
          if (res.status !== 413 || res.body?.type !== `${PROBLEM_BASE}payload-too-large`)
            fail(r, res, 'expected 413 payload-too-large');
        },
        5,
      );
    }
  });

  it('malformed, non-object or deeply nested JSON is a 400, a body that is not JSON a 415, on every route that takes a body', async () => {
    type Bad = { kind: 'malformed' | 'scalar' | 'array' | 'deep' | 'not json'; text: string; contentType: string };
    const bad: fc.Arbitrary<Bad> = fc.oneof(
      fc
        .tuple(fc.constantFrom(...MALFORMED), jsonType)
        .map(([text, contentType]): Bad => ({ kind: 'malformed', text, contentType })),
      fc
        .tuple(fc.constantFrom(...SCALARS), jsonType)
        .map(([text, contentType]): Bad => ({ kind: 'scalar', text, contentType })),
      fc
        .tuple(
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify([v])),
          jsonType,
        )
        .map(([text, contentType]): Bad => ({ kind: 'array', text, contentType })),
      fc
        .tuple(deepRaw(limitBytes - 100), jsonType)
        .map(([raw, contentType]): Bad => ({ kind: 'deep', text: raw.text, contentType })),
      fc
        .tuple(
          fc.oneof(
            fc.constant('{}'),
            fc.constant('a=1&b=2'),
            oddString.filter((s) => s.length > 0),
          ),
          fc.constantFrom(
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/xml',
            'application/octet-stream',
            'text/json',
            'application/jsonx',
          ),
        )
        .map(([text, contentType]): Bad => ({ kind: 'not json', text, contentType })),
    );
    for (const route of routes.filter((r) => r.def.body)) {
      const arb = fc.tuple(fc.constantFrom(...allowedRoles(route)), bad).map(([who, b]) => ({
        kind: b.kind,
        request: build(
          route,
          who,
          {
            method: route.method,
            auth: `Bearer ${tokenOf(who)}`,
            params: cleanParams(route, who),
            query: '',
            body: { kind: b.kind, text: b.text, contentType: b.contentType },
            trick: null,
          },
          'bad body',
        ),
      }));
      await check(
        `bad bodies: ${route.label}`,
        arb,
        async ({ kind, request: r }) => {
          const b = { kind };
          const res = await exchange(r);
          const expected: [number, string[]] =
            b.kind === 'not json'
              ? [415, ['unsupported-media-type']]
              : b.kind === 'malformed' || b.kind === 'scalar'
                ? [400, ['malformed-json']]
                : [400, ['validation-failed', 'malformed-json']];
          if (res.status !== expected[0] || !expected[1].some((slug) => res.body?.type === `${PROBLEM_BASE}${slug}`))
            fail(r, res, `expected ${expected[0]} ${expected[1].join(' or ')} for a ${b.kind} body`);
          if (b.kind === 'deep' && r.body && r.body.length > limitBytes)
            fail(r, res, 'the generator made a body over the limit');
        },
        12,
      );
    }
  });

  it("another partner's engagement (or partner record) answers exactly as an unknown one does", async () => {
    // Every route a partner may call about an engagement or a partner: the other partner's ID in its
    // place must answer as an ID nobody has, once the ID is swapped.
    const crossRoutes = routes.filter(
      (r) =>
        r.def.auth !== 'public' &&
        r.def.auth.includes('partner') &&
        (r.pathParams.includes('voucherId') || r.pathParams.includes('partnerId')),
    );
    expect(crossRoutes.filter((r) => r.pathParams.includes('voucherId')).length).toBeGreaterThanOrEqual(7);
    expect(crossRoutes.filter((r) => r.pathParams.includes('partnerId')).length).toBeGreaterThanOrEqual(3);
    const keyOf = (route: RouteInfo) => (route.pathParams.includes('voucherId') ? 'voucherId' : 'partnerId');
    const theirIds = (who: Partner, key: string) =>
      key === 'voucherId'
        ? [...seeds[otherOf(who)].engagements.map((e) => e.voucherId), unforwarded.voucherId]
        : [otherOf(who)];
    const pair = (
      who: Partner,
      route: RouteInfo,
      target: string,
      unknown: string,
      rest: Record<string, string>,
      query: string,
      body: BodySpec,
    ) => {
      const parts = (id: string): RequestParts => ({
        method: route.method,
        auth: `Bearer ${tokenOf(who)}`,
        params: { ...rest, [keyOf(route)]: id },
        query,
        body,
        trick: null,
      });
      const whose = keyOf(route) === 'voucherId' ? 'engagement' : 'partner record';
      return {
        target,
        unknown,
        theirs: build(route, who, parts(target), `another partner's ${whose}`),
        nobodys: build(route, who, parts(unknown), `an unknown ${whose}`),
      };
    };
    const unknownId = (key: string) =>
      fc
        .string({ unit: fc.constantFrom(...'0123456789ABCDEF'), minLength: 10, maxLength: 10 })
        .map((h) => (key === 'voucherId' ? `V-${h}` : `p${h.toLowerCase()}`));
    const arb = fc.tuple(fc.constantFrom(...PARTNERS), fc.constantFrom(...crossRoutes)).chain(([who, route]) =>
      fc
        .record({
          target: fc.constantFrom(...theirIds(who, keyOf(route))),
          unknown: unknownId(keyOf(route)),
          rest: fc.record(
            Object.fromEntries(
              route.pathParams.filter((n) => n !== keyOf(route)).map((n) => [n, fc.constantFrom(...realIds(n, who))]),
            ),
            { noNullPrototype: true },
          ),
          body: fc.oneof(
            { weight: 3, arbitrary: validishBody(route, who) },
            { weight: 2, arbitrary: bodyArb(route, who).filter((b) => b.kind !== 'huge-within-limit') },
          ),
          query: queryArb(route, who),
        })
        .map(({ target, unknown, rest, body, query }) =>
          pair(who, route, target, unknown, rest as Record<string, string>, query, body),
        ),
    );
    // Always: plain calls, and a forwarding with the caller's own customer's e-mail.
    const examples = PARTNERS.flatMap((who) =>
      crossRoutes.flatMap((route) =>
        theirIds(who, keyOf(route)).map((target) => {
          const body: BodySpec = route.path.endsWith('/forwarding')
            ? {
                kind: 'valid',
                text: JSON.stringify({ partnerId: who, projectManagerEmail: seeds[who].engagements[0].email }),
                contentType: 'application/json',
              }
            : route.path.endsWith('/enrollments')
              ? { kind: 'valid', text: '{"offering":"DDPS"}', contentType: 'application/json' }
              : { kind: 'none' };
          const rest = Object.fromEntries(
            route.pathParams.filter((n) => n !== keyOf(route)).map((n) => [n, realIds(n, who)[0]]),
          );
          return pair(
            who,
            route,
            target,
            keyOf(route) === 'voucherId' ? voucherLike() : `p${hex(5).toLowerCase()}`,
            rest,
            '',
            body,
          );
        }),
      ),
    );
    const normalise = (res: Answer, id: string) => ({
      status: res.status,
      contentType: res.headers['content-type'],
      body: res.text
        .split(id)
        .join('<id>')
        .replace(/"requestId":"[^"]*"/, '"requestId":"-"'),
    });
    await check(
      "another partner's engagement or record",
      arb,
      async ({ target, unknown, theirs, nobodys }) => {
        const a = await exchange(theirs);
        const b = await exchange(nobodys);
        if (JSON.stringify(normalise(a, target)) !== JSON.stringify(normalise(b, unknown))) {
          fail(
            theirs,
            a,
            `LEAK: the answer differs from the one for the unknown ${unknown}: ${b.status} ${clip(b.text, 400)}`,
          );
        }
      },
      100,
      examples,
    );
  });

  it('a partner listing engagements, whatever the filters, gets only its own', async () => {
    const list = routes.find((r) => r.label === 'GET /v1/engagements');
    expect(list).toBeDefined();
    const arb = fc
      .constantFrom(...PARTNERS)
      .chain((who) =>
        fc
          .record({ auth: validAuth(tokenOf(who)!), query: queryArb(list!, who) })
          .map(({ auth, query }) =>
            build(
              list!,
              who,
              { method: 'GET', auth, params: {}, query, body: { kind: 'none' }, trick: null },
              'list as a partner',
            ),
          ),
      )
      .filter((r) => r.headBytes() <= MAX_HEAD_BYTES);
    const examples = [
      'expiresBefore=9999-12-31T23:59:59-23:59',
      'expiresBefore=0000-01-01T00:00:00%2B23:59',
      'expiresBefore=0000-01-01',
      'expiresBefore=9999-12-31',
      'expiresBefore=2026-02-30',
      'pageSize=-1',
      'pageSize=1000000000',
      'pageSize=1&pageSize=2',
      'pageSize[]=1',
      'pageToken=!!',
      `pageToken=${'A'.repeat(4097)}`,
      `pageToken=${Buffer.alloc(40, 7).toString('base64url')}`,
      'status=RESERVED',
      '__proto__=x',
    ].flatMap((query) =>
      PARTNERS.flatMap((who) =>
        [query, `${query}&partnerId=${otherOf(who)}`].map((q) =>
          build(
            list!,
            who,
            {
              method: 'GET',
              auth: `Bearer ${tokenOf(who)}`,
              params: {},
              query: `?${q}`,
              body: { kind: 'none' },
              trick: null,
            },
            'list example',
          ),
        ),
      ),
    );
    await check(
      'partner list',
      arb,
      async (r) => {
        const res = await exchange(r);
        if (res.status !== 200) return;
        const items = res.body?.items as { voucherId: string; partnerId?: string }[];
        if (!Array.isArray(items)) fail(r, res, 'a 200 list without items');
        for (const item of items)
          if (item.partnerId !== r.who)
            fail(r, res, `LEAK: ${r.who} listed ${item.voucherId} of ${item.partnerId ?? 'nobody'}`);
      },
      80,
      examples,
    );

    // A page token is bound to the partner's view: another partner cannot use it, nor can the same partner with other filters.
    const first = await http(stack, 'GET', '/v1/engagements?pageSize=1', { as: 'contoso' });
    expect(first.status).toBe(200);
    expect(first.body.nextPageToken).toBeDefined();
    for (const [who, query] of [
      ['fabrikam', 'pageSize=1'],
      ['contoso', 'pageSize=1&partnerId=fabrikam'],
      ['operator', 'pageSize=1'],
    ]) {
      const res = await http(stack, 'GET', `/v1/engagements?${query}&pageToken=${first.body.nextPageToken}`, {
        as: who,
      });
      expect(res.status).toBe(400);
      expect(res.body.type).toBe(`${PROBLEM_BASE}invalid-page-token`);
    }
  });

  it('after all of it: no request was counted with a 5xx status, and the server is alive', async () => {
    const metrics = await http(stack, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text.split('\n').filter((line) => /^http_requests_total\{.*status="5\d\d"/.test(line))).toEqual([]);
    await expectAlive('everything');
  });
});
