// The invoice phase after redemption: submit the SAVB payment request, wait for the partner's SAVB
// registration or a fixed retry, poll the payment status, all inside the 60-day invoice window.
import { ApplicationFailure, isCancellation, log, sleep } from '@temporalio/workflow';
import type { InvoiceSubmitted } from '../../activities/types';
import { SAVB_PARTNER_NOT_REGISTERED, SAVB_REFUSAL } from '../../activities/types';
import { toIso } from '../../domain/dates';
import type { InvoiceState } from '../../domain/engagement';
import { ruleRefusal } from '../../domain/refusals';
import { invoiceDueAtMs, invoiceIdempotencyKey } from '../../domain/rules/invoice';
import { savb } from './activities';
import type { EngagementRun } from './run';
import { invoiceReminders, waitUntil } from './timers';

/** Where one invoice attempt leaves the phase. */
type Next = 'again' | 'done';

interface InvoiceWindow {
  dueAtMs: number;
  /** Requests SAVB denied so far: each retry after a denial needs a fresh idempotency key. */
  deniedRequests: number;
}

export async function invoicePhase(run: EngagementRun): Promise<void> {
  const redeemedAtMs = Date.parse(run.state.redeemedAt!);
  const window: InvoiceWindow = { dueAtMs: invoiceDueAtMs(redeemedAtMs), deniedRequests: 0 };
  const reminders = invoiceReminders(run, window.dueAtMs, redeemedAtMs);
  while ((await invoiceAttempt(run, window)) === 'again');
  await reminders;
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
    return await submitAndFollow(run, inv, window);
  } catch (err) {
    if (isCancellation(err)) throw err;
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

/** Submits, then follows the request until SAVB pays or denies it. */
async function submitAndFollow(run: EngagementRun, inv: InvoiceState, window: InvoiceWindow): Promise<Next> {
  const submitted = await submit(run, inv);
  const outcome = await pollPayment(run, submitted);
  if (outcome === 'PAID') {
    inv.paidAt = toIso(run.now());
    run.setStatus('PAID', `Invoice ${submitted.referenceNumber} for voucher ${run.state.voucherId} paid`);
    return 'done';
  }
  window.deniedRequests += 1;
  run.setStatus(
    'INVOICE_DENIED',
    `Invoice ${submitted.referenceNumber} for voucher ${run.state.voucherId} denied: ${inv.lastRefusal?.message}`,
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

/** Polls SAVB until the request is paid or denied. */
async function pollPayment(run: EngagementRun, submitted: InvoiceSubmitted): Promise<'PAID' | 'DENIED'> {
  const inv = run.state.invoice!;
  let status = submitted.status;
  let reason: string | undefined;
  if (status === 'DENIED')
    reason = (await savb.getPaymentStatus({ referenceNumber: submitted.referenceNumber })).reason;
  while (status !== 'PAID' && status !== 'DENIED') {
    await sleep(run.savbPollIntervalMs(), { summary: 'SAVB payment status poll' });
    const answer = await savb.getPaymentStatus.executeWithOptions(
      { summary: `SAVB status of ${submitted.referenceNumber}` },
      [{ referenceNumber: submitted.referenceNumber }],
    );
    if (answer.status !== inv.savbStatus)
      run.record(`savbStatus${answer.status}`, 'system', true, { via: 'activity', detail: answer.reason });
    status = answer.status;
    reason = answer.reason;
    inv.savbStatus = status;
  }
  if (status === 'DENIED')
    inv.lastRefusal = { code: 'DENIED', message: reason ?? 'denied by SAVB', at: toIso(run.now()) };
  return status;
}

/** A refusal by SAVB becomes a status and a wait for a retry; SAVB away for long means another try later. */
async function afterFailedSubmission(run: EngagementRun, err: Error, dueAtMs: number): Promise<void> {
  const failure = (err as { cause?: unknown }).cause;
  if (!(failure instanceof ApplicationFailure && failure.type === SAVB_REFUSAL)) {
    log.warn('invoice submission failed; will retry', { error: err.message });
    run.record('invoiceSubmissionFailed', 'system', false, { via: 'activity', detail: err.message });
    await waitForRetry(run, run.now() + run.registrationRetryIntervalMs(), dueAtMs, 'SAVB re-try after failure');
    return;
  }
  const { state } = run;
  const inv = state.invoice!;
  const said = (failure.details?.[0] ?? {}) as { code?: string; message?: string };
  const code = said.code ?? 'UNKNOWN';
  const message = said.message ?? failure.message;
  inv.lastRefusal = { code, message, at: toIso(run.now()) };
  run.record('invoiceRefused', 'system', false, { via: 'activity', refusals: [ruleRefusal(code, message)] });
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

/** Waits for a retry request, at most until `untilMs` and never past the window; true when one came. */
async function waitForRetry(run: EngagementRun, untilMs: number, dueAtMs: number, summary: string): Promise<boolean> {
  const retried = await waitUntil(run, () => run.invoiceRetryRequested, Math.min(untilMs, dueAtMs), summary);
  run.invoiceRetryRequested = false;
  return retried;
}
