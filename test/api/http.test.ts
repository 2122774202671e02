// The HTTP layer on its own: tokens, problem responses for every kind of bad request, the OpenAPI
// document and the reference page, metrics, request ids and logs, and a Temporal that cannot be
// reached (503 with Retry-After, quickly, never a hang). No Temporal server: the app's client points
// at a closed port.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createApp, routeTable } from '../../api/app';
import { lookupToken, parseTokens, TokenConfigError } from '../../api/auth';
import { PROBLEM_BASE } from '../../api/problems';
import { loadConfig } from '../../config/env';
import { http } from '../support/dev-stack';
import { profile, startBody } from './fixtures';

const TOKENS = {
  backoffice: 'http-test-backoffice-0001',
  operator: 'http-test-operator-00001',
  contoso: 'http-test-partner-contoso',
};
const API_TOKENS = `${TOKENS.backoffice}=backoffice, ${TOKENS.operator}=operator,${TOKENS.contoso}=partner:contoso`;

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const logLines: Record<string, unknown>[] = [];
let server: Server;
let connection: Connection;
let app: ReturnType<typeof createApp>;
const stack = {
  baseUrl: '',
  auth: (who: string) => ({ authorization: `Bearer ${TOKENS[who as keyof typeof TOKENS]}` }),
};
const req = (method: string, path: string, opts: Parameters<typeof http>[3] = {}) => http(stack, method, path, opts);

beforeAll(async () => {
  connection = Connection.lazy({ address: `127.0.0.1:${await closedPort()}` });
  const client = new Client({ connection });
  const config = loadConfig({ API_TOKENS, API_BODY_LIMIT: '2kb', LOG_LEVEL: 'info' });
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  app = createApp({ client, config, logger, timeouts: { readMs: 700, writeMs: 700, readyMs: 500 } });
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  stack.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await connection.close();
});

const isProblem = (
  res: { headers: Headers; body: { type?: string; status?: number } },
  status: number,
  slug?: string,
) => {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body.status).toBe(status);
  if (slug) expect(res.body.type).toBe(`${PROBLEM_BASE}${slug}`);
};

describe('tokens', () => {
  it('parses API_TOKENS and finds the principal of a token', () => {
    const table = parseTokens(API_TOKENS);
    expect(lookupToken(table, TOKENS.backoffice)).toEqual({ role: 'backoffice', actor: 'backoffice' });
    expect(lookupToken(table, TOKENS.contoso)).toEqual({
      role: 'partner',
      partnerId: 'contoso',
      actor: 'partner:contoso',
    });
    expect(lookupToken(table, 'http-test-backoffice-0002')).toBeUndefined();
    expect(lookupToken(table, '')).toBeUndefined();
    expect(parseTokens('').entries).toEqual([]);
  });

  it.each([
    ['a role that does not exist', 'abcdefghijklmnop1=admin'],
    ['a token that is too short', 'short=backoffice'],
    ['no role', 'abcdefghijklmnop1'],
    ['a partner without an ID', 'abcdefghijklmnop1=partner:'],
    ['the same token twice', 'abcdefghijklmnop1=backoffice,abcdefghijklmnop1=operator'],
  ])('refuses %s, without echoing the token', (_what, value) => {
    expect(() => parseTokens(value)).toThrow(TokenConfigError);
    try {
      parseTokens(value);
    } catch (err) {
      expect((err as Error).message).not.toContain('abcdefghijklmnop1');
    }
  });

  it('createApp refuses an invalid API_TOKENS', () => {
    const client = new Client({ connection });
    expect(() =>
      createApp({ client, config: loadConfig({ API_TOKENS: 'x=y' }), logger: pino({ level: 'silent' }) }),
    ).toThrow(TokenConfigError);
  });

  it('401 with WWW-Authenticate: Bearer for a missing, malformed or unknown token', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer nope-nope-nope-nope' },
      { authorization: `Bearer ${TOKENS.backoffice} extra` },
    ]) {
      const res = await req('GET', '/v1/catalog', { headers });
      expect(res.status).toBe(401);
      isProblem(res, 401, 'unauthorized');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    }
    expect((await req('GET', '/v1/catalog', { headers: { authorization: `bearer ${TOKENS.operator}` } })).status).toBe(
      200,
    );
  });
});

