// The workflows check message payloads against JSON Schemas generated from the API's zod schemas
// (workflows/message-schemas.json), so zod stays out of the workflow sandbox. These tests hold the two
// to the same answers: the file is up to date, and for valid messages and many broken ones the
// workflow check accepts, refuses and names fields exactly as zod does.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { z } from 'zod';
import { AGREEMENT_MESSAGE_SCHEMAS, ENGAGEMENT_MESSAGE_SCHEMAS, PARTNER_MESSAGE_SCHEMAS } from '../../domain/schemas';
import { MESSAGE_SCHEMAS, invalidMessageRefusal, payloadIssues } from '../../workflows/payload-validation';
import { MESSAGE_SCHEMAS_FILE, messageSchemasFileText } from '../../scripts/message-schemas';
import { profile, report as baseReport, reservation } from '../support/message-fixtures';

// A second deliverable whose link has a blank and a non-ASCII letter: zod's URL check accepts it.
const report = {
  ...baseReport,
  deliverables: [
    baseReport.deliverables[0],
    { ...baseReport.deliverables[1], uri: 'https://files.example/Shared Documents/vs ä.pdf' },
  ],
};

type Case = {
  workflow: 'engagement' | 'partner' | 'agreement';
  message: string;
  zod: z.ZodType;
  valid: Record<string, unknown>;
};
const cases: Case[] = [
  ['voucherForwarded', { partnerId: 'contoso', projectManagerEmail: 'pm@fabrikam.example', actor: 'partner:contoso' }],
  ['voucherReserved', { ...reservation, division: 'Retail', productScope: 'Exchange Online' }],
  ['reservationChanged', { startDate: '2028-02-29', endDate: '2028-03-02', actor: 'backoffice' }],
  ['reservationCancelled', { reason: 'Consultant ill' }],
  ['completionReportSubmitted', report],
  ['voucherRedeemed', { actor: 'operator' }],
  ['engagementCancelled', { reason: 'Customer withdrew 🙂' }],
  ['invoiceRetryRequested', { note: 'SAVB is back' }],
  ['voucherExpiryExtended', { days: 90, reason: 'program-wide extension', actor: 'backoffice' }],
].map(([message, valid]) => ({
  workflow: 'engagement' as const,
  message: message as string,
  zod: ENGAGEMENT_MESSAGE_SCHEMAS[message as keyof typeof ENGAGEMENT_MESSAGE_SCHEMAS],
  valid: valid as Record<string, unknown>,
}));
cases.push(
  {
    workflow: 'partner',
    message: 'profileReplaced',
    zod: PARTNER_MESSAGE_SCHEMAS.profileReplaced,
    valid: { ...profile, actor: 'backoffice' },
  },
  {
    workflow: 'partner',
    message: 'enrollmentRequested',
    zod: PARTNER_MESSAGE_SCHEMAS.enrollmentRequested,
    valid: { offering: 'DDPS' },
  },
  {
    workflow: 'partner',
    message: 'enrollmentRenewed',
    zod: PARTNER_MESSAGE_SCHEMAS.enrollmentRenewed,
    valid: { offering: 'DDPS', actor: 'partner:contoso' },
  },
  {
    workflow: 'agreement',
    message: 'fifteenDayClaimed',
    zod: AGREEMENT_MESSAGE_SCHEMAS.fifteenDayClaimed,
    valid: { voucherId: 'V-1', agreementNumber: 'EA-42', engagementType: 'SDPS-PPM', division: 'Retail' },
  },
  {
    workflow: 'agreement',
    message: 'fifteenDayReleased',
    zod: AGREEMENT_MESSAGE_SCHEMAS.fifteenDayReleased,
    valid: { voucherId: 'V-1' },
  },
);

const jsonSchemaOf = (c: Case) =>
  (MESSAGE_SCHEMAS[c.workflow] as Record<string, (typeof MESSAGE_SCHEMAS.agreement)['fifteenDayReleased']>)[c.message];
const zodPaths = (c: Case, payload: unknown) => {
  const result = c.zod.safeParse(payload);
  return result.success ? [] : [...new Set(result.error.issues.map((i) => i.path.map(String).join('.')))].sort();
};
const workflowPaths = (c: Case, payload: unknown) =>
  [...new Set(payloadIssues(jsonSchemaOf(c), payload).map((i) => i.path))].sort();

/** Every path to a value inside a payload. */
function pathsIn(value: unknown, prefix: string[] = []): string[][] {
  const children = Array.isArray(value)
    ? value.map((v, i) => [String(i), v] as const)
    : typeof value === 'object' && value
      ? Object.entries(value)
      : [];
  return [...(prefix.length ? [prefix] : []), ...children.flatMap(([k, v]) => pathsIn(v, [...prefix, k]))];
}

function replacedAt(value: unknown, path: string[], replacement: unknown): unknown {
  if (!path.length) return replacement;
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string, unknown>;
  copy[head] = replacedAt(copy[head], rest, replacement);
  return copy;
}

