// The invoice phase after redemption: submit the SAVB payment request, wait for the partner's SAVB
// registration or a fixed retry, follow the accepted request until SAVB pays or denies it. New
// requests are made only inside the 60-day invoice window; an accepted one is followed to its end.
import { ApplicationFailure, ContinueAsNew, isCancellation, log } from '@temporalio/workflow';
import type { InvoiceSubmitted } from '../../activities/types';
import { SAVB_PARTNER_NOT_REGISTERED, SAVB_REFUSAL } from '../../activities/types';
import { toIso } from '../../domain/dates';
import type { EngagementEvent, InvoiceProgress, InvoiceState } from '../../domain/engagement';
import { ruleRefusal } from '../../domain/refusals';
import { invoiceDueAtMs, invoiceIdempotencyKey } from '../../domain/rules/invoice';
import { savb } from './activities';
import { continueAsNewIfLong } from './continue-as-new';
import { pollPayment, type FollowedRequest } from './payment-poll';
import type { EngagementRun, EventDetail } from './run';
import { invoiceReminders, remindWhileUnaccepted, waitUntil } from './timers';

/** Where one invoice attempt leaves the phase. */
type Next = 'again' | 'done';

/** The invoice phase's progress: what a continued-as-new run resumes with, plus the window's end. */
interface InvoiceWindow extends InvoiceProgress {
  dueAtMs: number;
}

const FIRST_ATTEMPT: InvoiceProgress = {
  deniedRequests: 0,
  remindersHandled: 0,
  retryRequested: false,
  phase: 'submitting',
  pollFailures: 0,
};

/** Runs the phase from its start, or from where a previous run (continued as new) stopped. */
export async function invoicePhase(run: EngagementRun, resumed?: InvoiceProgress): Promise<void> {
  const redeemedAtMs = Date.parse(run.state.redeemedAt!);
  const window: InvoiceWindow = { ...(resumed ?? FIRST_ATTEMPT), dueAtMs: invoiceDueAtMs(redeemedAtMs) };
  let over = false;
  // A resumed run is new code: it never needs the older reminder rule.
  const reminders =
    resumed || run.hasChange('invoice-reminders-after-denial')
      ? remindWhileUnaccepted(run, window, redeemedAtMs, () => over)
      : invoiceReminders(run, window.dueAtMs, redeemedAtMs, window);
  let next: Next = window.phase === 'following' ? await follow(run, window, resumedRequest(run)) : 'again';
  while (next === 'again') {
    await continueAsNewIfLong(run, window);
    next = await invoiceAttempt(run, window);
  }
  over = true;
  await reminders;
}

function resumedRequest(run: EngagementRun): FollowedRequest {
  const inv = run.state.invoice!;
  return { referenceNumber: inv.referenceNumber!, status: inv.savbStatus ?? 'SUBMITTED' };
}

async function invoiceAttempt(run: EngagementRun, window: InvoiceWindow): Promise<Next> {
  if (run.now() >= window.dueAtMs) {
    missWindow(run);
    return 'done';
  }
  const inv = run.state.invoice!;
  inv.attempts += 1;
  inv.idempotencyKey = invoiceIdempotencyKey(run.state.voucherId, window.deniedRequests);
  try {
    const submitted = await submit(run, inv);
    return await follow(run, window, submitted);
  } catch (err) {
    // Continuing as new while following the request is no failure of it.
    if (isCancellation(err) || err instanceof ContinueAsNew) throw err;
    await afterFailedSubmission(run, err as Error, window.dueAtMs);
    return 'again';
  }
}

function missWindow(run: EngagementRun): void {
  run.record('invoiceWindowMissed', 'system', true, { via: 'timer' });
  run.setStatus(
    'INVOICE_WINDOW_MISSED',
    `The 60-day invoice window for voucher ${run.state.voucherId} closed at ${run.state.invoice!.dueAt} without an accepted invoice`,
  );
}

/** Follows an accepted request until SAVB pays or denies it; after a denial, waits for a retry. */
async function follow(run: EngagementRun, window: InvoiceWindow, request: FollowedRequest): Promise<Next> {
  const inv = run.state.invoice!;
  window.phase = 'following';
  const outcome = await pollPayment(run, request, window);
  window.phase = 'submitting';
  if (outcome.status === 'PAID') {
    // SAVB's payment time; histories recorded before (SAVB's answer without it) keep the workflow's.
    inv.paidAt = outcome.paidAt ?? toIso(run.now());
    run.setStatus('PAID', `Invoice ${request.referenceNumber} for voucher ${run.state.voucherId} paid`);
    return 'done';
  }
  window.deniedRequests += 1;
  run.setStatus(
    'INVOICE_DENIED',
    `Invoice ${request.referenceNumber} for voucher ${run.state.voucherId} denied: ${inv.lastRefusal?.message}`,
  );
  // A denied request can be fixed and retried while the window is open; otherwise it stays denied.
  if (!(await waitForRetry(run, window.dueAtMs, window.dueAtMs, 'invoice window (denied; waiting for a retry)')))
    return 'done';
  inv.referenceNumber = undefined;
  return 'again';
}