describe('bad requests are problems, never 500s', () => {
  it('malformed JSON is a 400', async () => {
    for (const body of ['{"voucherId":', '{bad json}', 'null', '"a string"', '42']) {
      const res = await req('POST', '/v1/engagements', { as: 'backoffice', body });
      expect(res.status).toBe(400);
      isProblem(res, 400, 'malformed-json');
    }
  });

  it('a body that is not an object, or has unknown fields, is a 400 naming them', async () => {
    const array = await req('POST', '/v1/engagements', { as: 'backoffice', body: '[]' });
    isProblem(array, 400, 'validation-failed');
    const unknown = await req('POST', '/v1/engagements', {
      as: 'backoffice',
      body: { ...startBody(), isUrgent: true, customer: { ...startBody().customer, tier: 1 } },
    });
    isProblem(unknown, 400, 'validation-failed');
    expect(unknown.body.fields).toEqual(expect.arrayContaining(['isUrgent', 'customer.tier']));
    expect(unknown.body.errors).toEqual(expect.arrayContaining([{ field: 'isUrgent', message: 'unknown field' }]));
    const proto = await req('PUT', '/v1/partners/contoso', {
      as: 'backoffice',
      body: `{"__proto__":{"admin":true},${JSON.stringify(profile()).slice(1)}`,
    });
    expect(proto.status).toBe(400);
  });

  it('an empty body where one is required is a 400 listing the required fields', async () => {
    const res = await req('POST', '/v1/engagements', { as: 'backoffice' });
    isProblem(res, 400, 'validation-failed');
    expect(res.body.fields).toEqual(expect.arrayContaining(['voucherId', 'offering', 'customer']));
  });

  it('a body over API_BODY_LIMIT is a 413', async () => {
    const res = await req('PUT', '/v1/partners/contoso', {
      as: 'backoffice',
      body: profile({ description: 'x'.repeat(3_000) }),
    });
    expect(res.status).toBe(413);
    isProblem(res, 413, 'payload-too-large');
  });

  it('a body that is not JSON is a 415', async () => {
    const res = await req('POST', '/v1/engagements', {
      as: 'backoffice',
      body: 'voucherId=V1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    isProblem(res, 415, 'unsupported-media-type');
    const charset = await req('POST', '/v1/engagements', {
      as: 'backoffice',
      body: '{}',
      headers: { 'content-type': 'application/json; charset=latin-9' },
    });
    expect(charset.status).toBe(415);
    expect(
      (
        await req('POST', '/v1/engagements', {
          as: 'backoffice',
          body: '{}',
          headers: { 'content-type': 'application/merge-patch+json' },
        })
      ).status,
    ).toBe(400);
  });

  it('an unknown route is a 404 problem; a known path with another method a 405 with Allow', async () => {
    const missing = await req('GET', '/v1/vouchers', { as: 'operator' });
    isProblem(missing, 404, 'route-not-found');
    const unauthenticated = await req('GET', '/nothing/here');
    isProblem(unauthenticated, 404, 'route-not-found');
    const wrongMethod = await req('PUT', '/v1/engagements/V1', { as: 'backoffice', body: {} });
    isProblem(wrongMethod, 405, 'method-not-allowed');
    expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD');
    const reservation = await req('GET', '/v1/engagements/V1/reservation', { as: 'backoffice' });
    expect(reservation.status).toBe(405);
    expect(reservation.headers.get('allow')).toBe('POST, PATCH, DELETE');
  });

  it('bad path and query parameters are 400s naming them', async () => {
    const path = await req('GET', `/v1/partners/${encodeURIComponent('-starts-with-dash')}`, { as: 'operator' });
    isProblem(path, 400, 'validation-failed');
    expect(path.body.fields).toEqual(['partnerId']);
    const badEncoding = await req('GET', '/v1/engagements/%E0%A4%A', { as: 'operator' });
    expect(badEncoding.status).toBe(400);
    const repeated = await req('GET', '/v1/engagements?status=PAID&status=EXPIRED', { as: 'operator' });
    isProblem(repeated, 400, 'validation-failed');
    expect(repeated.body.fields).toEqual(['status']);
  });
});

describe('an unreachable Temporal', () => {
  it.each([
    ['GET', '/v1/engagements/V1', 'operator', undefined],
    ['GET', '/v1/engagements', 'operator', undefined],
    ['POST', '/v1/engagements', 'backoffice', startBody()],
    [
      'POST',
      '/v1/engagements/V1/forwarding',
      'contoso',
      { partnerId: 'contoso', projectManagerEmail: 'pm@fabrikam.example' },
    ],
    ['PUT', '/v1/partners/contoso', 'backoffice', profile()],
    ['GET', '/v1/partners/contoso', 'contoso', undefined],
    ['GET', '/v1/directory', 'operator', undefined],
  ])('%s %s answers 503 with Retry-After, quickly', async (method, path, who, body) => {
    const started = Date.now();
    const res = await req(method, path, { as: who, body });
    expect(res.status).toBe(503);
    isProblem(res, 503, 'temporal-unavailable');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('/readyz is 503 while /healthz stays 200', async () => {
    const ready = await req('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(Number(ready.headers.get('retry-after'))).toBeGreaterThan(0);
    const live = await req('GET', '/healthz');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
  });

  it('validation and program rules still answer without Temporal', async () => {
    expect((await req('POST', '/v1/engagements', { as: 'backoffice', body: { ...startBody(), days: 0 } })).status).toBe(
      400,
    );
    const rule = await req('POST', '/v1/engagements', { as: 'backoffice', body: startBody({ days: 20 }) });
    expect(rule.status).toBe(422);
    expect(rule.body.rules).toEqual([expect.objectContaining({ code: 'DAYS_NOT_ALLOWED' })]);
    expect((await req('GET', '/v1/catalog', { as: 'contoso' })).status).toBe(200);
  });
});

describe('the OpenAPI document and the reference', () => {
  let doc: Record<string, any>;
  beforeAll(async () => {
    const res = await req('GET', '/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body;
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const output = await new Promise<string>((resolve) => {
      const child = execFile(process.execPath, [require.resolve('./validate-openapi.cjs')], (_err, stdout, stderr) =>
        resolve(`${stdout}${stderr}`),
      );
      child.stdin!.end(JSON.stringify(doc));
    });
    expect(output.trim()).toBe(`valid ${doc.openapi}`);
  });

  it('documents exactly the routes the express app serves', () => {
    const served = new Set<string>();
    const walk = (stackLayers: any[]) => {
      for (const layer of stackLayers) {
        if (layer.route) {
          for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) {
            served.add(`${method.toUpperCase()} ${String(layer.route.path).replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
          }
        } else if (layer.handle?.stack) {
          walk(layer.handle.stack);
        }
      }
    };
    walk((app as any).router.stack);
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    expect(served.size).toBeGreaterThanOrEqual(23);
    expect([...served].sort()).toEqual([...documented].sort());
    expect(routeTable(app)).toHaveLength(served.size);
  });

  it('generates the request bodies from the domain schemas (strict: no other fields)', () => {
    const schemas = doc.components.schemas;
    expect(schemas.StartEngagementRequest.required).toEqual(
      expect.arrayContaining(['voucherId', 'offering', 'engagementType', 'days', 'assignedAt', 'customer']),
    );
    expect(schemas.StartEngagementRequest.additionalProperties).toBe(false);
    expect(schemas.Reservation.properties.deliveryCountry.pattern).toBe('^[A-Z]{2}$');
    const start = doc.paths['/v1/engagements'].post;
    expect(start.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/StartEngagementRequest',
    });
    expect(Object.keys(start.responses)).toEqual(
      expect.arrayContaining(['200', '201', '400', '401', '403', '409', '413', '415', '422', '503']),
    );
    expect(start.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/healthz'].get.security).toEqual([]);
    const list = doc.paths['/v1/engagements'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['status', 'partnerId', 'offering', 'country', 'expiresBefore', 'pageSize', 'pageToken']),
    );
  });

  it('/docs renders it as one self-contained HTML page', async () => {
    const res = await req('GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    for (const path of Object.keys(doc.paths)) expect(res.text).toContain(path.replace(/&/g, '&amp;'));
    expect(res.text).not.toMatch(/<script|<link|src=["']https?:|@import|url\(/i);
  });
});

describe('metrics, request ids and logs', () => {
  it('/metrics counts requests by method, route template and status, with the default metrics', async () => {
    await req('GET', '/v1/engagements/V-METRICS-1', { as: 'operator' });
    await req('GET', '/v1/engagements/V-METRICS-2', { as: 'operator' });
    const res = await req('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toMatch(
      /http_requests_total\{method="GET",route="\/v1\/engagements\/\{voucherId\}",status="503"\} [2-9]/,
    );
    expect(res.text).toContain('http_request_duration_seconds_bucket{le="0.005",method="GET",route="/healthz"');
    expect(res.text).not.toContain('V-METRICS-1');
    expect(res.text).toContain('process_cpu_user_seconds_total');
    expect(res.text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('echoes an X-Request-Id, or makes one; every request is one JSON log line with it (and the workflow ID)', async () => {
    const given = await req('GET', '/v1/engagements/V-LOGS-1', {
      as: 'operator',
      headers: { 'x-request-id': 'trace-abc-123' },
    });
    expect(given.headers.get('x-request-id')).toBe('trace-abc-123');
    expect(given.body.requestId).toBe('trace-abc-123');
    const made = await req('GET', '/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const line = logLines.find((l) => l.requestId === 'trace-abc-123' && l.msg !== undefined && l.status !== undefined);
    expect(line).toEqual(
      expect.objectContaining({
        method: 'GET',
        route: '/v1/engagements/{voucherId}',
        status: 503,
        workflowId: 'engagement-V-LOGS-1',
        role: 'operator',
      }),
    );
    expect(JSON.stringify(logLines)).not.toContain(TOKENS.operator);
  });
});
