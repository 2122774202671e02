// The engagement's webhooks on the time-skipping server with a real receiver: each notification
// carries the engagement as it was at its event (status, partner, offering), however late it is sent.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NotificationInput } from '../activities/types';
import { engagementUpdates as u } from '../workflows/messages';
import {
  PM_EMAIL,
  createPartner,
  engagementInput,
  reservation,
  startEngagement,
  startTimeSkippingStack,
  type TimeSkippingStack,
} from './support/time-skipping';

/** Records every notification body; holds its answers while `hold` is on, as a slow receiver would. */
async function startReceiver() {
  const bodies: NotificationInput[] = [];
  const waiting: { count: number; resolve: () => void }[] = [];
  const held: (() => void)[] = [];
  let hold = true;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as NotificationInput);
      for (const w of waiting.filter((w) => bodies.length >= w.count)) w.resolve();
      const answer = () => res.writeHead(204).end();
      if (hold) held.push(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    bodies,
    /** Resolves once `count` notifications have arrived. */
    received: (count: number) =>
      new Promise<void>((resolve) => (bodies.length >= count ? resolve() : waiting.push({ count, resolve }))),
    release() {
      hold = false;
      for (const answer of held.splice(0)) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let stack: TimeSkippingStack;
const P = 'P-NOTIFIED';

beforeAll(async () => {
  receiver = await startReceiver();
  stack = await startTimeSkippingStack({ webhookUrl: receiver.url, webhookSecret: 'receiver-secret-0123456789abcdef' });
  await createPartner(stack, P, ['DDPS']);
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

test('STATUS_FORWARDED carries status FORWARDED, the partner and the offering, even when the reservation follows at once', async () => {
  const t0 = await stack.env.currentTimeMs();
  const input = engagementInput(t0);
  const handle = await startEngagement(stack, input);
  // The receiver holds its answer to STATUS_ASSIGNED: the next notifications wait in the outbox
  // while the voucher is forwarded and reserved.
  await receiver.received(1);
  await handle.executeUpdate(u.voucherForwarded, {
    args: [{ partnerId: P, projectManagerEmail: PM_EMAIL, actor: `partner:${P}` }],
  });
  const reserved = await handle.executeUpdate(u.voucherReserved, {
    args: [{ ...reservation(t0), actor: `partner:${P}` }],
  });
  expect(reserved.status).toBe('RESERVED');
  receiver.release();
  await receiver.received(3);

  const byKind = Object.fromEntries(receiver.bodies.map((b) => [b.kind, b]));
  expect(byKind.STATUS_FORWARDED).toMatchObject({
    voucherId: input.voucherId,
    status: 'FORWARDED',
    partnerId: P,
    offering: 'DDPS',
  });
  expect(byKind.STATUS_ASSIGNED).toMatchObject({ voucherId: input.voucherId, status: 'ASSIGNED', offering: 'DDPS' });
  expect(byKind.STATUS_ASSIGNED.partnerId).toBeUndefined();
  expect(byKind.STATUS_RESERVED).toMatchObject({ status: 'RESERVED', partnerId: P, offering: 'DDPS' });
  // Customer personal data stays out of the webhook.
  expect(JSON.stringify(receiver.bodies)).not.toContain(PM_EMAIL);
});