async function submit(run: EngagementRun, inv: InvoiceState): Promise<InvoiceSubmitted> {
  const { state } = run;
  const r = state.reservation!;
  const submitted = await savb.submitInvoice.executeWithOptions(
    { summary: `SAVB invoice, idempotency key ${inv.idempotencyKey}` },
    [
      {
        voucherId: state.voucherId,
        idempotencyKey: inv.idempotencyKey!,
        partnerId: state.partnerId!,
        offering: state.offering,
        locationId: r.locationId,
        country: r.deliveryCountry,
        days: state.days,
      },
    ],
  );
  Object.assign(inv, {
    referenceNumber: submitted.referenceNumber,
    savbStatus: submitted.status,
    amount: submitted.amount,
    currency: submitted.currency,
  });
  inv.submittedAt ??= toIso(run.now());
  const amount = `${submitted.amount} ${submitted.currency}`;
  run.record('invoiceSubmitted', 'system', true, {
    via: 'activity',
    detail: `${submitted.referenceNumber}: ${amount}`,
  });
  run.setStatus(
    'INVOICE_SUBMITTED',
    `Invoice ${submitted.referenceNumber} for voucher ${state.voucherId} submitted to SAVB: ${amount}`,
  );
  return submitted;
}

/** A refusal by SAVB becomes a status and a wait for a retry; SAVB away for long means another try later. */
async function afterFailedSubmission(run: EngagementRun, err: Error, dueAtMs: number): Promise<void> {
  const failure = (err as { cause?: unknown }).cause;
  if (!(failure instanceof ApplicationFailure && failure.type === SAVB_REFUSAL)) {
    log.warn('invoice submission failed; will retry', { error: err.message });
    recordUnlessRepeated(run, 'invoiceSubmissionFailed', { via: 'activity', detail: err.message }, () => true);
    await waitForRetry(run, run.now() + run.registrationRetryIntervalMs(), dueAtMs, 'SAVB re-try after failure');
    return;
  }
  const { state } = run;
  const inv = state.invoice!;
  const said = (failure.details?.[0] ?? {}) as { code?: string; message?: string };
  const code = said.code ?? 'UNKNOWN';
  const message = said.message ?? failure.message;
  inv.lastRefusal = { code, message, at: toIso(run.now()) };
  const refusals = [ruleRefusal(code, message)];
  recordUnlessRepeated(run, 'invoiceRefused', { via: 'activity', refusals }, (e) => e.refusals?.[0]?.code === code);
  if (code !== SAVB_PARTNER_NOT_REGISTERED) {
    run.setStatus('INVOICE_DENIED', `SAVB refused the invoice for voucher ${state.voucherId}: ${code}`);
    // Nothing was submitted: without a fixed retry before the window closes, the window is missed.
    await waitForRetry(run, dueAtMs, dueAtMs, 'invoice window (refused; waiting for a retry)');
    return;
  }
  if (state.status !== 'AWAITING_SAVB_REGISTRATION') {
    run.setStatus(
      'AWAITING_SAVB_REGISTRATION',
      `Partner ${state.partnerId} must register for ${state.offering} in SAVB; the invoice is retried until ${inv.dueAt}`,
    );
  }
  await waitForRetry(run, run.now() + run.registrationRetryIntervalMs(), dueAtMs, 'SAVB registration re-try');
}

/**
 * Records a failed submission, but not the same failure again right after itself: a partner that
 * never registers would otherwise add an entry per re-try to the state every run carries over
 * (inv.attempts and lastRefusal.at still show each one).
 */
function recordUnlessRepeated(
  run: EngagementRun,
  event: string,
  detail: EventDetail,
  sameFailure: (last: EngagementEvent) => boolean,
): void {
  const last = run.state.history.at(-1);
  const repeated = last !== undefined && last.event === event && sameFailure(last);
  if (repeated && run.hasChange('invoice-quiet-retries')) return;
  run.record(event, 'system', false, detail);
}

/** Waits for a retry request, at most until `untilMs` and never past the window; true when one came. */
async function waitForRetry(run: EngagementRun, untilMs: number, dueAtMs: number, summary: string): Promise<boolean> {
  const retried = await waitUntil(run, () => run.invoiceRetryRequested, Math.min(untilMs, dueAtMs), summary);
  run.invoiceRetryRequested = false;
  return retried;
}
