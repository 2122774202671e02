// The console's typed client is generated from the API's own OpenAPI document: the committed types
// must be what the current document gives (npm run console:client rewrites them).
import { readFileSync } from 'node:fs';
import { CLIENT_SCHEMA_FILE, generateClientSchema } from '../../scripts/console-client';

it("matches the API's OpenAPI document", () => {
  expect(readFileSync(CLIENT_SCHEMA_FILE, 'utf8')).toBe(generateClientSchema());
});
