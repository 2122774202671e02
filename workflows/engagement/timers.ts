// The voucher's clock: expiry reminders, the expiry itself, and the invoice window's reminders,
// all on workflow time so the time-skipping server runs a 180-day life in seconds.
import { condition } from '@temporalio/workflow';
import { daysDisposition, EXPIRY_REMINDER_DAYS } from '../../domain/rules/voucher';
import { INVOICE_REMINDER_DAYS, invoiceReminderDue } from '../../domain/rules/invoice';
import { reminderSchedule, type Reminder } from '../../domain/rules/reminders';
import type { EngagementRun } from './run';
import { releaseSlot } from './slot';

/** Waits until `done()` or the instant `atMs`, whichever first; true when `done()`. */
export async function waitUntil(
  run: EngagementRun,
  done: () => boolean,
  atMs: number,
  summary: string,
): Promise<boolean> {
  const ms = atMs - run.now();
  if (ms <= 0) return done();
  return condition(done, ms, { summary });
}

/**
 * Reminds before the expiry and expires the voucher unless it is redeemed (or the engagement ended)
 * first. A validity extension moves the expiry: the reminders of the new deadline still to come are
 * planned again (the ones already passed are not sent twice).
 */
export async function untilRedeemedOrExpired(run: EngagementRun): Promise<void> {
  let reminders = reminderSchedule('VOUCHER_EXPIRY_REMINDER', run.expiresAtMs, EXPIRY_REMINDER_DAYS, run.now());
  for (;;) {
    const deadline = run.expiresAtMs;
    const over = () => !run.isPreRedemption() || run.expiresAtMs !== deadline;
    if (await remindUntilExpiry(run, reminders, over)) {
      if (!run.isPreRedemption()) return;
    } else if (await run.mutex.runExclusive(() => expire(run))) return;
    const now = run.now();
    reminders = reminderSchedule('VOUCHER_EXPIRY_REMINDER', run.expiresAtMs, EXPIRY_REMINDER_DAYS, now).filter(
      (r) => r.atMs > now,
    );
  }
}

/** Sends the reminders at their moments, then waits for the expiry; true when `over()` came first. */
async function remindUntilExpiry(run: EngagementRun, reminders: Reminder[], over: () => boolean): Promise<boolean> {
  for (const reminder of reminders) {
    if (await waitUntil(run, over, reminder.atMs, `voucher expiry reminder (${reminder.daysBefore} days before)`))
      return true;
    run.record(reminder.kind, 'system', true, { via: 'timer' });
    run.notify(
      reminder.kind,
      `Voucher ${run.state.voucherId} expires on ${run.state.deadlines.voucherExpiresAt} (${reminder.daysBefore} days)`,
    );
  }
  return waitUntil(run, over, run.expiresAtMs, 'voucher expiry (180 days from assignment)');
}

/** Expires the voucher if it is still unredeemed and its (possibly extended) expiry has come; false when it moved. */
async function expire(run: EngagementRun): Promise<boolean> {
  const { state } = run;
  if (!run.isPreRedemption()) return true;
  if (run.now() < run.expiresAtMs) return false;
  state.daysDisposition = daysDisposition(state.customer.enrollmentEndsAt, state.days, run.now(), 'EXPIRED');
  const lost = state.daysDisposition.outcome === 'LOST';
  run.record('voucherExpired', 'system', true, {
    via: 'timer',
    detail: `${state.days} days ${lost ? 'lost' : 'returned to the pool'}`,
  });
  run.setStatus(
    'EXPIRED',
    `Voucher ${state.voucherId} expired unredeemed; ${state.days} days ${lost ? 'lost' : 'returned to the customer pool'}`,
  );
  await releaseSlot(run);
  return true;
}

/** Reminds the partner before the invoice window closes, until an invoice is submitted (histories recorded before). */
export async function invoiceReminders(
  run: EngagementRun,
  dueAtMs: number,
  redeemedAtMs: number,
  progress?: { remindersHandled: number },
): Promise<void> {
  const { state } = run;
  const submitted = () =>
    state.invoice?.referenceNumber !== undefined ||
    !['REDEEMED', 'AWAITING_SAVB_REGISTRATION', 'INVOICE_DENIED'].includes(state.status);
  for (const reminder of reminderSchedule('INVOICE_REMINDER', dueAtMs, INVOICE_REMINDER_DAYS, redeemedAtMs)) {
    const summary = `invoice reminder (${reminder.daysBefore} days before the window closes)`;
    if (await waitUntil(run, submitted, reminder.atMs, summary)) return;
    if (progress) progress.remindersHandled += 1;
    sendInvoiceReminder(run, reminder);
  }
}

/**
 * Reminds the partner before the invoice window closes whenever, at the reminder's moment, no
 * accepted and undenied payment request exists (after a denial the partner must retry in time).
 * `progress.remindersHandled` counts the moments passed, so a continued-as-new run skips them.
 */
export async function remindWhileUnaccepted(
  run: EngagementRun,
  progress: { dueAtMs: number; remindersHandled: number },
  redeemedAtMs: number,
  phaseOver: () => boolean,
): Promise<void> {
  const schedule = reminderSchedule('INVOICE_REMINDER', progress.dueAtMs, INVOICE_REMINDER_DAYS, redeemedAtMs);
  for (const reminder of schedule.slice(progress.remindersHandled)) {
    const summary = `invoice reminder (${reminder.daysBefore} days before the window closes)`;
    if (await waitUntil(run, phaseOver, reminder.atMs, summary)) return;
    progress.remindersHandled += 1;
    if (invoiceReminderDue(run.state.status)) sendInvoiceReminder(run, reminder);
  }
}

function sendInvoiceReminder(run: EngagementRun, reminder: Reminder): void {
  const { state } = run;
  run.record(reminder.kind, 'system', true, { via: 'timer' });
  run.notify(
    reminder.kind,
    `The invoice for voucher ${state.voucherId} is due by ${state.invoice!.dueAt} (${reminder.daysBefore} days)`,
  );
}
