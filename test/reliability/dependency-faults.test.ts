// SAVB outage and misbehaviour, and a partner registry that cannot answer.
//   - SAVB fails half its requests (errorRate 0.5) with latency: invoices still end PAID, once each;
//   - SAVB answers slower than the client waits (latency above SAVB_TIMEOUT_MS) but does the work:
//     the retried submission finds the stored request (same key);
//   - SAVB is down for a stretch: while it is, the engagements show where they wait (REDEEMED with no
//     reference number, or INVOICE_SUBMITTED) and Temporal shows the failing attempts; once it is
//     back, all are PAID, once each;
//   - a partner entity that cannot answer an eligibility check: the forwarding is refused as
//     DEPENDENCY_UNAVAILABLE (as an update) or recorded as rejected (as a signal), the engagement keeps
//     running, and a later forwarding to a sound partner walks it to PAID.
import { TASK_QUEUE, partnerWorkflowId } from '../../workflows/messages';
import {
  Engagement,
  FaultTable,
  PM_EMAIL,
  ReliabilityStack,
  createPartner,
  drive,
  engagementInput,
  pendingActivities,
  runSeed,
  scaled,
  seededRandom,
  sendSignal,
  sendUpdate,
  sleep,
  startEngagement,
  startReliabilityStack,
  stateOf,
  until,
  verify,
} from '../support/reliability-harness';

jest.setTimeout(scaled(600_000, 3_600_000));

const seed = runSeed();
const prng = seededRandom(seed);
let stack: ReliabilityStack;
const table = new FaultTable('dependency-faults');
const PARTNERS = ['P-A', 'P-B'];
/** 503s the simulator answered because of errorRate (counted from its random draws). */
let injected503 = 0;

beforeAll(async () => {
  stack = await startReliabilityStack({
    name: 'deps',
    savb: {
      random: () => {
        const value = prng();
        if (stack && value < stack.savb.faults().errorRate) injected503 += 1;
        return value;
      },
    },
  });
  for (const p of PARTNERS) {
    await createPartner(stack.client, `${stack.run}-${p}`);
    stack.savb.register(`${stack.run}-${p}`, 'DDPS');
  }
});

afterAll(async () => {
  table.print();
  await stack?.stop();
});

let serial = 0;
async function newEngagements(count: number, tag: string): Promise<Engagement[]> {
  const list: Engagement[] = [];
  for (let i = 0; i < count; i++) {
    serial += 1;
    const voucherId = `${stack.run}-${tag}${serial}`;
    const input = engagementInput(voucherId, `${stack.run}-AGR${serial}`);
    list.push({
      voucherId,
      partnerId: `${stack.run}-${PARTNERS[i % PARTNERS.length]}`,
      target: 'PAID',
      input,
      handle: await startEngagement(stack.client, input),
      refusals: [],
      retriedSends: 0,
    });
  }
  return list;
}

const redeemedAll = (list: Engagement[]) =>
  Promise.all(list.map((e) => drive(e, { pause: () => sleep(Math.floor(prng() * 500)) })));

test('SAVB fails half its requests, with latency: every invoice PAID, one payment request each', async () => {
  const began = Date.now();
  const N = scaled(8, 40);
  // Half of SAVB's answers are 503 while the vouchers are redeemed and for a window after; then the
  // error rate drops so the activities' backoff (which doubles per failure) ends in bounded time.
  const WINDOW_MS = scaled(20_000, 120_000);
  const before503 = injected503;
  stack.savb.setFaults({ errorRate: 0.5, latencyMs: 300 });
  const list = await newEngagements(N, 'ERR');
  await redeemedAll(list);
  await until(
    'all PAID or the error window over',
    () => Promise.all(list.map((e) => stateOf(e.handle))),
    (states) => states.every((s) => s.status === 'PAID'),
    {
      timeoutMs: WINDOW_MS,
      intervalMs: 500,
    },
  ).catch(() => undefined);
  const during = injected503 - before503;
  stack.savb.setFaults({ errorRate: 0, latencyMs: 0 });

  const verdict = await verify(stack, list, { timeoutMs: 240_000 });
  table.add({
    suite: 'SAVB faults',
    fault: `errorRate 0.5 + latency 300 ms (for ${WINDOW_MS / 1000} s after redemption)`,
    engagements: N,
    redeemed: verdict.redeemed,
    paid: verdict.paid,
    paymentRequests: verdict.paymentRequests,
    duplicatePayments: verdict.duplicatePayments,
    lost: verdict.lost,
    stuck: 0,
    wrongState: verdict.wrongState,
    injected: `${during} SAVB 503s`,
    durationS: Math.round((Date.now() - began) / 1000),
    seed,
  });
  expect(verdict.problems).toEqual([]);
  expect(verdict.paymentRequests).toBe(N);
  expect(during).toBeGreaterThan(0);
});

