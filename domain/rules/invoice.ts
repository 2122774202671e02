// Invoice rules: the 60-day window after redemption, its reminders, the amount, the idempotency key.
import { DAY_MS } from '../dates';
import { Rule, ruleRefusal, type Refusal } from '../refusals';
import type { RateCard } from '../schemas';

export const INVOICE_WINDOW_DAYS = 60;
/** What SAVB says of a payment request. */
export const SAVB_STATUSES = ['SUBMITTED', 'APPROVED', 'PAID', 'DENIED'] as const;
export type SavbStatus = (typeof SAVB_STATUSES)[number];
export const INVOICE_REMINDER_DAYS = [14, 3] as const;

export function invoiceDueAtMs(redeemedAtMs: number): number {
  return redeemedAtMs + INVOICE_WINDOW_DAYS * DAY_MS;
}

export type InvoiceAmount = { amount: number; currency: string } | { refusal: typeof Rule.NO_RATE_FOR_COUNTRY };

/** Amount = days × the daily rate of the delivery country. */
export function invoiceAmount(days: number, deliveryCountry: string, rateCard: RateCard): InvoiceAmount {
  const rate = rateCard.rates[deliveryCountry];
  if (!rate) return { refusal: Rule.NO_RATE_FOR_COUNTRY };
  return { amount: Math.round(days * rate.dailyRate * 100) / 100, currency: rate.currency };
}

/** A reservation must be for a country the rate card prices, or its invoice could never be sent. */
export function deliveryRateRefusal(deliveryCountry: string, rateCard: RateCard): Refusal | undefined {
  if (rateCard.rates[deliveryCountry]) return undefined;
  const message = `the rate card has no daily rate for the delivery country ${deliveryCountry}`;
  return ruleRefusal(Rule.NO_RATE_FOR_COUNTRY, message, ['deliveryCountry']);
}

/**
 * The SAVB idempotency key: the voucher ID, so a retried or repeated submission never creates a
 * second payment request. Only after SAVB denied a request (no payment made) does a fresh request
 * need a fresh key.
 */
export function invoiceIdempotencyKey(voucherId: string, deniedRequests: number): string {
  return deniedRequests === 0 ? voucherId : `${voucherId}~${deniedRequests + 1}`;
}

/** Statuses in which no accepted, undenied payment request exists: an invoice reminder is due then. */
const INVOICE_OWED: readonly string[] = ['REDEEMED', 'AWAITING_SAVB_REGISTRATION', 'INVOICE_DENIED'];

export function invoiceReminderDue(status: string): boolean {
  return INVOICE_OWED.includes(status);
}

/** The longest wait between status polls while SAVB keeps failing them (unless the poll interval is longer). */
export const MAX_POLL_BACKOFF_MS = DAY_MS;

/**
 * The wait before the next payment status poll: the poll interval, doubled for each poll that failed
 * in a row, at most a day. After acceptance only SAVB's answer decides, so polls never stop.
 */
export function pollWaitMs(pollIntervalMs: number, failuresInARow: number): number {
  if (failuresInARow === 0) return pollIntervalMs;
  const backedOff = pollIntervalMs * 2 ** Math.min(failuresInARow, 30);
  return Math.min(backedOff, Math.max(pollIntervalMs, MAX_POLL_BACKOFF_MS));
}
