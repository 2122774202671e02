// Bounded histories on the time-skipping server: an engagement waiting a long time in its invoice
// phase (a partner that never registers in SAVB, a SAVB outage while a payment is followed) starts
// new runs carrying its state, and still ends PAID.
import type { WorkflowHandle } from '@temporalio/client';
import type { EngagementState } from '../domain/engagement';
import { ENGAGEMENT_HISTORY_EVENTS_LIMIT } from '../workflows/engagement/continue-as-new';
import { engagementUpdates as u } from '../workflows/messages';
import {
  PM_EMAIL,
  createPartner,
  engagementInput,
  report,
  reservation,
  settle,
  startEngagement,
  startTimeSkippingStack,
  stateOf,
  type TimeSkippingStack,
} from './support/time-skipping';

/** The most events one run may hold: the engagement's limit plus one wait's worth (it checks between waits). */
const RUN_EVENTS_BOUND = ENGAGEMENT_HISTORY_EVENTS_LIMIT + 100;

let stack: TimeSkippingStack;
const as = (partnerId: string) => ({ actor: `partner:${partnerId}` as const });

beforeAll(async () => {
  stack = await startTimeSkippingStack();
});

afterAll(async () => {
  await stack?.stop();
});

async function redeemedEngagement(partner: string, interval: string): Promise<WorkflowHandle> {
  await createPartner(stack, partner, ['DDPS']);
  const t0 = await stack.env.currentTimeMs();
  const input = engagementInput(t0, {
    settings: { savbPollInterval: interval, registrationRetryInterval: interval, searchAttributes: false },
  });
  const handle = await startEngagement(stack, input);
  await handle.executeUpdate(u.voucherForwarded, {
    args: [{ partnerId: partner, projectManagerEmail: PM_EMAIL, ...as(partner) }],
  });
  const res = reservation(t0);
  await handle.executeUpdate(u.voucherReserved, { args: [{ ...res, ...as(partner) }] });
  await stack.env.sleep('14 days');
  await handle.executeUpdate(u.completionReportSubmitted, { args: [{ ...report(res, input.days), ...as(partner) }] });
  await handle.executeUpdate(u.voucherRedeemed, { args: [as(partner)] });
  return handle;
}

/** One run's number of events, and the run it continued as, if it did. */
async function runOf(workflowId: string, runId: string): Promise<{ events: number; next?: string }> {
  const history = await stack.client.workflow.getHandle(workflowId, runId).fetchHistory();
  const events = history.events ?? [];
  const next = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  return { events: events.length, next: next ?? undefined };
}

/** Every run of the engagement, first to current, with its number of history events. */
async function runsOf(handle: WorkflowHandle, firstRunId: string): Promise<{ runId: string; events: number }[]> {
  const runs: { runId: string; events: number }[] = [];
  for (let runId: string | undefined = firstRunId; runId !== undefined;) {
    const run = await runOf(handle.workflowId, runId);
    runs.push({ runId, events: run.events });
    runId = run.next;
  }
  return runs;
}

/** Moves workflow time a step at a time until the state satisfies `done` (bounded). */
async function advanceUntil(
  handle: WorkflowHandle,
  done: (s: EngagementState) => boolean,
  step: string,
  maxSteps: number,
): Promise<EngagementState> {
  for (let i = 0; i < maxSteps; i++) {
    const state = await stateOf(handle);
    if (done(state)) return state;
    await stack.env.sleep(step as never);
  }
  throw new Error(`not reached after ${maxSteps} steps of ${step}: ${JSON.stringify((await stateOf(handle)).invoice)}`);
}

