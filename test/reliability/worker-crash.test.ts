// Worker crashes: the product's worker process is SIGKILLed at random moments, including while
// invoice submissions to SAVB are in flight, and started again each time. Afterwards every
// engagement is where it should be (redeemed ones PAID, the others at the stage they were left),
// none is lost or stuck, and SAVB holds exactly one payment request per redeemed voucher: the
// idempotency key (the voucher ID) makes every re-executed submission land on the same request.
//
// Then SAVB stores a payment request but its response never arrives (acceptThenTimeout): the
// activity times out and retries with the same key, still one request, PAID.
import {
  Engagement,
  activityAttempts,
  FaultTable,
  STARTED,
  ReliabilityStack,
  cancelLeftBehind,
  createPartner,
  drive,
  engagementInput,
  pendingActivities,
  planTargets,
  retryQuery,
  runSeed,
  scaled,
  seededRandom,
  sleep,
  startEngagement,
  startReliabilityStack,
  stateOf,
  until,
  verify,
  visibleCount,
} from '../support/reliability-harness';

jest.setTimeout(scaled(600_000, 3_600_000));

const N = scaled(12, 60);
const KILLS = scaled(4, 10);
const seed = runSeed();
const random = seededRandom(seed);
const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo));

let stack: ReliabilityStack;
const table = new FaultTable('worker-crash');
const PARTNERS = ['P-A', 'P-B', 'P-C'];
const NEWCOMER = 'P-NEW'; // not registered in SAVB: its first invoice waits for registration

beforeAll(async () => {
  // Every SAVB call takes a while, so kills land while submissions and polls are in flight.
  stack = await startReliabilityStack({
    name: 'crash',
    savb: { faults: { latencyMs: 1_500 }, approveAfterMs: 500, payAfterMs: 1_000 },
  });
  for (const p of [...PARTNERS, NEWCOMER]) await createPartner(stack.client, `${stack.run}-${p}`);
  for (const p of PARTNERS) stack.savb.register(`${stack.run}-${p}`, 'DDPS');
});

afterAll(async () => {
  table.print();
  await stack?.stop();
});

