// Security over real HTTP against a Temporal dev server running the real workflows, with payload
// encryption on: identity-provider tokens (a local JWKS server signs them), the per-token rate
// limit, what a partner learns after a takeover, internal errors kept out of answers, and the codec
// server the Temporal UI decodes payloads with.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import pino from 'pino';
import { createApp } from '../../api/app';
import { loadConfig } from '../../config/env';
import { newPayloadKey } from '../../worker/payload-codec';
import { DevStack, http, startDevStack } from '../support/dev-stack';
import { PM_EMAIL, addDays, profile, reservationBody, startBody, today, uniqueId } from './fixtures';

const ISSUER = 'https://idp.example.test';
const AUDIENCE = 'planning-services-api';

let stack: DevStack;
let jwks: Server;
let signingKey: CryptoKey;
let strangerKey: CryptoKey;
const req = (method: string, path: string, opts: Parameters<typeof http>[3] = {}) => http(stack, method, path, opts);

/** A token of the identity provider (or signed with another key), valid for 5 minutes unless told. */
async function idpToken(claims: JWTPayload, { key = signingKey, expiresIn = '5m', audience = AUDIENCE } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'idp-key-1' })
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(key);
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  const idp = await generateKeyPair('ES256');
  signingKey = idp.privateKey;
  strangerKey = (await generateKeyPair('ES256')).privateKey;
  const publicJwk = { ...(await exportJWK(idp.publicKey)), kid: 'idp-key-1', alg: 'ES256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  stack = await startDevStack({
    partnerIds: ['contoso', 'fabrikam'],
    env: {
      AUTH_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      PAYLOAD_KEYS: newPayloadKey('test-1'),
    },
  });
  for (const id of ['contoso', 'fabrikam']) {
    const body = profile({
      name: id,
      locations: [{ locationId: `LOC-${id.toUpperCase()}`, country: 'US' }],
      consultants: [{ ...profile().consultants[0], consultantId: `C-${id.toUpperCase()}` }],
    });
    expect((await req('PUT', `/v1/partners/${id}`, { as: 'backoffice', body })).status).toBe(201);
    expect((await req('POST', `/v1/partners/${id}/enrollments`, { as: id, body: { offering: 'DDPS' } })).status).toBe(
      201,
    );
  }
});
afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => jwks?.close(resolve));
});

async function forwardedTo(partnerId: string) {
  const body = startBody();
  expect((await req('POST', '/v1/engagements', { as: 'backoffice', body })).status).toBe(201);
  const res = await req('POST', `/v1/engagements/${body.voucherId}/forwarding`, {
    as: partnerId,
    body: { partnerId, projectManagerEmail: PM_EMAIL },
  });
  expect(res.status).toBe(200);
  return body;
}

