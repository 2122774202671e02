// The SAVB activities against a real SAVB simulator over HTTP: amounts, idempotent resubmission
// (including a lost response), and how each kind of answer becomes a Temporal failure.
import { join } from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { loadRateCard } from '../config/env';
import {
  createSavbActivities,
  NO_RATE_FOR_COUNTRY,
  PAYMENT_REQUEST_NOT_FOUND,
  SAVB_UNAVAILABLE,
} from '../activities/savb';
import { SAVB_PARTNER_NOT_REGISTERED, SAVB_REFUSAL, type InvoiceSubmission } from '../activities/types';
import { startSavbSimulator, type SavbSimulator } from '../savb-simulator/server';

const rateCard = loadRateCard(join(__dirname, '..', 'config', 'rate-card.sample.json'));
const START = Date.parse('2026-03-01T09:00:00Z');

const submission = (overrides: Partial<InvoiceSubmission> = {}): InvoiceSubmission => ({
  voucherId: 'V-1001',
  idempotencyKey: 'V-1001',
  partnerId: 'contoso',
  offering: 'DDPS',
  locationId: 'contoso-us',
  country: 'US',
  days: 5,
  ...overrides,
});

/** The failure a promise rejects with, which must be an ApplicationFailure. */
async function applicationFailureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(ApplicationFailure);
  return outcome.error as ApplicationFailure;
}