test(`${N} engagements at every stage survive ${KILLS} worker SIGKILLs; exactly one payment request per redeemed voucher`, async () => {
  const began = Date.now();
  const targets = planTargets(N);
  const engagements: Engagement[] = [];
  for (const [i, target] of targets.entries()) {
    const voucherId = `${stack.run}-V${String(i).padStart(3, '0')}`;
    const partner = target === 'PAID' && i === targets.length - 1 ? NEWCOMER : PARTNERS[i % PARTNERS.length];
    const input = engagementInput(voucherId, `${stack.run}-AGR${i}`);
    engagements.push({
      voucherId,
      partnerId: `${stack.run}-${partner}`,
      target,
      input,
      handle: await startEngagement(stack.client, input),
      refusals: [],
      retriedSends: 0,
    });
  }

  // Redemptions come in waves, one per kill, so every kill has fresh invoices around it.
  const toPay = engagements.filter((e) => e.target === 'PAID');
  const waveOf = new Map(toPay.map((e, i) => [e.voucherId, i % KILLS]));
  const waveOpen: (() => void)[] = [];
  const waveGates = Array.from({ length: KILLS }, (_, k) => new Promise<void>((resolve) => (waveOpen[k] = resolve)));

  const driving = Promise.all(
    engagements.map((e) =>
      drive(e, {
        pause: () => sleep(between(0, 1_200)),
        beforeRedeem: () => waveGates[waveOf.get(e.voucherId) ?? 0],
      }),
    ),
  );

  // The newcomer registers in SAVB once its invoice was refused (SAVB then knows a redeemed voucher).
  const newcomer = toPay.find((e) => e.partnerId.endsWith(NEWCOMER))!;
  const registration = (async () => {
    await until(
      'the newcomer to wait for SAVB registration',
      () => retryQuery(newcomer.handle),
      (s) => s.status === 'AWAITING_SAVB_REGISTRATION' || s.status === 'PAID',
      { timeoutMs: 400_000, intervalMs: 500 },
    );
    const res = await fetch(`${stack.savb.url}/registrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ partnerId: newcomer.partnerId, offering: 'DDPS' }),
    });
    expect([200, 201]).toContain(res.status);
  })();

  /**
   * Submissions in flight right now: submitInvoice activities started by the running worker process
   * (an attempt of a killed worker stays STARTED on the server until its time-out; it is not counted).
   */
  const inFlight = async (): Promise<number> => {
    const mine = `${stack.worker.pid}@`;
    const counts = await Promise.all(
      toPay.map(async (e) => {
        try {
          return (await pendingActivities(e.handle)).filter(
            (a) => a.type === 'submitInvoice' && a.state === STARTED && a.worker?.startsWith(mine),
          ).length;
        } catch {
          return 0;
        }
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  };

  const kills: { at: number; invoicesInFlight: number; trigger: string }[] = [];
  for (let k = 0; k < KILLS; k++) {
    waveOpen[k]();
    let trigger = 'random moment';
    if (k % 2 === 1) {
      // This kill waits for a submission to SAVB in flight (with 1.5 s of SAVB latency, there is one).
      trigger = 'invoice submission in flight';
      // (If none is seen in time the kill happens anyway; the test asserts some kill had one.)
      await until('an invoice submission in flight', inFlight, (n) => n > 0, {
        timeoutMs: 60_000,
        intervalMs: 150,
      }).catch(() => (trigger = 'no submission seen in time'));
    } else {
      await sleep(between(500, 4_000));
    }
    const invoicesInFlight = await inFlight();
    await stack.worker.kill();
    kills.push({ at: Date.now() - began, invoicesInFlight, trigger });
    await sleep(between(200, 2_500)); // down for a moment
    await stack.worker.start();
  }
  await driving;
  await registration;

  const verdict = await verify(stack, engagements, { timeoutMs: 300_000 });
  const engagementCount = await visibleCount(stack.client, `WorkflowType = 'engagementWorkflow'`, N);
  const paidVisible = await visibleCount(
    stack.client,
    `WorkflowType = 'engagementWorkflow' AND EngagementStatus = 'PAID'`,
    toPay.length,
  );
  const stuck = await cancelLeftBehind(engagements);

  const withInFlight = kills.filter((k) => k.invoicesInFlight > 0).length;
  // Submissions Temporal had to run again (a killed worker's attempt timed out): each hit SAVB with the same key.
  const rerun = (await Promise.all(toPay.map((e) => activityAttempts(e.handle, 'submitInvoice'))))
    .flat()
    .filter((a) => a > 1).length;
  table.add({
    suite: 'worker crash',
    fault: `worker SIGKILL ×${KILLS} (SAVB latency 1.5 s)`,
    engagements: N,
    redeemed: verdict.redeemed,
    paid: verdict.paid,
    paymentRequests: verdict.paymentRequests,
    duplicatePayments: verdict.duplicatePayments,
    lost: verdict.lost + (N - engagementCount),
    stuck: stuck.length,
    wrongState: verdict.wrongState,
    injected: `${KILLS} kills, ${withInFlight} with invoices in flight (${kills.map((k) => k.invoicesInFlight).join('/')}), ${rerun} submissions re-run, worker restarts ${stack.worker.startMs
      .slice(1)
      .map((ms) => (ms / 1000).toFixed(1))
      .join('/')} s`,
    durationS: Math.round((Date.now() - began) / 1000),
    seed,
  });
  process.stdout.write(`worker-crash seed ${seed}; kills ${JSON.stringify(kills)}\n`);

  expect(verdict.problems).toEqual([]);
  expect(stuck).toEqual([]);
  expect(engagementCount).toBe(N);
  expect(paidVisible).toBe(toPay.length);
  expect(verdict.paymentRequests).toBe(toPay.length);
  expect(withInFlight).toBeGreaterThan(0);
  expect(stack.worker.kills).toBe(KILLS);
});

test('SAVB stores the request but the response is lost: the retried submission (same key) finds it; one request, PAID', async () => {
  const began = Date.now();
  const M = scaled(4, 20);
  stack.savb.setFaults({ latencyMs: 0, acceptThenTimeout: 1, hangMs: 20_000 });
  const engagements: Engagement[] = [];
  for (let i = 0; i < M; i++) {
    const voucherId = `${stack.run}-LOST${i}`;
    const input = engagementInput(voucherId, `${stack.run}-AGRL${i}`);
    engagements.push({
      voucherId,
      partnerId: `${stack.run}-${PARTNERS[i % PARTNERS.length]}`,
      target: 'PAID',
      input,
      handle: await startEngagement(stack.client, input),
      refusals: [],
      retriedSends: 0,
    });
  }
  await Promise.all(engagements.map((e) => drive(e)));

  // Each request is in SAVB, yet the workflow never heard back: still REDEEMED, no reference number,
  // and the submission activity is on a later attempt (its lost answers timed out).
  await until(
    'every request stored by SAVB and its submission retried',
    async () => {
      const stored = new Set(stack.savb.requests().map((r) => r.voucherId));
      const views = await Promise.all(
        engagements.map(async (e) => ({
          s: await stateOf(e.handle),
          pending: await pendingActivities(e.handle),
          stored: stored.has(e.voucherId),
        })),
      );
      return views;
    },
    (views) =>
      views.every(
        (v) =>
          v.stored &&
          v.s.status === 'REDEEMED' &&
          v.s.invoice?.referenceNumber === undefined &&
          v.pending.some((a) => a.type === 'submitInvoice' && a.attempt >= 2),
      ),
    { timeoutMs: 120_000, intervalMs: 500 },
  );
  const lostResponses = engagements.length; // at least one lost answer each (attempt ≥ 2 seen)
  stack.savb.setFaults({ acceptThenTimeout: 0 });

  const verdict = await verify(stack, engagements, { timeoutMs: 120_000 });
  table.add({
    suite: 'worker crash',
    fault: 'SAVB accepts, response lost (acceptThenTimeout 1, client timeout 3 s)',
    engagements: M,
    redeemed: verdict.redeemed,
    paid: verdict.paid,
    paymentRequests: verdict.paymentRequests,
    duplicatePayments: verdict.duplicatePayments,
    lost: verdict.lost,
    stuck: 0,
    wrongState: verdict.wrongState,
    injected: `≥${lostResponses} lost responses (each submission retried at least once with the same key)`,
    durationS: Math.round((Date.now() - began) / 1000),
    seed,
  });
  expect(verdict.problems).toEqual([]);
  expect(verdict.paymentRequests).toBe(M);
  for (const e of engagements) {
    const s = await stateOf(e.handle);
    expect(s.invoice?.attempts).toBe(1); // the workflow made one submission; Temporal retried the activity
  }
});
