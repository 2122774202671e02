// Invoice rules: the 60-day window after redemption and its reminders, the amount from the
// delivery country's daily rate, and the SAVB idempotency key.
import sampleCardJson from '../../config/rate-card.sample.json';
import { DAY_MS } from '../../domain/dates';
import { RateCard } from '../../domain/schemas';
import {
  INVOICE_REMINDER_DAYS,
  INVOICE_WINDOW_DAYS,
  invoiceAmount,
  invoiceDueAtMs,
  invoiceIdempotencyKey,
  invoiceReminderDue,
  pollWaitMs,
} from '../../domain/rules/invoice';
import { reminderSchedule } from '../../domain/rules/reminders';

const sampleCard = RateCard.parse(sampleCardJson);

describe('invoice window', () => {
  it('is due 60 days after redemption', () => {
    expect(INVOICE_WINDOW_DAYS).toBe(60);
    expect(invoiceDueAtMs(Date.parse('2026-05-01T10:30:00Z'))).toBe(Date.parse('2026-06-30T10:30:00Z'));
  });

  it('reminds 14 and 3 days before the invoice is due', () => {
    const redeemed = Date.parse('2026-05-01T10:30:00Z');
    const due = invoiceDueAtMs(redeemed);
    expect(INVOICE_REMINDER_DAYS).toEqual([14, 3]);
    expect(reminderSchedule('INVOICE_DUE', due, INVOICE_REMINDER_DAYS, redeemed).map((r) => [r.kind, r.atMs])).toEqual([
      ['INVOICE_DUE_14D', due - 14 * DAY_MS],
      ['INVOICE_DUE_3D', due - 3 * DAY_MS],
    ]);
  });
});

describe('invoiceAmount', () => {
  it('uses the sample card, which says it is sample data', () => {
    expect(sampleCard.sample).toBe(true);
  });

  it.each([
    [5, 'US', 5000, 'USD'],
    [10, 'DE', 9500, 'EUR'],
    [15, 'GB', 12000, 'GBP'],
    [3, 'JP', 420000, 'JPY'],
    [1, 'CA', 1300, 'CAD'],
  ])('%i days delivered in %s cost %i %s', (days, country, amount, currency) => {
    expect(invoiceAmount(days, country, sampleCard)).toEqual({ amount, currency });
  });

  it('is days × the daily rate of the delivery country, whatever the card says', () => {
    for (const [country, rate] of Object.entries(sampleCard.rates)) {
      expect(invoiceAmount(10, country, sampleCard)).toEqual({ amount: 10 * rate.dailyRate, currency: rate.currency });
    }
  });

  it('rounds to cents', () => {
    const card: RateCard = { rates: { US: { currency: 'USD', dailyRate: 333.333 } } };
    expect(invoiceAmount(3, 'US', card)).toEqual({ amount: 1000, currency: 'USD' });
    expect(invoiceAmount(1, 'US', card)).toEqual({ amount: 333.33, currency: 'USD' });
  });

  it('refuses a country the card has no rate for', () => {
    expect(invoiceAmount(5, 'XX', sampleCard)).toEqual({ refusal: 'NO_RATE_FOR_COUNTRY' });
    expect(invoiceAmount(5, 'us', sampleCard)).toEqual({ refusal: 'NO_RATE_FOR_COUNTRY' });
  });
});

describe('invoiceIdempotencyKey', () => {
  it('is the voucher ID for the first request, every time it is asked', () => {
    expect(invoiceIdempotencyKey('V-1001', 0)).toBe('V-1001');
    expect(invoiceIdempotencyKey('V-1001', 0)).toBe(invoiceIdempotencyKey('V-1001', 0));
  });

  it('changes only after SAVB denied a request, and differs per denial', () => {
    const keys = [0, 1, 2].map((denied) => invoiceIdempotencyKey('V-1001', denied));
    expect(new Set(keys).size).toBe(3);
    expect(keys[1]).toContain('V-1001');
    expect(keys[1]).not.toBe('V-1001');
  });
});

describe('payment status polls after acceptance', () => {
  const HOUR = 3_600_000;
  it('wait the poll interval, doubled for each failure in a row, at most a day', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 60].map((failures) => pollWaitMs(HOUR, failures) / HOUR)).toEqual([
      1, 2, 4, 8, 16, 24, 24, 24,
    ]);
  });
  it('never wait less than an interval longer than a day', () => {
    expect(pollWaitMs(2 * DAY_MS, 3)).toBe(2 * DAY_MS);
  });
});

describe('invoice reminders are due while no accepted, undenied request exists', () => {
  it.each([
    ['REDEEMED', true],
    ['AWAITING_SAVB_REGISTRATION', true],
    ['INVOICE_DENIED', true],
    ['INVOICE_SUBMITTED', false],
    ['PAID', false],
    ['INVOICE_WINDOW_MISSED', false],
  ])('in %s: %s', (status, due) => {
    expect(invoiceReminderDue(status)).toBe(due);
  });
});
