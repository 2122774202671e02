// Notification activities against a real local webhook receiver that checks the HMAC signature over
// the raw body bytes, as a partner's or operator's receiver would.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { createNotificationActivities, WEBHOOK_UNAVAILABLE } from '../activities/notify';
import type { NotificationInput } from '../activities/types';

const SECRET = 'receiver-shared-secret-0123456789';

interface Received {
  headers: IncomingHttpHeaders;
  rawBody: string;
  signatureValid: boolean;
}

/** A webhook receiver: verifies X-PSO-Signature with its own copy of the secret, answers 401 when wrong. */
async function startReceiver(secret: string) {
  const received: Received[] = [];
  let forcedStatus: number | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
      const given = Buffer.from(String(req.headers['x-pso-signature'] ?? ''));
      const signatureValid = given.length === expected.length && timingSafeEqual(given, expected);
      received.push({ headers: req.headers, rawBody: raw.toString('utf8'), signatureValid });
      res.statusCode = forcedStatus ?? (signatureValid ? 204 : 401);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/pso`,
    received,
    answerWith(status: number | undefined) {
      forcedStatus = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const notification: NotificationInput = {
  voucherId: 'V-1001',
  kind: 'STATUS_CHANGED',
  status: 'RESERVED',
  message: 'Voucher V-1001 reserved by contoso for 2026-04-01 – 2026-04-05 (ünïcødé ✓)',
  at: '2026-03-01T09:00:00.000Z',
};

async function applicationFailureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(ApplicationFailure);
  return outcome.error as ApplicationFailure;
}

describe('notification activities', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeEach(async () => {
    receiver = await startReceiver(SECRET);
  });
  afterEach(() => receiver.close());

  it('delivers the notification as signed JSON with an idempotency key', async () => {
    const { notify } = createNotificationActivities({ webhookUrl: receiver.url, webhookSecret: SECRET });
    expect(await notify(notification)).toEqual({ delivered: true });

    expect(receiver.received).toHaveLength(1);
    const [delivery] = receiver.received;
    expect(delivery.signatureValid).toBe(true);
    expect(JSON.parse(delivery.rawBody)).toEqual(notification);
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.headers['idempotency-key']).toBe('V-1001:STATUS_CHANGED:2026-03-01T09:00:00.000Z');
    expect(delivery.headers['x-pso-subject']).toBe('engagement');
    expect(Number.isNaN(Date.parse(String(delivery.headers['x-pso-timestamp'])))).toBe(false);
  });

  it('delivers partner notifications the same way, keyed by partner', async () => {
    const { notifyPartner } = createNotificationActivities({ webhookUrl: receiver.url, webhookSecret: SECRET });
    const input = {
      partnerId: 'contoso',
      kind: 'ENROLLMENT_LAPSING',
      message: 'DDPS enrollment lapses in 30 days',
      at: '2026-05-01T00:00:00.000Z',
    };
    expect(await notifyPartner(input)).toEqual({ delivered: true });

    const [delivery] = receiver.received;
    expect(delivery.signatureValid).toBe(true);
    expect(JSON.parse(delivery.rawBody)).toEqual(input);
    expect(delivery.headers['idempotency-key']).toBe('contoso:ENROLLMENT_LAPSING:2026-05-01T00:00:00.000Z');
    expect(delivery.headers['x-pso-subject']).toBe('partner');
  });

  it('reports a refusal (4xx) without failing: a receiver with another secret rejects the signature', async () => {
    const { notify } = createNotificationActivities({
      webhookUrl: receiver.url,
      webhookSecret: 'not-the-receivers-secret-0000',
    });
    expect(await notify(notification)).toEqual({ delivered: false, detail: 'webhook refused: 401' });
    expect(receiver.received[0].signatureValid).toBe(false);
  });

  it('throws a retryable failure on 5xx and on 429, so Temporal retries', async () => {
    const { notify } = createNotificationActivities({ webhookUrl: receiver.url, webhookSecret: SECRET });
    for (const status of [500, 503, 429]) {
      receiver.answerWith(status);
      const failure = await applicationFailureOf(notify(notification));
      expect(failure.nonRetryable).toBe(false);
      expect(failure.type).toBe(WEBHOOK_UNAVAILABLE);
      expect(failure.message).toContain(String(status));
    }
    // Every attempt carried the same idempotency key, so the receiver can drop duplicates.
    expect(new Set(receiver.received.map((r) => r.headers['idempotency-key']))).toEqual(
      new Set(['V-1001:STATUS_CHANGED:2026-03-01T09:00:00.000Z']),
    );
  });

  it('throws a retryable failure when the webhook is unreachable', async () => {
    const gone = await startReceiver(SECRET);
    await gone.close();
    const { notify } = createNotificationActivities({ webhookUrl: gone.url, webhookSecret: SECRET, timeoutMs: 2_000 });
    const failure = await applicationFailureOf(notify(notification));
    expect(failure.nonRetryable).toBe(false);
    expect(failure.type).toBe(WEBHOOK_UNAVAILABLE);
  });

  it('sends nothing and does not fail without a webhook', async () => {
    const { notify, notifyPartner } = createNotificationActivities({});
    expect(await notify(notification)).toEqual({ delivered: false, detail: 'no webhook configured' });
    expect(await notifyPartner({ partnerId: 'contoso', kind: 'X', message: 'm', at: notification.at })).toEqual({
      delivered: false,
      detail: 'no webhook configured',
    });
  });

  it('never sends an unsigned notification', async () => {
    const { notify } = createNotificationActivities({ webhookUrl: receiver.url });
    expect(await notify(notification)).toEqual({ delivered: false, detail: 'no webhook secret configured' });
    expect(receiver.received).toHaveLength(0);
  });
});