test(`a thousand SAVB registration re-tries keep every run under ${RUN_EVENTS_BOUND} events, and registration still leads to PAID`, async () => {
  const partner = 'P-NEVER-REGISTERS-CAN';
  const handle = await redeemedEngagement(partner, '1 hour');
  const { runId: firstRunId } = await handle.describe();
  const before = await settle(stack, handle, 'AWAITING_SAVB_REGISTRATION', '1 minute');

  // One re-try an hour: a thousand fit well inside the 60-day window.
  const waiting = await advanceUntil(handle, (s) => (s.invoice?.attempts ?? 0) >= 1_000, '1 day', 55);
  expect(waiting.status).toBe('AWAITING_SAVB_REGISTRATION');
  const runs = await runsOf(handle, firstRunId);
  expect(runs.length).toBeGreaterThan(5);
  for (const run of runs) expect(run.events).toBeLessThan(RUN_EVENTS_BOUND);
  expect((await handle.describe()).runId).toBe(runs.at(-1)!.runId);
  // The state query answers the same engagement: everything before the first re-try is still there,
  // and the re-tries are counted, not listed one by one.
  expect(waiting.history.slice(0, before.history.length)).toEqual(before.history);
  expect(waiting.notifications.slice(0, before.notifications.length)).toEqual(before.notifications);
  expect(waiting.history.filter((e) => e.event === 'invoiceRefused')).toHaveLength(1);
  expect(waiting.invoice?.lastRefusal?.code).toBe('PARTNER_NOT_REGISTERED');

  // The partner registers and asks for a retry: the current run takes the update and is paid.
  stack.savb.register(partner, 'DDPS');
  await handle.executeUpdate(u.invoiceRetryRequested, { args: [as(partner)] });
  const paid = await settle(stack, handle, 'PAID', '1 hour');
  expect((await handle.result()).status).toBe('PAID');
  expect(paid.invoice?.attempts).toBeGreaterThan(1_000);
  expect(stack.savb.requests().filter((r) => r.voucherId === paid.voucherId)).toHaveLength(1);
});

test('a payment followed through a three-month SAVB outage continues as new and is paid when SAVB is back', async () => {
  const partner = 'P-FOLLOWED-CAN';
  stack.savb.register(partner, 'DDPS');
  // SAVB approves at once and pays a few wall-clock seconds later; the workflow's polls meanwhile fail.
  stack.savb.setFaults({ down: false });
  await fetch(`${stack.savb.url}/_admin/timing`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ approveAfterMs: 0, payAfterMs: 2_000 }),
  });
  try {
    const handle = await redeemedEngagement(partner, '1 hour');
    const { runId: firstRunId } = await handle.describe();
    await settle(stack, handle, 'INVOICE_SUBMITTED', '1 minute');
    stack.savb.setFaults({ down: true });
    let runs = await runsOf(handle, firstRunId);
    for (let day = 0; runs.length < 2 && day < 200; day += 10) {
      await stack.env.sleep('10 days');
      runs = await runsOf(handle, firstRunId);
    }
    expect(runs.length).toBeGreaterThanOrEqual(2);
    for (const run of runs) expect(run.events).toBeLessThan(RUN_EVENTS_BOUND);
    const during = await stateOf(handle);
    expect(during.status).toBe('INVOICE_SUBMITTED');
    expect(during.invoice?.lastPollError?.message).toContain('503');

    stack.savb.setFaults({ down: false });
    const paid = await settle(stack, handle, 'PAID', '6 hours');
    expect((await handle.result()).status).toBe('PAID');
    expect(paid.invoice?.referenceNumber).toBe(during.invoice?.referenceNumber);
    // Continuing as new is no failure of the request: nothing was submitted again.
    expect(paid.history.filter((e) => e.event === 'invoiceSubmissionFailed')).toHaveLength(0);
    expect(paid.invoice?.attempts).toBe(1);
    expect(stack.savb.requests().filter((r) => r.voucherId === paid.voucherId)).toHaveLength(1);
  } finally {
    stack.savb.setFaults({ down: false });
    await fetch(`${stack.savb.url}/_admin/timing`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ approveAfterMs: 0, payAfterMs: 0 }),
    });
  }
});