test('workflows/message-schemas.json is generated from the zod schemas as they are (npm run schemas)', () => {
  expect(readFileSync(MESSAGE_SCHEMAS_FILE, 'utf8')).toBe(messageSchemasFileText());
});

test('every message the workflows receive has a schema, and no other', () => {
  expect(Object.keys(MESSAGE_SCHEMAS.engagement).sort()).toEqual(Object.keys(ENGAGEMENT_MESSAGE_SCHEMAS).sort());
  expect(cases.map((c) => `${c.workflow}.${c.message}`).sort()).toEqual(
    Object.entries(MESSAGE_SCHEMAS)
      .flatMap(([w, messages]) => Object.keys(messages).map((m) => `${w}.${m}`))
      .sort(),
  );
});

describe.each(cases.map((c) => [`${c.workflow}.${c.message}`, c] as const))('%s', (_name, c) => {
  test('a valid message passes both checks', () => {
    expect(zodPaths(c, c.valid)).toEqual([]);
    expect(payloadIssues(jsonSchemaOf(c), c.valid)).toEqual([]);
  });

  test('a broken message is refused by both, naming the same fields', () => {
    // Each broken copy: a field removed, replaced by any JSON value, or an unknown field added; or a
    // value anywhere inside replaced by any JSON value or any string (lone surrogates included).
    const keys = Object.keys(c.valid);
    const paths = pathsIn(c.valid);
    const broken = fc.oneof(
      ...(paths.length
        ? [
            fc
              .tuple(
                fc.constantFrom(...paths),
                fc.oneof(
                  fc.jsonValue(),
                  fc.string({ unit: 'binary' }),
                  fc.string({ unit: 'grapheme' }),
                  fc.string({ minLength: 55, maxLength: 70 }), // around the identifier and code limits
                  fc.string({ minLength: 195, maxLength: 205 }), // around the short-text limit
                  fc.constantFrom(
                    '\uD800',
                    'a\uDC00b',
                    'https://files.example/\uD800',
                    'https://files.example/a b',
                    ' https://files.example/x',
                  ),
                ),
              )
              .map(([path, value]) => replacedAt(c.valid, path, value)),
          ]
        : []),
      ...(keys.length
        ? [
            fc
              .constantFrom(...keys)
              .map((k) => Object.fromEntries(Object.entries(c.valid).filter(([key]) => key !== k))),
          ]
        : []),
      ...(keys.length
        ? [fc.tuple(fc.constantFrom(...keys), fc.jsonValue()).map(([k, v]) => ({ ...c.valid, [k]: v }))]
        : []),
      fc
        .tuple(fc.oneof(fc.string({ minLength: 1 }), fc.constantFrom('\uD800key', 'a/b~c#d%e')), fc.jsonValue())
        .map(([k, v]) => ({ ...c.valid, [k]: v })),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(broken, (payload) => {
        expect(workflowPaths(c, payload)).toEqual(zodPaths(c, payload));
      }),
      { numRuns: 1000 },
    );
  });
});

test('refusals carry the schemas own messages and name the fields, like the API', () => {
  const schema = MESSAGE_SCHEMAS.engagement.completionReportSubmitted;
  const bad = {
    ...report,
    consultantId: 'c ana',
    deliveredFrom: '2026-02-30',
    onSiteDays: 1.5,
    rating: 5,
    deliverables: [{ ...report.deliverables[0], kind: 'MEMO', title: '\uD800', uri: 'not a url', sha256: 'abc' }],
  };
  const refusal = invalidMessageRefusal(payloadIssues(schema, bad));
  expect(refusal).toMatchObject({ kind: 'INVALID', code: 'INVALID_MESSAGE' });
  expect(refusal.fields).toEqual([
    'consultantId',
    'deliveredFrom',
    'onSiteDays',
    'deliverables.0.kind',
    'deliverables.0.uri',
    'deliverables.0.sha256',
    'deliverables.0.title',
  ]);
  for (const part of [
    'consultantId: letters, digits, ".", "_" and "-" only, starting with a letter or digit',
    'deliveredFrom: not a calendar date',
    'onSiteDays: Invalid input: expected integer, received number',
    'deliverables.0.kind: Invalid option: expected one of "COMPLETION_REPORT"|"CUSTOMER_PLANNING_DELIVERABLE"',
    'deliverables.0.uri: Invalid URL',
    'deliverables.0.sha256: expected 64 lowercase hex digits',
    'deliverables.0.title: contains invalid Unicode (a lone surrogate)',
    '(body): Unrecognized key: "rating"',
  ]) {
    expect(refusal.message).toContain(part);
  }
  expect(
    invalidMessageRefusal(
      payloadIssues(MESSAGE_SCHEMAS.engagement.voucherForwarded, { partnerId: 'contoso', projectManagerEmail: 'pm' }),
    ).message,
  ).toBe('projectManagerEmail: Invalid email address');
});