test('SAVB slower than the client waits (latency 4 s, client timeout 3 s): every submission times out, the retry (same key) lands once', async () => {
  const began = Date.now();
  const N = scaled(3, 15);
  stack.savb.setFaults({ latencyMs: 4_000 });
  const list = await newEngagements(N, 'SLOW');
  await redeemedAll(list);
  // Every submission timed out at least once on the client side (the simulator drops a request whose
  // caller hung up during its latency, so usually nothing is stored yet; if it were, the key finds it).
  const views = await until(
    'every submission to have timed out at least once',
    () =>
      Promise.all(list.map(async (e) => ({ s: await stateOf(e.handle), pending: await pendingActivities(e.handle) }))),
    (vs) =>
      vs.every((v) => v.s.status === 'REDEEMED' && v.pending.some((a) => a.type === 'submitInvoice' && a.attempt >= 2)),
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  expect(views.every((v) => v.s.invoice?.referenceNumber === undefined)).toBe(true);
  const storedUnknown = list.filter((e) => stack.savb.requests().some((r) => r.voucherId === e.voucherId)).length;
  stack.savb.setFaults({ latencyMs: 0 });

  const verdict = await verify(stack, list, { timeoutMs: 120_000 });
  table.add({
    suite: 'SAVB faults',
    fault: 'latency 4 s above the 3 s client timeout',
    engagements: N,
    redeemed: verdict.redeemed,
    paid: verdict.paid,
    paymentRequests: verdict.paymentRequests,
    duplicatePayments: verdict.duplicatePayments,
    lost: verdict.lost,
    stuck: 0,
    wrongState: verdict.wrongState,
    injected: `${N} submissions timed out (≥1 each), ${storedUnknown} stored by SAVB before the workflow knew`,
    durationS: Math.round((Date.now() - began) / 1000),
    seed,
  });
  expect(verdict.problems).toEqual([]);
  expect(verdict.paymentRequests).toBe(N);
});

test('SAVB down for a stretch: engagements show they wait, then recover to PAID once each', async () => {
  const began = Date.now();
  const N = scaled(3, 15);
  // Some invoices are submitted and waiting for payment when SAVB goes down ...
  const res = await fetch(`${stack.savb.url}/_admin/timing`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ approveAfterMs: 500, payAfterMs: 6_000 }),
  });
  expect(res.status).toBe(200);
  const polling = await newEngagements(N, 'POLL');
  await redeemedAll(polling);
  await until(
    'invoices submitted',
    () => Promise.all(polling.map((e) => stateOf(e.handle))),
    (ss) => ss.every((s) => s.status === 'INVOICE_SUBMITTED'),
    { timeoutMs: 60_000, intervalMs: 300 },
  );

  // ... and others are redeemed while it is down.
  stack.savb.setFaults({ down: true });
  const downAt = Date.now();
  const submitting = await newEngagements(N, 'DOWN');
  await redeemedAll(submitting);

  // What an operator sees while SAVB is down: the engagement's status and Temporal's failing attempts.
  // (SAVB stays down at least DOWN_MS: a fault's length, not a synchronisation.)
  const DOWN_MS = scaled(15_000, 120_000);
  const seen = await until(
    'the engagements waiting on SAVB, with failed attempts',
    async () => ({
      polling: await Promise.all(
        polling.map(async (e) => ({ s: await stateOf(e.handle), pending: await pendingActivities(e.handle) })),
      ),
      submitting: await Promise.all(
        submitting.map(async (e) => ({ s: await stateOf(e.handle), pending: await pendingActivities(e.handle) })),
      ),
    }),
    (v) =>
      v.polling.every(
        (x) =>
          x.s.status === 'INVOICE_SUBMITTED' &&
          x.pending.some((a) => a.type === 'getPaymentStatus' && a.attempt >= 3 && /503/.test(a.lastFailure ?? '')),
      ) &&
      v.submitting.every(
        (x) =>
          x.s.status === 'REDEEMED' &&
          x.s.invoice?.referenceNumber === undefined &&
          x.pending.some((a) => a.type === 'submitInvoice' && a.attempt >= 3 && /503/.test(a.lastFailure ?? '')),
      ),
    { timeoutMs: 90_000, intervalMs: 500 },
  );
  await sleep(Math.max(0, DOWN_MS - (Date.now() - downAt)));
  expect(seen.submitting[0].pending.find((a) => a.type === 'submitInvoice')?.lastFailure).toMatch(/SAVB answered 503/);
  const downMs = Date.now() - downAt;
  // The attempts Temporal made while SAVB was down, just before it comes back.
  const attempts = await Promise.all(
    [...polling, ...submitting].map(async (e) =>
      Math.max(
        0,
        ...(await pendingActivities(e.handle))
          .filter((a) => a.type === 'submitInvoice' || a.type === 'getPaymentStatus')
          .map((a) => a.attempt),
      ),
    ),
  );
  stack.savb.setFaults({ down: false });
  await fetch(`${stack.savb.url}/_admin/timing`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ approveAfterMs: 300, payAfterMs: 600 }),
  });

  const all = [...polling, ...submitting];
  const verdict = await verify(stack, all, { timeoutMs: 180_000 });
  table.add({
    suite: 'SAVB faults',
    fault: `SAVB down ${(downMs / 1000).toFixed(0)} s (${N} invoices being polled, ${N} being submitted)`,
    engagements: all.length,
    redeemed: verdict.redeemed,
    paid: verdict.paid,
    paymentRequests: verdict.paymentRequests,
    duplicatePayments: verdict.duplicatePayments,
    lost: verdict.lost,
    stuck: 0,
    wrongState: verdict.wrongState,
    injected: `every SAVB call 503 for ${(downMs / 1000).toFixed(0)} s; attempts seen while down ${attempts.join('/')}`,
    durationS: Math.round((Date.now() - began) / 1000),
    seed,
  });
  expect(verdict.problems).toEqual([]);
  expect(verdict.paymentRequests).toBe(all.length);
});

