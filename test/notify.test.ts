// Notification activities against a real local webhook receiver that checks the Standard Webhooks
// signature with the `standardwebhooks` library over the raw body bytes, as a receiver would.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { createNotificationActivities, WEBHOOK_UNAVAILABLE } from '../activities/notify';
import type { NotificationInput } from '../activities/types';
import { Webhook } from 'standardwebhooks';

/** A secret as the scheme defines it: whsec_ and base64 of random bytes. */
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

interface Received {
  headers: IncomingHttpHeaders;
  rawBody: string;
  signatureValid: boolean;
}

/** A webhook receiver: verifies with the library and its own copy of the secret, answers 401 when wrong. */
async function startReceiver(secret: string) {
  const received: Received[] = [];
  let forcedStatus: number | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let signatureValid = true;
      try {
        new Webhook(secret).verify(raw.toString('utf8'), req.headers as Record<string, string>);
      } catch {
        signatureValid = false;
      }
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
    expect(delivery.headers['webhook-id']).toBe('V-1001:STATUS_CHANGED:2026-03-01T09:00:00.000Z');
    expect(delivery.headers['idempotency-key']).toBe(delivery.headers['webhook-id']);
    expect(delivery.headers['x-pso-subject']).toBe('engagement');
    expect(Math.abs(Number(delivery.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(delivery.headers['webhook-signature']).toMatch(/^v1,/);
  });

  it('a receiver refuses a replayed delivery whose timestamp is stale, and an edited body', async () => {
    const { notify } = createNotificationActivities({ webhookUrl: receiver.url, webhookSecret: SECRET });
    await notify(notification);
    const [delivery] = receiver.received;
    const verifier = new Webhook(SECRET);
    const headers = delivery.headers as Record<string, string>;
    expect(() => verifier.verify(delivery.rawBody.replace('V-1001', 'V-9999'), headers)).toThrow();
    const stale = { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 600) };
    expect(() => verifier.verify(delivery.rawBody, stale)).toThrow(/timestamp/i);
  });

  it('signs with a plain-string secret as its UTF-8 bytes (whsec_ + base64 of it on the receiver)', async () => {
    const plain = 'receiver-shared-secret-0123456789';
    const other = await startReceiver(`whsec_${Buffer.from(plain).toString('base64')}`);
    try {
      const { notify } = createNotificationActivities({ webhookUrl: other.url, webhookSecret: plain });
      expect(await notify(notification)).toEqual({ delivered: true });
      expect(other.received[0].signatureValid).toBe(true);
    } finally {
      await other.close();
    }
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
      webhookSecret: `whsec_${randomBytes(32).toString('base64')}`,
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
    // Every attempt carried the same message id, so the receiver can drop duplicates.
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(
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