describe('SAVB activities', () => {
  let clock = START;
  let sim: SavbSimulator;
  let savb: ReturnType<typeof createSavbActivities>;

  beforeAll(async () => {
    sim = await startSavbSimulator({ approveAfterMs: 1_000, payAfterMs: 2_000, now: () => clock });
    savb = createSavbActivities({ savbUrl: sim.url, timeoutMs: 5_000, rateCard });
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    sim.reset();
    clock = START;
  });

  describe('submitInvoice', () => {
    beforeEach(() => {
      sim.register('contoso', 'DDPS');
    });

    it('invoices days × the daily rate of the delivery country (sample card)', async () => {
      const us = await savb.submitInvoice(submission());
      expect(us).toEqual({
        referenceNumber: expect.stringMatching(/^SAVB-/),
        status: 'SUBMITTED',
        amount: 5 * 1000,
        currency: 'USD',
      });

      const de = await savb.submitInvoice(
        submission({ voucherId: 'V-1002', idempotencyKey: 'V-1002', country: 'DE', locationId: 'contoso-de', days: 3 }),
      );
      expect(de).toMatchObject({ amount: 3 * 950, currency: 'EUR' });

      expect(sim.requests().map((r) => [r.voucherId, r.amount, r.currency, r.idempotencyKey])).toEqual([
        ['V-1001', 5000, 'USD', 'V-1001'],
        ['V-1002', 2850, 'EUR', 'V-1002'],
      ]);
    });

    it('returns the same payment request when submitted twice with the same key; SAVB holds one', async () => {
      const first = await savb.submitInvoice(submission());
      const second = await savb.submitInvoice(submission());
      expect(second.referenceNumber).toBe(first.referenceNumber);
      expect(sim.requests()).toHaveLength(1);
    });

    it('after a lost response (stored, never answered) fails retryably, and the retry gets the same request', async () => {
      const impatient = createSavbActivities({ savbUrl: sim.url, timeoutMs: 300, rateCard });
      sim.setFaults({ acceptThenTimeout: 1 });
      const lost = await applicationFailureOf(impatient.submitInvoice(submission()));
      expect(lost.nonRetryable).toBe(false);
      expect(lost.type).toBe(SAVB_UNAVAILABLE);
      expect(lost.message).toContain('300 ms');
      expect(sim.requests()).toHaveLength(1);

      sim.setFaults({ acceptThenTimeout: 0 });
      const retried = await impatient.submitInvoice(submission());
      expect(retried.referenceNumber).toBe(sim.requests()[0].referenceNumber);
      expect(sim.requests()).toHaveLength(1);
    });

    it('turns a 503 into a retryable failure', async () => {
      sim.setFaults({ errorRate: 1 });
      const failure = await applicationFailureOf(savb.submitInvoice(submission()));
      expect(failure.nonRetryable).toBe(false);
      expect(failure.type).toBe(SAVB_UNAVAILABLE);
      expect(failure.message).toContain('503');
      expect(sim.requests()).toHaveLength(0);
    });

    it('turns an unreachable SAVB into a retryable failure', async () => {
      const gone = await startSavbSimulator();
      await gone.close();
      const unreachable = createSavbActivities({ savbUrl: gone.url, timeoutMs: 2_000, rateCard });
      const failure = await applicationFailureOf(unreachable.submitInvoice(submission()));
      expect(failure.nonRetryable).toBe(false);
      expect(failure.type).toBe(SAVB_UNAVAILABLE);
    });

    it('refuses, non-retryably and without calling SAVB, a country missing from the rate card', async () => {
      const failure = await applicationFailureOf(savb.submitInvoice(submission({ country: 'NZ' })));
      expect(failure.nonRetryable).toBe(true);
      expect(failure.type).toBe(SAVB_REFUSAL);
      expect(failure.details?.[0]).toMatchObject({ code: NO_RATE_FOR_COUNTRY });
      expect(sim.requests()).toHaveLength(0);
    });

    it('turns DUPLICATE_VOUCHER into a non-retryable SavbRefusal', async () => {
      await savb.submitInvoice(submission());
      const failure = await applicationFailureOf(savb.submitInvoice(submission({ idempotencyKey: 'other-key' })));
      expect(failure.nonRetryable).toBe(true);
      expect(failure.type).toBe(SAVB_REFUSAL);
      expect(failure.details?.[0]).toMatchObject({ code: 'DUPLICATE_VOUCHER' });
    });

    it('turns a key reused for a different body (409) into a non-retryable SAVB_BAD_REQUEST', async () => {
      await savb.submitInvoice(submission());
      const failure = await applicationFailureOf(savb.submitInvoice(submission({ days: 3 })));
      expect(failure.nonRetryable).toBe(true);
      expect(failure.type).toBe(SAVB_REFUSAL);
      expect(failure.details?.[0]).toMatchObject({ code: 'SAVB_BAD_REQUEST', httpStatus: 409 });
      expect(sim.requests()).toHaveLength(1);
    });

    it('turns a request SAVB finds invalid (400) into a non-retryable SAVB_BAD_REQUEST', async () => {
      const failure = await applicationFailureOf(savb.submitInvoice(submission({ days: 20 })));
      expect(failure.nonRetryable).toBe(true);
      expect(failure.details?.[0]).toMatchObject({ code: 'SAVB_BAD_REQUEST', httpStatus: 400 });
    });
  });

  describe('registration refusal', () => {
    it('is a non-retryable SavbRefusal PARTNER_NOT_REGISTERED; after registration the same key is accepted', async () => {
      const failure = await applicationFailureOf(savb.submitInvoice(submission()));
      expect(failure.nonRetryable).toBe(true);
      expect(failure.type).toBe(SAVB_REFUSAL);
      expect(failure.details?.[0]).toEqual({
        code: SAVB_PARTNER_NOT_REGISTERED,
        message: expect.stringContaining('contoso'),
      });

      const registration = await fetch(`${sim.url}/registrations`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ partnerId: 'contoso', offering: 'DDPS' }),
      });
      expect(registration.status).toBe(201);

      const accepted = await savb.submitInvoice(submission());
      expect(accepted.status).toBe('SUBMITTED');
      expect(sim.requests()).toHaveLength(1);
    });
  });

  describe('getPaymentStatus', () => {
    beforeEach(() => {
      sim.register('contoso', 'DDPS');
    });

    it('follows the request to PAID', async () => {
      const { referenceNumber } = await savb.submitInvoice(submission());
      expect(await savb.getPaymentStatus({ referenceNumber })).toEqual({ status: 'SUBMITTED' });
      clock += 1_000;
      expect(await savb.getPaymentStatus({ referenceNumber })).toEqual({ status: 'APPROVED' });
      clock += 1_000;
      // The payment time is SAVB's, not the caller's: the moment SAVB paid, read back later.
      const paidAt = new Date(clock).toISOString();
      clock += 60_000;
      expect(await savb.getPaymentStatus({ referenceNumber })).toEqual({ status: 'PAID', paidAt });
      expect(sim.requests()[0].paidAt).toBe(paidAt);
    });

    it('reports a denial with its reason', async () => {
      sim.deny('V-1001', 'completion report not signed');
      const { referenceNumber } = await savb.submitInvoice(submission());
      clock += 1_000;
      expect(await savb.getPaymentStatus({ referenceNumber })).toEqual({
        status: 'DENIED',
        reason: 'completion report not signed',
      });
    });

    it('turns an unknown reference into a non-retryable failure and a 503 into a retryable one', async () => {
      const unknown = await applicationFailureOf(savb.getPaymentStatus({ referenceNumber: 'SAVB-UNKNOWN' }));
      expect(unknown.nonRetryable).toBe(true);
      expect(unknown.details?.[0]).toMatchObject({ code: PAYMENT_REQUEST_NOT_FOUND });

      const { referenceNumber } = await savb.submitInvoice(submission());
      sim.setFaults({ down: true });
      const down = await applicationFailureOf(savb.getPaymentStatus({ referenceNumber }));
      expect(down.nonRetryable).toBe(false);
      expect(down.type).toBe(SAVB_UNAVAILABLE);
    });
  });

  describe('in an activity context', () => {
    beforeEach(() => {
      sim.register('contoso', 'DDPS');
    });

    it('runs as an activity, and cancelling the activity aborts a hanging call with a CancelledFailure', async () => {
      const env = new MockActivityEnvironment();
      expect(await env.run(savb.submitInvoice, submission())).toMatchObject({ status: 'SUBMITTED', amount: 5000 });

      sim.setFaults({ acceptThenTimeout: 1 });
      const hanging = env.run(savb.submitInvoice, submission({ voucherId: 'V-1002', idempotencyKey: 'V-1002' }));
      // Cancel once SAVB has stored the request, i.e. while the call is in flight (bounded wait).
      const deadline = Date.now() + 5_000;
      while (sim.requests().length < 2 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(sim.requests()).toHaveLength(2);
      env.cancel();
      await expect(hanging).rejects.toBeInstanceOf(CancelledFailure);
    });
  });
});
