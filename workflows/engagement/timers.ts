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

/** Reminds before the expiry and expires the voucher unless it is redeemed (or the engagement ended) first. */
export async function untilRedeemedOrExpired(run: EngagementRun): Promise<void> {
  const ended = () => !run.isPreRedemption();
  for (const reminder of reminderSchedule(
    'VOUCHER_EXPIRY_REMINDER',
    run.expiresAtMs,
    EXPIRY_REMINDER_DAYS,
    run.now(),
  )) {
    if (await waitUntil(run, ended, reminder.atMs, `voucher expiry reminder (${reminder.daysBefore} days before)`))
      return;
    run.record(reminder.kind, 'system', true, { via: 'timer' });
    run.notify(
      reminder.kind,
      `Voucher ${run.state.voucherId} expires on ${run.state.deadlines.voucherExpiresAt} (${reminder.daysBefore} days)`,
    );
  }
  if (await waitUntil(run, ended, run.expiresAtMs, 'voucher expiry (180 days from assignment)')) return;
  await run.mutex.runExclusive(() => expire(run));
}

async function expire(run: EngagementRun): Promise<void> {
  const { state } = run;
  if (!run.isPreRedemption()) return;
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
