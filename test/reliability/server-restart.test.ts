// Temporal server restarts: the dev server is SIGKILLed mid-flight (engagements at every stage,
// messages being sent, invoices being submitted and polled) and started again on the same SQLite
// file and port. The worker process is left alone: it must reconnect by itself and carry on. Every
// engagement reaches its end state, none lost, one payment request per redeemed voucher.
import {
  Engagement,
  FaultTable,
  ReliabilityStack,
  cancelLeftBehind,
  createPartner,
  drive,
  engagementInput,
  pendingActivities,
  planTargets,
  runSeed,
  scaled,
  seededRandom,
  sleep,
  startEngagement,
  startReliabilityStack,
  until,
  verify,
  visibleCount,
} from '../support/reliability-harness';

jest.setTimeout(scaled(600_000, 3_600_000));

const N = scaled(12, 50);
const RESTARTS = scaled(3, 8);
const seed = runSeed();
const random = seededRandom(seed);
const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo));

let stack: ReliabilityStack;
const table = new FaultTable('server-restart');
const PARTNERS = ['P-A', 'P-B'];

beforeAll(async () => {
  stack = await startReliabilityStack({
    name: 'restart',
    savb: { faults: { latencyMs: 800 }, approveAfterMs: 1_000, payAfterMs: 2_500 },
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

test(`${N} engagements at every stage survive ${RESTARTS} SIGKILLs of the Temporal server; the worker reconnects by itself`, async () => {
  const began = Date.now();
  const engagements: Engagement[] = [];
  for (const [i, target] of planTargets(N).entries()) {
    const voucherId = `${stack.run}-V${String(i).padStart(3, '0')}`;
    const input = engagementInput(voucherId, `${stack.run}-AGR${i}`);
    engagements.push({
      voucherId,
      partnerId: `${stack.run}-${PARTNERS[i % PARTNERS.length]}`,
      target,
      input,
      handle: await startEngagement(stack.client, input),
      refusals: [],
      retriedSends: 0,
    });
  }
  const toPay = engagements.filter((e) => e.target === 'PAID');
  const waveOf = new Map(toPay.map((e, i) => [e.voucherId, i % RESTARTS]));
  const waveOpen: (() => void)[] = [];
  const waveGates = Array.from({ length: RESTARTS }, (_, k) => new Promise<void>((resolve) => (waveOpen[k] = resolve)));
  const driving = Promise.all(
    engagements.map((e) =>
      drive(e, { pause: () => sleep(between(0, 1_000)), beforeRedeem: () => waveGates[waveOf.get(e.voucherId) ?? 0] }),
    ),
  );

  const savbInFlight = async (): Promise<number> => {
    const counts = await Promise.all(
      toPay.map(async (e) => {
        try {
          return (await pendingActivities(e.handle)).filter(
            (a) => a.type === 'submitInvoice' || a.type === 'getPaymentStatus',
          ).length;
        } catch {
          return 0;
        }
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  };

  const workerPid = stack.worker.pid;
  const restarts: { at: number; savbActivitiesPending: number; downMs: number; workerReconnectedMs: number }[] = [];
  let workerRestarts = 0;
  for (let k = 0; k < RESTARTS; k++) {
    waveOpen[k]();
    // Kill while SAVB work is pending (a submission or a payment poll) or, every other time, at a random moment.
    if (k % 2 === 0)
      await until('SAVB activities pending', savbInFlight, (n) => n > 0, { timeoutMs: 120_000, intervalMs: 150 });
    else await sleep(between(500, 3_000));
    const pending = await savbInFlight();
    await stack.server.kill();
    const killedAt = Date.now();
    await sleep(between(1_000, 4_000));
    await stack.server.start();
    const downMs = Date.now() - killedAt;
    // The same worker process polls again, without being touched.
    let reconnectedMs = -1;
    try {
      await until(
        'the worker polling again',
        () => stack.worker.polling(),
        (ok) => ok,
        { timeoutMs: 90_000, intervalMs: 250 },
      );
      reconnectedMs = Date.now() - killedAt - downMs;
    } catch {
      // reported below; restart it so the run can still tell whether anything was lost
      await stack.worker.kill();
      await stack.worker.start();
      workerRestarts += 1;
    }
    restarts.push({ at: killedAt - began, savbActivitiesPending: pending, downMs, workerReconnectedMs: reconnectedMs });
  }
  await driving;

  const verdict = await verify(stack, engagements, { timeoutMs: 300_000 });
  const engagementCount = await visibleCount(stack.client, `WorkflowType = 'engagementWorkflow'`, N);
  const stuck = await cancelLeftBehind(engagements);
  const retriedSends = engagements.reduce((a, e) => a + e.retriedSends, 0);

  table.add({
    suite: 'server restart',
    fault: `Temporal dev server SIGKILL ×${RESTARTS}, restarted on the same SQLite file (SAVB latency 0.8 s)`,
    engagements: N,
    redeemed: verdict.redeemed,
    paid: verdict.paid,
    paymentRequests: verdict.paymentRequests,
    duplicatePayments: verdict.duplicatePayments,
    lost: verdict.lost + (N - engagementCount),
    stuck: stuck.length,
    wrongState: verdict.wrongState,
    injected: `${RESTARTS} server kills, down ${restarts.map((r) => (r.downMs / 1000).toFixed(1)).join('/')} s, SAVB activities pending ${restarts.map((r) => r.savbActivitiesPending).join('/')}, worker back polling after ${restarts.map((r) => (r.workerReconnectedMs / 1000).toFixed(1)).join('/')} s, ${retriedSends} updates resent, worker restarts needed: ${workerRestarts}`,
    durationS: Math.round((Date.now() - began) / 1000),
    seed,
  });
  process.stdout.write(`server-restart seed ${seed}; restarts ${JSON.stringify(restarts)}\n`);

  expect(verdict.problems).toEqual([]);
  expect(stuck).toEqual([]);
  expect(engagementCount).toBe(N);
  expect(verdict.paymentRequests).toBe(toPay.length);
  expect(workerRestarts).toBe(0);
  expect(stack.worker.pid).toBe(workerPid);
  expect(stack.server.kills).toBe(RESTARTS);
});
