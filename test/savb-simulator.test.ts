// The SAVB simulator's HTTP contract (SPEC §3), exercised over real HTTP on a random port.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSavbSimulator, type SavbSimulator } from '../savb-simulator/server';

const START = Date.parse('2026-03-01T09:00:00Z');

const invoice = (overrides: Record<string, unknown> = {}) => ({
  voucherId: 'V-1001',
  partnerId: 'contoso',
  offering: 'DDPS',
  locationId: 'contoso-us',
  country: 'US',
  days: 5,
  amount: 5000,
  currency: 'USD',
  ...overrides,
});

async function call(
  sim: SavbSimulator,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    body: text ? JSON.parse(text) : undefined,
  };
}

const submit = (sim: SavbSimulator, key: string, body: unknown = invoice()) =>
  call(sim, 'POST', '/payment-requests', body, { 'Idempotency-Key': key });

/** Polls the request until it has the wanted status; bounded, fails with what it last saw. */
async function waitForStatus(
  sim: SavbSimulator,
  referenceNumber: string,
  wanted: string,
  seen: string[],
  withinMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const { body } = await call(sim, 'GET', `/payment-requests/${referenceNumber}`);
    if (seen[seen.length - 1] !== body.status) seen.push(body.status);
    if (body.status === wanted) return;
    if (Date.now() > deadline)
      throw new Error(`status ${wanted} not reached within ${withinMs} ms; saw ${seen.join(' → ')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('SAVB simulator', () => {
  let clock = START;
  let sim: SavbSimulator;

  beforeAll(async () => {
    sim = await startSavbSimulator({ approveAfterMs: 1_000, payAfterMs: 2_000, now: () => clock });
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    sim.reset();
    clock = START;
  });

  describe('payment requests and idempotency', () => {
    beforeEach(() => sim.register('contoso', 'DDPS'));

    it('answers 201 then, for the same key and body, 200 with the same request, holding exactly one record', async () => {
      const first = await submit(sim, 'V-1001');
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ status: 'SUBMITTED', ...invoice(), idempotencyKey: 'V-1001' });
      expect(first.body.referenceNumber).toMatch(/^SAVB-/);

      const again = await submit(sim, 'V-1001');
      expect(again.status).toBe(200);
      expect(again.body.referenceNumber).toBe(first.body.referenceNumber);

      expect(sim.requests()).toHaveLength(1);
      const listed = await call(sim, 'GET', '/payment-requests?voucherId=V-1001');
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((r: { referenceNumber: string }) => r.referenceNumber)).toEqual([
        first.body.referenceNumber,
      ]);
    });

    it('refuses to reuse a key for a different body (409) and keeps the original request', async () => {
      const first = await submit(sim, 'V-1001');
      const conflicting = await submit(sim, 'V-1001', invoice({ days: 3, amount: 3000 }));
      expect(conflicting.status).toBe(409);
      expect(conflicting.type).toContain('application/problem+json');
      expect(sim.requests()).toEqual([
        expect.objectContaining({ referenceNumber: first.body.referenceNumber, days: 5 }),
      ]);
    });

    it('refuses a second live request for the same voucher under another key (DUPLICATE_VOUCHER)', async () => {
      const first = await submit(sim, 'V-1001');
      const duplicate = await submit(sim, 'another-key');
      expect(duplicate.status).toBe(422);
      expect(duplicate.body).toEqual({
        code: 'DUPLICATE_VOUCHER',
        message: expect.stringContaining(first.body.referenceNumber),
      });
      expect(sim.requests()).toHaveLength(1);
    });

    it('accepts a new request for a voucher whose earlier request was denied', async () => {
      sim.deny('V-1001', 'deliverable missing');
      const first = await submit(sim, 'V-1001');
      clock += 1_000;
      expect((await call(sim, 'GET', `/payment-requests/${first.body.referenceNumber}`)).body.status).toBe('DENIED');

      const second = await submit(sim, 'V-1001~2');
      expect(second.status).toBe(201);
      expect(second.body.referenceNumber).not.toBe(first.body.referenceNumber);
    });

    it('answers 404 for an unknown reference and 400 for a list without voucherId', async () => {
      const unknown = await call(sim, 'GET', '/payment-requests/SAVB-NOPE');
      expect(unknown.status).toBe(404);
      expect(unknown.type).toContain('application/problem+json');
      expect((await call(sim, 'GET', '/payment-requests')).status).toBe(400);
      expect(await call(sim, 'GET', '/payment-requests?voucherId=unknown')).toMatchObject({
        status: 200,
        body: { items: [] },
      });
    });
  });

  describe('bad input', () => {
    it('answers 400 problem+json without an Idempotency-Key', async () => {
      const response = await call(sim, 'POST', '/payment-requests', invoice());
      expect(response.status).toBe(400);
      expect(response.type).toContain('application/problem+json');
      expect(response.body.detail).toContain('Idempotency-Key');
    });

    it('answers 400 naming the offending fields for a schema-invalid body, and stores nothing', async () => {
      const response = await submit(sim, 'k', invoice({ days: 0, country: 'usa', surprise: true }));
      expect(response.status).toBe(400);
      expect(response.type).toContain('application/problem+json');
      const fields = response.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['days', 'country']));
      expect(response.body.errors.some((e: { message: string }) => e.message.includes('surprise'))).toBe(true);
      expect(sim.requests()).toHaveLength(0);
    });

    it('answers 400 for malformed JSON', async () => {
      const response = await call(sim, 'POST', '/payment-requests', '{"voucherId":', { 'Idempotency-Key': 'k' });
      expect(response.status).toBe(400);
      expect(response.type).toContain('application/problem+json');
    });
  });

  describe('registration', () => {
    it('refuses an unregistered partner (recording its redeemed voucher), registers it, then accepts the same key', async () => {
      const refused = await submit(sim, 'V-1001');
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('PARTNER_NOT_REGISTERED');
      expect(sim.requests()).toHaveLength(0);

      const registered = await call(sim, 'POST', '/registrations', { partnerId: 'contoso', offering: 'DDPS' });
      expect(registered.status).toBe(201);
      expect(registered.body).toMatchObject({ partnerId: 'contoso', offering: 'DDPS' });
      expect((await call(sim, 'POST', '/registrations', { partnerId: 'contoso', offering: 'DDPS' })).status).toBe(200);

      const accepted = await submit(sim, 'V-1001');
      expect(accepted.status).toBe(201);
      expect(sim.requests()).toHaveLength(1);
    });

    it('refuses a registration before any refused request of that partner and offering (NO_REDEEMED_VOUCHER)', async () => {
      const early = await call(sim, 'POST', '/registrations', { partnerId: 'contoso', offering: 'DDPS' });
      expect(early.status).toBe(422);
      expect(early.body.code).toBe('NO_REDEEMED_VOUCHER');

      // A refused request of another offering does not count for this one.
      await submit(sim, 'V-2002', invoice({ voucherId: 'V-2002', offering: 'SDPS' }));
      expect((await call(sim, 'POST', '/registrations', { partnerId: 'contoso', offering: 'DDPS' })).status).toBe(422);
      expect((await call(sim, 'POST', '/registrations', { partnerId: 'contoso', offering: 'SDPS' })).status).toBe(201);
    });

    it('answers 400 for an invalid registration body', async () => {
      expect((await call(sim, 'POST', '/registrations', { partnerId: 'contoso' })).status).toBe(400);
    });
  });

  describe('status in time', () => {
    beforeEach(() => sim.register('contoso', 'DDPS'));

    it('goes SUBMITTED → APPROVED at approveAfterMs → PAID at payAfterMs', async () => {
      const { body } = await submit(sim, 'V-1001');
      const status = async () => (await call(sim, 'GET', `/payment-requests/${body.referenceNumber}`)).body;
      clock += 999;
      expect(await status()).toMatchObject({ status: 'SUBMITTED' });
      clock += 1;
      expect(await status()).toMatchObject({ status: 'APPROVED', approvedAt: new Date(START + 1_000).toISOString() });
      clock += 1_000;
      expect(await status()).toMatchObject({ status: 'PAID', paidAt: new Date(START + 2_000).toISOString() });
    });

    it('denies, with the reason, a request for a voucher on the deny list (set before or after submission)', async () => {
      const deniedBefore = await call(sim, 'PUT', '/_admin/deny', {
        voucherId: 'V-1001',
        reason: 'no customer planning deliverable',
      });
      expect(deniedBefore.status).toBe(200);
      const first = await submit(sim, 'V-1001', invoice());

      const second = await submit(sim, 'V-1002', invoice({ voucherId: 'V-1002' }));
      const deniedAfter = await call(sim, 'PUT', '/_admin/deny', {
        voucherId: 'V-1002',
        reason: 'duplicate engagement',
      });
      expect(deniedAfter.body.deniedRequests).toEqual([second.body.referenceNumber]);

      const untouched = await submit(sim, 'V-1003', invoice({ voucherId: 'V-1003' }));
      clock += 5_000;
      const read = async (ref: string) => (await call(sim, 'GET', `/payment-requests/${ref}`)).body;
      expect(await read(first.body.referenceNumber)).toMatchObject({
        status: 'DENIED',
        reason: 'no customer planning deliverable',
      });
      expect(await read(second.body.referenceNumber)).toMatchObject({
        status: 'DENIED',
        reason: 'duplicate engagement',
      });
      expect(await read(untouched.body.referenceNumber)).toMatchObject({ status: 'PAID' });
      expect((await read(untouched.body.referenceNumber)).reason).toBeUndefined();
    });

    it('approves after all when the voucher is taken off the deny list before the decision', async () => {
      await call(sim, 'PUT', '/_admin/deny', { voucherId: 'V-1001', reason: 'checking' });
      const { body } = await submit(sim, 'V-1001');
      expect((await call(sim, 'DELETE', '/_admin/deny/V-1001')).status).toBe(204);
      clock += 1_000;
      expect((await call(sim, 'GET', `/payment-requests/${body.referenceNumber}`)).body.status).toBe('APPROVED');
    });
  });

  describe('faults', () => {
    beforeEach(() => sim.register('contoso', 'DDPS'));

    it('answers 503 to every request at errorRate 1, storing nothing', async () => {
      const set = await call(sim, 'PUT', '/_admin/faults', { errorRate: 1 });
      expect(set).toMatchObject({ status: 200, body: { errorRate: 1, down: false } });
      expect((await submit(sim, 'V-1001')).status).toBe(503);
      expect((await call(sim, 'GET', '/payment-requests?voucherId=V-1001')).status).toBe(503);
      expect(sim.requests()).toHaveLength(0);

      await call(sim, 'PUT', '/_admin/faults', { errorRate: 0 });
      expect((await submit(sim, 'V-1001')).status).toBe(201);
    });

    it('answers 503 to everything but /_admin while down, and recovers', async () => {
      await call(sim, 'PUT', '/_admin/faults', { down: true });
      expect((await call(sim, 'GET', '/healthz')).status).toBe(503);
      expect((await submit(sim, 'V-1001')).status).toBe(503);
      expect((await call(sim, 'POST', '/registrations', { partnerId: 'x', offering: 'DDPS' })).status).toBe(503);
      expect((await call(sim, 'GET', '/_admin/faults')).body.down).toBe(true);

      await call(sim, 'PUT', '/_admin/faults', { down: false });
      expect(await call(sim, 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    });

    it('stores the request but never answers under acceptThenTimeout; the retry with the same key gets it', async () => {
      await call(sim, 'PUT', '/_admin/faults', { acceptThenTimeout: 1 });
      await expect(
        fetch(`${sim.url}/payment-requests`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'V-1001' },
          body: JSON.stringify(invoice()),
          signal: AbortSignal.timeout(300),
        }),
      ).rejects.toThrow();
      expect(sim.requests()).toHaveLength(1);

      // With a short hangMs the connection is dropped instead of waiting for the client.
      await call(sim, 'PUT', '/_admin/faults', { hangMs: 50 });
      await expect(submit(sim, 'V-1001')).rejects.toThrow();

      await call(sim, 'PUT', '/_admin/faults', { acceptThenTimeout: 0 });
      const retried = await submit(sim, 'V-1001');
      expect(retried.status).toBe(200);
      expect(retried.body.referenceNumber).toBe(sim.requests()[0].referenceNumber);
      expect(sim.requests()).toHaveLength(1);
    });

    it('refuses invalid fault settings', async () => {
      expect((await call(sim, 'PUT', '/_admin/faults', { errorRate: 2 })).status).toBe(400);
      expect((await call(sim, 'PUT', '/_admin/faults', { flaky: true })).status).toBe(400);
    });

    it('forgets everything on reset', async () => {
      await submit(sim, 'V-1001');
      await call(sim, 'PUT', '/_admin/faults', { latencyMs: 5 });
      expect((await call(sim, 'POST', '/_admin/reset')).status).toBe(204);
      expect(sim.requests()).toHaveLength(0);
      expect(sim.faults()).toMatchObject({ latencyMs: 0, errorRate: 0, down: false });
      expect((await submit(sim, 'V-1001')).body.code).toBe('PARTNER_NOT_REGISTERED');
    });
  });
});

describe('SAVB simulator in real time', () => {
  it('reaches PAID by itself with small delays (polled, bounded)', async () => {
    const sim = await startSavbSimulator({ approveAfterMs: 150, payAfterMs: 300 });
    try {
      sim.register('contoso', 'DDPS');
      const { status, body } = await submit(sim, 'V-1001');
      expect(status).toBe(201);
      const seen: string[] = ['SUBMITTED'];
      await waitForStatus(sim, body.referenceNumber, 'PAID', seen);
      // Every status passed is one of the progression, in order (a fast poll may skip none, a slow one APPROVED).
      expect(['SUBMITTED → APPROVED → PAID', 'SUBMITTED → PAID']).toContain(seen.join(' → '));
    } finally {
      await sim.close();
    }
  });
});

describe('SAVB simulator persistence', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'savb-sim-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps requests, registrations, seen refusals and the deny list across a restart', async () => {
    const dataFile = join(dir, 'nested', 'savb.json');
    let clock = START;
    const first = await startSavbSimulator({ dataFile, now: () => clock });
    let referenceNumber: string;
    try {
      expect((await submit(first, 'V-1001')).body.code).toBe('PARTNER_NOT_REGISTERED');
      expect((await call(first, 'POST', '/registrations', { partnerId: 'contoso', offering: 'DDPS' })).status).toBe(
        201,
      );
      referenceNumber = (await submit(first, 'V-1001')).body.referenceNumber;
      // Seen refusal for SDPS, registration not done yet.
      expect((await submit(first, 'V-2002', invoice({ voucherId: 'V-2002', offering: 'SDPS' }))).status).toBe(422);
      await call(first, 'PUT', '/_admin/deny', { voucherId: 'V-3003', reason: 'audit' });
    } finally {
      await first.close();
    }
    expect(JSON.parse(readFileSync(dataFile, 'utf8')).requests).toHaveLength(1);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['savb.json']);

    const second = await startSavbSimulator({ dataFile, now: () => clock });
    try {
      expect((await call(second, 'GET', `/payment-requests/${referenceNumber}`)).body).toMatchObject({
        referenceNumber,
        voucherId: 'V-1001',
      });
      const replay = await submit(second, 'V-1001');
      expect(replay).toMatchObject({ status: 200, body: { referenceNumber } });
      expect((await call(second, 'POST', '/registrations', { partnerId: 'contoso', offering: 'DDPS' })).status).toBe(
        200,
      );
      expect((await call(second, 'POST', '/registrations', { partnerId: 'contoso', offering: 'SDPS' })).status).toBe(
        201,
      );
      const denied = await submit(second, 'V-3003', invoice({ voucherId: 'V-3003' }));
      expect(denied.status).toBe(201);
      clock += 5_000;
      expect((await call(second, 'GET', `/payment-requests/${denied.body.referenceNumber}`)).body).toMatchObject({
        status: 'DENIED',
        reason: 'audit',
      });
      expect(second.requests()).toHaveLength(2);
    } finally {
      await second.close();
    }
  });

  it('refuses to start on a corrupt data file instead of silently starting empty', async () => {
    const dataFile = join(dir, 'savb.json');
    writeFileSync(dataFile, '{"version": 1, "requests": "nope"}');
    await expect(startSavbSimulator({ dataFile })).rejects.toThrow(/not valid/);
    expect(existsSync(dataFile)).toBe(true);
  });
});

describe('SAVB simulator hardening', () => {
  it('guards /_admin with its token: 401 without or with another token, 404 when closed', async () => {
    const guarded = await startSavbSimulator({ adminToken: 'simulator-admin-token-0001' });
    const closed = await startSavbSimulator({ adminToken: null });
    try {
      expect((await call(guarded, 'PUT', '/_admin/faults', { down: true })).status).toBe(401);
      const wrong = { Authorization: 'Bearer another-token-000000000' };
      expect((await call(guarded, 'PUT', '/_admin/faults', { down: true }, wrong)).status).toBe(401);
      expect((await call(guarded, 'GET', '/healthz')).status).toBe(200);
      const right = { Authorization: 'Bearer simulator-admin-token-0001' };
      expect((await call(guarded, 'PUT', '/_admin/faults', { down: true }, right)).status).toBe(200);
      expect((await call(guarded, 'GET', '/healthz')).status).toBe(503);
      expect((await call(closed, 'POST', '/_admin/reset', undefined, right)).status).toBe(404);
    } finally {
      await guarded.close();
      await closed.close();
    }
  });

  it('listens on 127.0.0.1 unless told otherwise', async () => {
    const sim = await startSavbSimulator();
    try {
      expect(new URL(sim.url).hostname).toBe('127.0.0.1');
    } finally {
      await sim.close();
    }
  });

  it('keeps voucher IDs such as __proto__ and constructor as plain keys, also across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'savb-sim-'));
    const dataFile = join(dir, 'savb.json');
    let clock = START;
    try {
      const first = await startSavbSimulator({ dataFile, now: () => clock, approveAfterMs: 1_000 });
      try {
        await call(first, 'PUT', '/_admin/registrations', { partnerId: 'contoso', offering: 'DDPS' });
        expect((await call(first, 'DELETE', '/_admin/deny/constructor')).status).toBe(404);
        expect((await call(first, 'DELETE', '/_admin/deny/toString')).status).toBe(404);
        expect((await call(first, 'PUT', '/_admin/deny', { voucherId: '__proto__', reason: 'audit' })).status).toBe(
          200,
        );
        const created = await submit(first, '__proto__', invoice({ voucherId: '__proto__' }));
        expect(created.status).toBe(201);
        const plain = await submit(first, 'constructor', invoice({ voucherId: 'constructor' }));
        clock += 5_000;
        expect((await call(first, 'GET', `/payment-requests/${created.body.referenceNumber}`)).body.status).toBe(
          'DENIED',
        );
        expect((await call(first, 'GET', `/payment-requests/${plain.body.referenceNumber}`)).body.status).not.toBe(
          'DENIED',
        );
      } finally {
        await first.close();
      }
      const second = await startSavbSimulator({ dataFile, now: () => clock });
      try {
        const again = await submit(second, 'V-9', invoice({ voucherId: '__proto__' }));
        clock += 5_000;
        expect((await call(second, 'GET', `/payment-requests/${again.body.referenceNumber}`)).body).toMatchObject({
          status: 'DENIED',
          reason: 'audit',
        });
        expect((await call(second, 'DELETE', '/_admin/deny/__proto__')).status).toBe(204);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
