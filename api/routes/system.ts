// Operations: liveness, readiness (Temporal reachable), Prometheus metrics, the OpenAPI document
// and the rendered reference. No token needed.
import { z } from 'zod';
import { renderDocsHtml } from '../docs';
import { temporalUnavailable } from '../problems';
import { defineRoute, type RouteDef } from '../router';
import { EmptyQuery, HealthSchema } from '../schemas';
import { isUnavailable, withDeadline } from '../temporal';
import type { Registry } from 'prom-client';

const TAG = 'Operations';

export function systemRoutes(deps: { metrics: Registry; document: () => Record<string, unknown> }): RouteDef[] {
  let docsHtml: string | undefined;
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'liveness',
      summary: 'Liveness',
      description: 'The process is up and serving HTTP. Does not look at Temporal (see /readyz).',
      tags: [TAG],
      auth: 'public',
      responses: { 200: { description: 'Alive', schema: HealthSchema } },
      handler: () => ({ status: 200, body: { status: 'ok' } }),
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      operationId: 'readiness',
      summary: 'Readiness',
      description:
        'Ready when Temporal answers (GetSystemInfo within a short deadline); otherwise 503 with Retry-After.',
      tags: [TAG],
      auth: 'public',
      responses: { 200: { description: 'Ready', schema: HealthSchema } },
      errors: [503],
      handler: async ({ app, log }) => {
        try {
          await withDeadline(app.client, app.timeouts.readyMs, () => app.client.workflowService.getSystemInfo({}));
          return { status: 200, body: { status: 'ok', temporal: 'reachable' } };
        } catch (err) {
          if (!isUnavailable(err)) log.warn({ err }, 'readiness: unexpected error from Temporal');
          throw temporalUnavailable('Temporal is not reachable');
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      description:
        'http_requests_total and http_request_duration_seconds by method, route template and status; Node.js process metrics.',
      tags: [TAG],
      auth: 'public',
      responses: {
        200: { description: 'Prometheus text exposition format', contentType: 'text/plain', schema: z.string() },
      },
      handler: async ({ res }) => {
        res.setHeader('Content-Type', deps.metrics.contentType);
        res.status(200).send(await deps.metrics.metrics());
      },
    }),
    defineRoute({
      method: 'get',
      path: '/openapi.json',
      operationId: 'openapi',
      summary: 'The OpenAPI 3.1 document',
      description: 'Generated from the zod schemas that validate the requests.',
      tags: [TAG],
      auth: 'public',
      query: EmptyQuery,
      responses: { 200: { description: 'OpenAPI 3.1 document', schema: z.looseObject({ openapi: z.string() }) } },
      handler: () => ({ status: 200, body: deps.document() }),
    }),
    defineRoute({
      method: 'get',
      path: '/docs',
      operationId: 'docs',
      summary: 'API reference',
      description: 'The OpenAPI document rendered as HTML (self-contained: no scripts, nothing loaded from elsewhere).',
      tags: [TAG],
      auth: 'public',
      query: EmptyQuery,
      responses: { 200: { description: 'HTML', contentType: 'text/html', schema: z.string() } },
      handler: ({ res }) => {
        docsHtml ??= renderDocsHtml(deps.document());
        res.setHeader(
          'Content-Security-Policy',
          "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'",
        );
        res.status(200).type('html').send(docsHtml);
      },
    }),
  ];
}
