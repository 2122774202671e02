// Generates workflows/message-schemas.json: the JSON Schemas the workflows check message payloads
// against, from the zod message schemas in domain/schemas.ts (one definition for the API and the
// workflows). `npm run schemas` rewrites the file; a test fails when it is out of date.
//
// What JSON Schema cannot say is carried or refused here, never dropped silently:
// - a custom message of a pattern or refinement goes into "x-messages" (keyword -> message);
// - the calendar-date refinement becomes `format: "date"`, zod's URL check `format: "url"` (both
//   checked by workflows/payload-validation.ts);
// - well-formed text (isWellFormed) is checked on every string by the validator;
// - any other refinement fails the generation: it would not be checked in the workflows.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { isCalendarDate } from '../domain/dates';
import { AGREEMENT_MESSAGE_SCHEMAS, ENGAGEMENT_MESSAGE_SCHEMAS, PARTNER_MESSAGE_SCHEMAS } from '../domain/schemas';
import { isWellFormed } from '../domain/text';

export const MESSAGE_SCHEMAS_FILE = join(__dirname, '..', 'workflows', 'message-schemas.json');

type JsonSchema = Record<string, unknown>;

interface CheckDef {
  check: string;
  format?: string;
  fn?: unknown;
  error?: (issue?: unknown) => unknown;
}

/** The message a schema's own check gives (zod keeps it as a function of the issue). */
function customMessage(def: CheckDef): string | undefined {
  const message = def.error?.({});
  return typeof message === 'string' ? message : undefined;
}

function carryChecks(zodSchema: z.core.$ZodType, json: JsonSchema): void {
  const def = zodSchema._zod.def as { type: string; format?: string; checks?: { _zod: { def: CheckDef } }[] };
  const messages: Record<string, string> = {};
  if (def.type === 'string' && def.format === 'url') {
    json.format = 'url';
    messages.format = 'Invalid URL';
  }
  if (def.type === 'string' && def.format === 'email') {
    // zod's e-mail check is its pattern (emitted alongside); the format's own, different rule is not wanted.
    delete json.format;
    messages.pattern = 'Invalid email address';
  }
  for (const { _zod } of def.checks ?? []) {
    const check = _zod.def;
    const message = customMessage(check);
    if (check.check === 'string_format' && check.format === 'regex') {
      if (message) messages.pattern = message;
    } else if (check.check === 'custom') {
      if (check.fn === isCalendarDate) {
        json.format = 'date';
        if (message) messages.format = message;
      } else if (check.fn !== isWellFormed) {
        throw new Error(
          'a message schema has a refinement JSON Schema cannot carry; teach scripts/message-schemas.ts and the validator about it',
        );
      }
    }
  }
  if (Object.keys(messages).length) json['x-messages'] = messages;
}

function toJson(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    unrepresentable: 'throw',
    // No ids, descriptions or examples: every schema inline, only what is checked.
    metadata: z.registry(),
    override: (ctx) => carryChecks(ctx.zodSchema, ctx.jsonSchema as JsonSchema),
  });
}

const toJsonAll = (schemas: Record<string, z.ZodType>) =>
  Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, toJson(schema)]));

export function messageJsonSchemas() {
  return {
    engagement: toJsonAll(ENGAGEMENT_MESSAGE_SCHEMAS),
    partner: toJsonAll(PARTNER_MESSAGE_SCHEMAS),
    agreement: toJsonAll(AGREEMENT_MESSAGE_SCHEMAS),
  };
}

export const messageSchemasFileText = () => `${JSON.stringify(messageJsonSchemas(), null, 2)}\n`;

if (require.main === module) {
  writeFileSync(MESSAGE_SCHEMAS_FILE, messageSchemasFileText());
  console.log(`wrote ${MESSAGE_SCHEMAS_FILE}`);
}
