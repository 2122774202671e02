// The OpenAPI document says exactly what the API accepts, so a client generated from it (the
// console's) or a fuzzer sends what passes validation: real calendar dates, the catalog's codes,
// e-mail and instants by the API's own patterns, path parameters with their patterns.
import { z } from 'zod';
import { catalog } from '../../domain/catalog';
import { Email, Instant } from '../../domain/schemas';
import { openApiDocument } from '../../scripts/openapi-document';

type Schema = Record<string, any>;
const doc = openApiDocument() as Schema;

/** Every schema object in the document (components, parameters, bodies), with where it is. */
function walk(node: unknown, at: string, out: [string, Schema][] = []): [string, Schema][] {
  if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${at}[${i}]`, out));
  else if (node && typeof node === 'object') {
    const schema = node as Schema;
    if (typeof schema.type === 'string') out.push([at, schema]);
    for (const [key, value] of Object.entries(schema)) walk(value, `${at}.${key}`, out);
  }
  return out;
}
const schemas = walk(doc, '#');
const offerings = catalog.offerings.map((o) => o.code);

it('documents every calendar date as format: date', () => {
  const dates = schemas.filter(([, s]) => s.pattern === '^\\d{4}-\\d{2}-\\d{2}$');
  expect(dates.length).toBeGreaterThan(5);
  expect(dates.filter(([, s]) => s.format !== 'date').map(([at]) => at)).toEqual([]);
});

it("documents e-mail and instants with the API's own patterns", () => {
  const emails = schemas.filter(([, s]) => s.format === 'email');
  expect(emails.length).toBeGreaterThan(0);
  for (const [, s] of emails) expect(s.pattern).toBe(z.regexes.email.source);
  const instants = schemas.filter(([, s]) => s.format === 'date-time');
  expect(instants.length).toBeGreaterThan(0);
  for (const [, s] of instants) expect(new RegExp(s.pattern as string).test('2026-11-25t09:00:00z')).toBe(false);
  // The patterns are the validators' own: what they accept, the API accepts.
  expect(Email.safeParse('pm@fabrikam.example').success).toBe(true);
  expect(Instant.safeParse('2026-11-25t09:00:00z').success).toBe(false);
});

it("documents catalog codes as the catalog's enums in every request", () => {
  const start = doc.components.schemas.StartEngagementRequest.properties;
  expect(start.offering.enum).toEqual(offerings);
  expect(start.engagementType.enum).toEqual(catalog.offerings.flatMap((o) => o.engagementTypes.map((t) => t.code)));
  expect(doc.components.schemas.EnrollmentRequest.properties.offering.enum).toEqual(offerings);
  const offeringParams = Object.values(doc.paths as Schema)
    .flatMap((ops) => Object.values(ops as Schema))
    .flatMap((op: Schema) => (op.parameters ?? []) as Schema[])
    .filter((p) => p.name === 'offering');
  expect(offeringParams.length).toBe(3);
  for (const p of offeringParams) expect(p.schema.enum).toEqual(offerings);
});

it('documents every path parameter with its pattern', () => {
  const params = Object.values(doc.paths as Schema)
    .flatMap((ops) => Object.values(ops as Schema))
    .flatMap((op: Schema) => (op.parameters ?? []) as Schema[])
    .filter((p) => p.in === 'path');
  expect(params.length).toBeGreaterThan(10);
  expect(params.filter((p) => typeof p.schema.pattern !== 'string').map((p) => p.name)).toEqual([]);
});
