// The API's OpenAPI document without a running API (the same route table and generator the API
// serves at /openapi.json), for the console's typed client: `tsx scripts/openapi-document.ts [out.json]`.
import { writeFileSync } from 'node:fs';
import { buildOpenApiDocument } from '../api/openapi';
import { API_VERSION } from '../api/app';
import { engagementRoutes } from '../api/routes/engagements';
import { partnerRoutes } from '../api/routes/partners';
import { systemRoutes } from '../api/routes/system';
import { Registry } from 'prom-client';

export function openApiDocument(): Record<string, unknown> {
  const routes = [...engagementRoutes, ...partnerRoutes];
  routes.push(...systemRoutes({ metrics: new Registry(), document: () => ({}) }));
  return buildOpenApiDocument(routes, API_VERSION);
}

if (require.main === module) {
  const text = `${JSON.stringify(openApiDocument(), null, 2)}\n`;
  const out = process.argv[2];
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
}