describe('identity-provider tokens (JWT)', () => {
  it('a valid token acts with the role and partner ID of its claims', async () => {
    const backoffice = await idpToken({ sub: 'alice', roles: ['backoffice'] });
    const body = startBody();
    const started = await req('POST', '/v1/engagements', { headers: bearer(backoffice), body });
    expect(started.status).toBe(201);
    const partner = await idpToken({ sub: 'bob', roles: 'partner', partner_id: 'contoso' });
    const forwarded = await req('POST', `/v1/engagements/${body.voucherId}/forwarding`, {
      headers: bearer(partner),
      body: { partnerId: 'contoso', projectManagerEmail: PM_EMAIL },
    });
    expect(forwarded.status).toBe(200);
    expect(forwarded.body.history.at(-1)).toEqual(
      expect.objectContaining({ event: 'voucherForwarded', actor: 'partner:contoso' }),
    );
  });

  it('refuses an expired token, a wrong audience and a token signed with another key (401)', async () => {
    const claims = { sub: 'alice', roles: ['operator'] };
    const expired = await idpToken(claims, { expiresIn: '-10 minutes' });
    const wrongAudience = await idpToken(claims, { audience: 'another-api' });
    const wrongKey = await idpToken(claims, { key: strangerKey });
    for (const [token, detail] of [
      [expired, /expired/],
      [wrongAudience, /audience/],
      [wrongKey, /not signed by a key/],
      ['eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.c2ln', /not signed by a key|not a valid JWT/],
      ['aaaa.bbbb.cccc', /not a valid JWT/],
    ] as const) {
      const res = await req('GET', '/v1/catalog', { headers: bearer(token) });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.headers.get('www-authenticate')).toMatch(/invalid_token/);
      expect(res.body.detail).toMatch(detail);
    }
    expect((await req('GET', '/v1/catalog', { headers: bearer(await idpToken(claims)) })).status).toBe(200);
  });

  it('refuses a valid token without a role of the product, or a partner role without a partner ID (403)', async () => {
    for (const claims of [{ sub: 'x' }, { sub: 'x', roles: ['viewer'] }, { sub: 'x', roles: ['partner'] }]) {
      const res = await req('GET', '/v1/catalog', { headers: bearer(await idpToken(claims)) });
      expect(res.status).toBe(403);
    }
  });

  it("answers 503 with Retry-After while the provider's keys cannot be fetched", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const gone = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks.json`;
    await new Promise((resolve) => closed.close(resolve));
    const config = loadConfig({ ...configEnv(), AUTH_JWKS_URL: gone, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE });
    const api = await listen(createApp({ client: stack.client, config, logger: pino({ level: 'silent' }) }));
    try {
      const token = await idpToken({ sub: 'alice', roles: ['operator'] });
      const res = await http({ baseUrl: api.url, auth: (who: string) => stack.auth(who) }, 'GET', '/v1/catalog', {
        headers: bearer(token),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.text).not.toMatch(/ECONNREFUSED|fetch failed/);
    } finally {
      await api.close();
    }
  });

  it("a partner claim for another partner sees that partner's engagement as unknown (404)", async () => {
    const { voucherId } = await forwardedTo('contoso');
    const other = await idpToken({ sub: 'eve', roles: ['partner'], partner_id: 'fabrikam' });
    const own = await idpToken({ sub: 'bob', roles: ['partner'], partner_id: 'contoso' });
    expect((await req('GET', `/v1/engagements/${voucherId}`, { headers: bearer(other) })).status).toBe(404);
    expect((await req('GET', `/v1/engagements/${voucherId}`, { headers: bearer(own) })).status).toBe(200);
  });
});

describe('rate limit per token', () => {
  it('answers 429 with Retry-After once a token used up its budget; other tokens go on', async () => {
    const config = loadConfig({ ...configEnv(), API_RATE_LIMIT: '3', API_RATE_WINDOW_SECONDS: '60' });
    const limited = await listen(createApp({ client: stack.client, config, logger: pino({ level: 'silent' }) }));
    try {
      const call = (who: string) =>
        http({ baseUrl: limited.url, auth: (who: string) => stack.auth(who) }, 'GET', '/v1/catalog', { as: who });
      for (let i = 0; i < 3; i++) expect((await call('operator')).status).toBe(200);
      const refused = await call('operator');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.body.type).toMatch(/rate-limited$/);
      expect((await call('backoffice')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('what a partner learns after a takeover', () => {
  it("the new partner sees none of the previous partner's trail; operators see all of it", async () => {
    const { voucherId } = await forwardedTo('contoso');
    const reserved = reservationBody({
      locationId: 'LOC-CONTOSO',
      consultantId: 'C-CONTOSO',
      startDate: addDays(today(), 9),
      endDate: addDays(today(), 13),
    });
    expect(
      (await req('POST', `/v1/engagements/${voucherId}/reservation`, { as: 'contoso', body: reserved })).status,
    ).toBe(200);
    const cancel = { reason: 'contoso internal: staffing problem' };
    expect(
      (await req('DELETE', `/v1/engagements/${voucherId}/reservation`, { as: 'contoso', body: cancel })).status,
    ).toBe(200);
    const takeover = await req('POST', `/v1/engagements/${voucherId}/forwarding`, {
      as: 'fabrikam',
      body: { partnerId: 'fabrikam', projectManagerEmail: PM_EMAIL },
    });
    expect(takeover.status).toBe(200);
    const seen = await req('GET', `/v1/engagements/${voucherId}`, { as: 'fabrikam' });
    expect(seen.status).toBe(200);
    for (const view of [takeover.body, seen.body]) {
      const trail = JSON.stringify({ history: view.history, notifications: view.notifications });
      for (const secret of ['contoso', 'CONTOSO', reserved.startDate, reserved.endDate, 'staffing problem'])
        expect(trail).not.toContain(secret);
      expect(view.history.at(-1)).toEqual(
        expect.objectContaining({ event: 'voucherForwarded', actor: 'partner:fabrikam' }),
      );
      expect(view.history[0]).toEqual(expect.objectContaining({ event: 'engagementStarted' }));
    }
    const operator = await req('GET', `/v1/engagements/${voucherId}`, { as: 'operator' });
    const full = JSON.stringify(operator.body.history);
    for (const fact of ['partner:contoso', 'LOC-CONTOSO', 'C-CONTOSO', 'staffing problem'])
      expect(full).toContain(fact);
  });
});

describe('internal errors', () => {
  it("never show Temporal's words to the caller; the log has them with the request id", async () => {
    // A workflow under an engagement's ID that cannot answer the engagement query.
    const voucherId = uniqueId('NOT-AN-ENGAGEMENT');
    await stack.client.workflow.start('partnerWorkflow', {
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      workflowId: `engagement-${voucherId}`,
      args: [{ partnerId: voucherId }],
    });
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const api = await listen(
      createApp({ client: stack.client, config: stack.config, logger: pino({ level: 'info' }, sink) }),
    );
    try {
      const res = await http(
        { baseUrl: api.url, auth: (who: string) => stack.auth(who) },
        'GET',
        `/v1/engagements/${voucherId}`,
        {
          as: 'operator',
        },
      );
      expect(res.status).toBe(500);
      expect(res.text).not.toMatch(/engagementState|registered|grpc|at .*\.js/i);
      expect(res.body.detail).toMatch(/request id/);
      const requestId = res.headers.get('x-request-id')!;
      const logged = lines.map((l) => JSON.parse(l)).find((l) => l.requestId === requestId && l.problem);
      expect(JSON.stringify(logged.problem)).toMatch(/engagementState/);
    } finally {
      await api.close();
      await stack.client.workflow.getHandle(`engagement-${voucherId}`).terminate('test over');
    }
  });
});

describe('payload encryption and the codec server', () => {
  it("keeps customer data out of Temporal's stored payloads; the API and the codec server read it", async () => {
    const body = startBody({ customer: { ...startBody().customer, name: 'Secretive Customer Ltd' } });
    expect((await req('POST', '/v1/engagements', { as: 'backoffice', body })).status).toBe(201);
    // The same request again reads the stored start input back (decrypted) to compare.
    expect((await req('POST', '/v1/engagements', { as: 'backoffice', body })).status).toBe(200);
    const raw = await stack.env.client.workflowService.getWorkflowExecutionHistory({
      namespace: stack.config.TEMPORAL_NAMESPACE,
      execution: { workflowId: `engagement-${body.voucherId}` },
    });
    const events = raw.history?.events ?? [];
    const input = events[0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
    expect(Buffer.from(input.metadata!.encoding).toString()).toBe('binary/encrypted');
    const stored = Buffer.concat(events.flatMap((e) => payloadBytes(e)));
    expect(stored.includes('Secretive Customer')).toBe(false);
    expect(stored.includes(PM_EMAIL)).toBe(false);
    const read = await req('GET', `/v1/engagements/${body.voucherId}`, { as: 'operator' });
    expect(read.body.customer.name).toBe('Secretive Customer Ltd');

    const request = {
      payloads: [{ metadata: b64(input.metadata!), data: Buffer.from(input.data!).toString('base64') }],
    };
    const decoded = await req('POST', '/codec/decode', { as: 'operator', body: request });
    expect(decoded.status).toBe(200);
    expect(Buffer.from(decoded.body.payloads[0].data, 'base64').toString()).toContain('Secretive Customer Ltd');
    expect((await req('POST', '/codec/decode', { body: request })).status).toBe(401);
    expect((await req('POST', '/codec/decode', { as: 'contoso', body: request })).status).toBe(403);
  });

  it("answers the Temporal UI's CORS preflight for its origin only", async () => {
    const preflight = (origin: string) =>
      req('OPTIONS', '/codec/decode', {
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-namespace',
        },
      });
    const ui = await preflight('http://localhost:8233');
    expect(ui.status).toBe(204);
    expect(ui.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(ui.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/i);
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

// ---------- helpers ----------

function configEnv(): Record<string, string> {
  return { API_TOKENS: tokensOf(stack), TEMPORAL_NAMESPACE: stack.config.TEMPORAL_NAMESPACE };
}

function tokensOf(s: DevStack): string {
  return [
    `${s.tokens.backoffice}=backoffice`,
    `${s.tokens.operator}=operator`,
    ...Object.entries(s.tokens.partners).map(([id, token]) => `${token}=partner:${id}`),
  ].join(',');
}

async function listen(app: ReturnType<typeof createApp>): Promise<{ url: string; close(): Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const b64 = (metadata: Record<string, Uint8Array>) =>
  Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));

/** Every payload's bytes in a history event, wherever it sits. */
function payloadBytes(event: object): Buffer[] {
  const found: Buffer[] = [];
  const walk = (value: unknown) => {
    if (value instanceof Uint8Array) found.push(Buffer.from(value));
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(event);
  return found;
}
