// The OpenAPI 3.1 document, generated from the route table and the zod schemas that validate the
// requests, so the document cannot drift from what the API accepts.
import type { z } from 'zod';
import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import type { RouteDef } from './router';
import { ProblemSchema } from './schemas';

const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed JSON, or a body, path or query that does not match the schema (unknown fields included); `fields` names them',
  401: 'Missing or unknown bearer token',
  403: 'The role (or the partner) may not do this',
  404: "Unknown engagement or partner (also for another partner's engagement)",
  405: 'Method not allowed on this path',
  409: 'Not allowed in the current state, or a conflicting duplicate',
  413: 'Body too large',
  415: 'The body is not application/json',
  422: 'A program rule refused it; `rules` names the rule(s)',
  429: 'Too many requests for this token, or too many forwarding attempts with a wrong e-mail for this voucher (Retry-After)',
  503: 'Temporal is unreachable or busy (Retry-After)',
  504: 'Temporal did not answer within the deadline; a write may still take effect (Retry-After)',
};

const problemResponse = (status: number): ResponseConfig => ({
  description: ERROR_TEXT[status] ?? 'Error',
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

export function buildOpenApiDocument(routes: RouteDef[], version: string): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A token from API_TOKENS; its role is backoffice, operator or partner:<partnerId>',
  });

  for (const route of routes) {
    const responses: Record<string, ResponseConfig> = {};
    for (const [status, doc] of Object.entries(route.responses)) {
      responses[status] = {
        description: doc.description,
        ...(doc.headers ? { headers: doc.headers } : {}),
        ...(doc.schema
          ? {
              content: {
                [doc.contentType ?? 'application/json']: { schema: doc.schema },
                ...(doc.csv ? { 'text/csv': { schema: { type: 'string' as const } } } : {}),
              },
            }
          : {}),
        ...(!doc.schema && doc.contentType ? { content: { [doc.contentType]: { schema: { type: 'string' } } } } : {}),
      };
    }
    const errors = new Set<number>(route.errors ?? []);
    if (route.body || route.query || route.params) errors.add(400);
    if (route.auth !== 'public') {
      errors.add(401);
      errors.add(403);
      errors.add(429);
    }
    if (route.body) {
      errors.add(413);
      errors.add(415);
    }
    if (route.temporal) {
      errors.add(503);
      errors.add(504);
    }
    for (const status of [...errors].sort()) responses[String(status)] = problemResponse(status);

    const roles = route.auth === 'public' ? 'anyone (no token)' : route.auth.join(', ');
    registry.registerPath({
      method: route.method,
      path: route.path,
      operationId: route.operationId,
      summary: route.summary,
      description: `${route.description ?? route.summary}\n\n**Who:** ${roles}.`,
      tags: route.tags,
      security: route.auth === 'public' ? [] : [{ bearerAuth: [] }],
      request: {
        // The route table holds path and query schemas as z.ZodType; every one of them is a
        // z.strictObject (api/schemas.ts), which is what the generator takes.
        ...(route.params ? { params: route.params as z.ZodObject } : {}),
        ...(route.query ? { query: route.query as z.ZodObject } : {}),
        ...(route.body
          ? { body: { required: !isEmptyObjectSchema(route), content: { 'application/json': { schema: route.body } } } }
          : {}),
      },
      responses,
    });
  }

  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Planning Services Orchestrator API',
      version,
      description:
        'Microsoft Software Assurance Planning Services engagements as durable Temporal workflows. ' +
        'Back-office systems start engagements and manage partners; partners act on their own engagements; operators read everything. ' +
        'Errors are `application/problem+json` (RFC 9457) with a stable `type` per problem.',
    },
    servers: [{ url: '/' }],
    tags: [
      {
        name: 'Engagements',
        description: 'One engagement per voucher: the engagement workflow `engagement-<voucherId>`',
      },
      {
        name: 'Partners',
        description: 'The partner entity workflow `partner-<partnerId>`: profile, enrollments, eligibility',
      },
      { name: 'Directory and catalog' },
      { name: 'Operations', description: 'Health, readiness, metrics and this document' },
    ],
    // The generator's OpenAPIObject has no index signature; callers treat the document as plain JSON.
  }) as unknown as Record<string, unknown>;
}

/** Bodies that may be omitted (their schema accepts `{}`). */
function isEmptyObjectSchema(route: RouteDef): boolean {
  return !!route.body && route.body.safeParse({}).success;
}
