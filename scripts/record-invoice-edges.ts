// The invoice phase's edges for scripts/record-histories.ts: a payment followed through a SAVB outage
// (poll errors, continue-as-new while following), registration re-tries across runs (continue-as-new
// while submitting, quiet repeats, the interval floor), and reminders after a denial.
import type { WorkflowHandle } from '@temporalio/client';
import type { EngagementSettings } from '../domain/engagement';
import { CURRENT_CHANGE_LEVEL } from '../workflows/engagement/change-level';
import { engagementUpdates as u } from '../workflows/messages';
import {
  PM_EMAIL,
  createPartner,
  engagementInput,
  keepEnrolled,
  report,
  reservation,
  settle,
  startEngagement,
  type TimeSkippingStack,
} from '../test/support/time-skipping';

export interface RecordedRuns {
  workflowId: string;
  /** The runs worth keeping, by their number (1 = the first run). */
  runs: { number: number; runId: string }[];
}

/** The first runs (the first continues as new, the next resumes) and the last (which ends). */
function kept(runIds: string[], first: number): { number: number; runId: string }[] {
  const all = runIds.map((runId, i) => ({ number: i + 1, runId }));
  return all.length <= first + 1 ? all : [...all.slice(0, first), all[all.length - 1]];
}

/** Short runs, so the recorded files stay small: each continues as new after about 60 events. */
const SHORT_RUNS: EngagementSettings = {
  searchAttributes: false,
  continueAsNewAfterEvents: 60,
  changeLevel: CURRENT_CHANGE_LEVEL,
};

async function savbTiming(stack: TimeSkippingStack, approveAfterMs: number, payAfterMs: number): Promise<void> {
  await fetch(`${stack.savb.url}/_admin/timing`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ approveAfterMs, payAfterMs }),
  });
}

async function redeemed(
  stack: TimeSkippingStack,
  partner: string,
  voucherId: string,
  settings: EngagementSettings,
): Promise<WorkflowHandle> {
  const actor = `partner:${partner}` as const;
  const t0 = await stack.env.currentTimeMs();
  await keepEnrolled(stack, partner);
  const input = engagementInput(t0, { voucherId, settings });
  const h = await startEngagement(stack, input);
  await h.executeUpdate(u.voucherForwarded, { args: [{ partnerId: partner, projectManagerEmail: PM_EMAIL, actor }] });
  const res = reservation(t0);
  await h.executeUpdate(u.voucherReserved, { args: [{ ...res, actor }] });
  await stack.env.sleep('14 days');
  await h.executeUpdate(u.completionReportSubmitted, { args: [{ ...report(res), actor }] });
  await h.executeUpdate(u.voucherRedeemed, { args: [{ actor }] });
  return h;
}

async function nextRunId(stack: TimeSkippingStack, workflowId: string, runId: string): Promise<string | undefined> {
  const history = await stack.client.workflow.getHandle(workflowId, runId).fetchHistory();
  return history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
}

async function runIdsOf(stack: TimeSkippingStack, h: WorkflowHandle, firstRunId: string): Promise<string[]> {
  const ids: string[] = [];
  for (
    let runId: string | undefined = firstRunId;
    runId !== undefined;
    runId = await nextRunId(stack, h.workflowId, runId)
  )
    ids.push(runId);
  return ids;
}

export async function recordInvoiceEdges(
  stack: TimeSkippingStack,
  partner: string,
  suffix: string,
): Promise<Record<string, RecordedRuns>> {
  const out: Record<string, RecordedRuns> = {};
  // 5. Accepted, then SAVB down for hours: polls fail with backoff, the run continues as new, then paid.
  {
    stack.savb.register(partner, 'DDPS');
    // Paid (by SAVB's clock) before SAVB is back, so the first poll that succeeds sees PAID.
    await savbTiming(stack, 0, 200);
    const h = await redeemed(stack, partner, `HIST-OUTAGE-${suffix}`, { ...SHORT_RUNS, savbPollInterval: '1 hour' });
    const { runId } = await h.describe();
    await settle(stack, h, 'INVOICE_SUBMITTED', '1 minute');
    stack.savb.setFaults({ down: true });
    await stack.env.sleep('12 hours');
    stack.savb.setFaults({ down: false });
    await settle(stack, h, 'PAID', '6 hours');
    await h.result();
    await savbTiming(stack, 0, 0);
    // The first run continues as new at its first poll; the polls fail in the second.
    const runs = kept(await runIdsOf(stack, h, runId), 2);
    out['paid-after-outage'] = { workflowId: h.workflowId, runs };
  }
  // 6. A partner registered only after re-tries across runs (an interval under the floor, raised to 1 s).
  {
    const late = `${partner}-LATE`;
    await createPartner(stack, late, ['DDPS']);
    const h = await redeemed(stack, late, `HIST-REGISTRATION-${suffix}`, {
      ...SHORT_RUNS,
      registrationRetryInterval: 500,
    });
    const { runId } = await h.describe();
    await settle(stack, h, 'AWAITING_SAVB_REGISTRATION', '1 second');
    await stack.env.sleep('20 seconds');
    stack.savb.register(late, 'DDPS');
    await h.executeUpdate(u.invoiceRetryRequested, { args: [{ actor: `partner:${late}` }] });
    await settle(stack, h, 'PAID', '1 minute');
    await h.result();
    const runs = kept(await runIdsOf(stack, h, runId), 1);
    out['paid-registration-runs'] = { workflowId: h.workflowId, runs };
  }
  // 7. Denied by SAVB and never retried: reminded 14 and 3 days before the window closes.
  {
    const voucherId = `HIST-DENIED-${suffix}`;
    stack.savb.deny(voucherId, 'completion report not signed');
    // No change level: recorded through patched(), as an engagement an operator starts by hand.
    const h = await redeemed(stack, partner, voucherId, { searchAttributes: false });
    const { runId } = await h.describe();
    await settle(stack, h, 'INVOICE_DENIED', '1 minute');
    await stack.env.sleep('60 days');
    await h.result();
    out['denied-reminded'] = { workflowId: h.workflowId, runs: [{ number: 1, runId }] };
  }
  return out;
}