test('a partner entity that cannot answer: forwarding refused as DEPENDENCY_UNAVAILABLE (update) or recorded (signal); the engagement lives on to PAID', async () => {
  const began = Date.now();
  // A workflow that is not a partner entity holds the partner's workflow ID: every eligibility
  // query fails (no such query handler), so the eligibility activity exhausts its retries.
  const broken = `${stack.run}-BROKEN`;
  const impostor = await stack.client.workflow.start('customerAgreementWorkflow', {
    taskQueue: TASK_QUEUE,
    workflowId: partnerWorkflowId(broken),
    args: [{ agreementNumber: 'IMPOSTOR' }],
  });
  const [viaUpdate, viaSignal] = await newEngagements(2, 'BRK');

  // The same forwarding as an update and as a signal, at once (each waits out the activity's retries).
  const [refused] = await Promise.all([
    sendUpdate(viaUpdate.handle, 'voucherForwarded', {
      partnerId: broken,
      projectManagerEmail: PM_EMAIL,
      actor: 'operator',
    }),
    sendSignal(viaSignal.handle, 'voucherForwarded', {
      partnerId: broken,
      projectManagerEmail: PM_EMAIL,
      actor: 'operator',
    }),
  ]);
  expect(refused).toMatchObject({ accepted: false, type: 'DependencyUnavailable', codes: ['DEPENDENCY_UNAVAILABLE'] });
  const afterSignal = await until(
    'the signal to be recorded as rejected',
    () => stateOf(viaSignal.handle),
    (s) => s.history.some((h) => h.event === 'voucherForwarded' && !h.accepted),
    { timeoutMs: 90_000, intervalMs: 500 },
  );
  const rejected = afterSignal.history.find((h) => h.event === 'voucherForwarded' && !h.accepted)!;
  expect(rejected).toMatchObject({
    via: 'signal',
    refusals: [expect.objectContaining({ kind: 'UNAVAILABLE', code: 'DEPENDENCY_UNAVAILABLE' })],
  });
  for (const e of [viaUpdate, viaSignal]) {
    expect((await e.handle.describe()).status.name).toBe('RUNNING');
    expect((await stateOf(e.handle)).status).toBe('ASSIGNED');
  }
  await impostor.terminate('reliability test over');

  // Both engagements carry on with a sound partner.
  await redeemedAll([viaUpdate, viaSignal]);
  const verdict = await verify(stack, [viaUpdate, viaSignal], { timeoutMs: 120_000 });
  table.add({
    suite: 'dependency faults',
    fault: 'partner entity cannot answer eligibility (activity retries exhausted), as update and as signal',
    engagements: 2,
    redeemed: verdict.redeemed,
    paid: verdict.paid,
    paymentRequests: verdict.paymentRequests,
    duplicatePayments: verdict.duplicatePayments,
    lost: verdict.lost,
    stuck: 0,
    wrongState: verdict.wrongState,
    injected: '2 forwardings whose eligibility activity failed 5 attempts',
    durationS: Math.round((Date.now() - began) / 1000),
    seed,
  });
  expect(verdict.problems).toEqual([]);
});
