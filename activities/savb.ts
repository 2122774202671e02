// SAVB activities: submit the invoice (payment request) and read its payment status, over SAVB's
// HTTP contract (SPEC §3). Failure classes decide what Temporal does next:
//   - business refusals (422, and requests SAVB can never accept: other 4xx) are non-retryable
//     ApplicationFailures of type SAVB_REFUSAL, details[0] = { code, message }, which the workflow
//     turns into a status;
//   - 5xx, 408/425/429, network errors and time-outs are retryable, so Temporal retries with backoff.
// Resubmitting is safe: the idempotency key makes SAVB answer a repeat with the request it already has.
import { asyncLocalStorage } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { SAVB_STATUSES, invoiceAmount } from '../domain/rules/invoice';
import { Rule } from '../domain/refusals';
import type { RateCard } from '../domain/schemas';
import {
  SAVB_REFUSAL,
  type EngagementActivities,
  type InvoiceSubmission,
  type InvoiceSubmitted,
  type PaymentStatus,
} from './types';

/** Retryable failures carry this type, so logs and the Temporal UI tell "SAVB unreachable" apart. */
export const SAVB_UNAVAILABLE = 'SavbUnavailable';
/** SAVB answered a 4xx other than 422: the request can never succeed as it is. */
export const SAVB_BAD_REQUEST = 'SAVB_BAD_REQUEST';
export const NO_RATE_FOR_COUNTRY = Rule.NO_RATE_FOR_COUNTRY;
export const PAYMENT_REQUEST_NOT_FOUND = 'PAYMENT_REQUEST_NOT_FOUND';

export interface SavbActivityDeps {
  savbUrl: string;
  timeoutMs: number;
  rateCard: RateCard;
  fetchImpl?: typeof fetch;
}

const SavbStatus = z.enum(SAVB_STATUSES);
const SubmittedResponse = z.object({
  referenceNumber: z.string().min(1),
  status: SavbStatus,
  amount: z.number().optional(),
  currency: z.string().optional(),
  paidAt: z.iso.datetime({ offset: true }).optional(),
});
const StatusResponse = z.object({
  status: SavbStatus,
  reason: z.string().optional(),
  paidAt: z.iso.datetime({ offset: true }).optional(),
});
const RefusalResponse = z.object({ code: z.string().min(1), message: z.string().optional() });

// 4xx statuses that mean "not now" rather than "never".
const TRANSIENT_CLIENT_ERRORS = new Set([408, 425, 429]);

export function createSavbActivities(
  deps: SavbActivityDeps,
): Pick<EngagementActivities, 'submitInvoice' | 'getPaymentStatus'> {
  const fetchImpl = deps.fetchImpl ?? fetch;
  const baseUrl = deps.savbUrl.replace(/\/+$/, '');

  async function call(what: string, url: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
    const timeout = AbortSignal.timeout(deps.timeoutMs);
    // Inside an activity, cancellation (workflow cancelled, worker shutdown, activity timed out)
    // also aborts the HTTP call; called directly (tests, scripts) only the time-out applies.
    const cancellation = asyncLocalStorage.getStore()?.cancellationSignal;
    const signal = cancellation ? AbortSignal.any([timeout, cancellation]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(url, { ...init, signal, redirect: 'error' });
      text = await response.text();
    } catch (err) {
      if (cancellation?.aborted) throw cancellation.reason;
      if (timeout.aborted)
        throw ApplicationFailure.retryable(`SAVB did not answer ${what} within ${deps.timeoutMs} ms`, SAVB_UNAVAILABLE);
      throw ApplicationFailure.retryable(`SAVB unreachable for ${what}: ${describe(err)}`, SAVB_UNAVAILABLE);
    }
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    if (response.status >= 500 || TRANSIENT_CLIENT_ERRORS.has(response.status)) {
      throw ApplicationFailure.retryable(
        `SAVB answered ${response.status} to ${what}${detailOf(body)}`,
        SAVB_UNAVAILABLE,
      );
    }
    if (response.status === 422) {
      const refusal = RefusalResponse.safeParse(body);
      const code = refusal.success ? refusal.data.code : 'SAVB_REFUSED';
      const message = (refusal.success && refusal.data.message) || `SAVB refused ${what} (${code})`;
      throw ApplicationFailure.nonRetryable(message, SAVB_REFUSAL, { code, message });
    }
    return { status: response.status, body };
  }

  function badRequest(what: string, status: number, body: unknown, code = SAVB_BAD_REQUEST): ApplicationFailure {
    const message = `SAVB answered ${status} to ${what}${detailOf(body)}`;
    return ApplicationFailure.nonRetryable(message, SAVB_REFUSAL, { code, message, httpStatus: status });
  }

  return {
    async submitInvoice(input: InvoiceSubmission): Promise<InvoiceSubmitted> {
      const priced = invoiceAmount(input.days, input.country, deps.rateCard);
      if ('refusal' in priced) {
        const message = `the rate card has no daily rate for delivery country ${input.country}`;
        throw ApplicationFailure.nonRetryable(message, SAVB_REFUSAL, { code: NO_RATE_FOR_COUNTRY, message });
      }
      const what = `payment request for voucher ${input.voucherId}`;
      const requestBody = {
        voucherId: input.voucherId,
        partnerId: input.partnerId,
        offering: input.offering,
        locationId: input.locationId,
        country: input.country,
        days: input.days,
        amount: priced.amount,
        currency: priced.currency,
      };
      const { status, body } = await call(what, `${baseUrl}/payment-requests`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'Idempotency-Key': input.idempotencyKey,
        },
        body: JSON.stringify(requestBody),
      });
      if (status !== 200 && status !== 201) throw badRequest(what, status, body);
      const accepted = SubmittedResponse.safeParse(body);
      // A 2xx we cannot read (a proxy's page, a truncated body) says nothing final: retry; the key keeps it single.
      if (!accepted.success)
        throw ApplicationFailure.retryable(
          `SAVB answered ${status} to ${what} with an unreadable body`,
          SAVB_UNAVAILABLE,
        );
      return {
        referenceNumber: accepted.data.referenceNumber,
        status: accepted.data.status,
        // What SAVB holds is what will be paid; it equals what was sent, since a key is bound to one body.
        amount: accepted.data.amount ?? priced.amount,
        currency: accepted.data.currency ?? priced.currency,
        ...paidAtOf(accepted.data),
      };
    },

    async getPaymentStatus(input: { referenceNumber: string }): Promise<PaymentStatus> {
      const what = `the status of payment request ${input.referenceNumber}`;
      const { status, body } = await call(
        what,
        `${baseUrl}/payment-requests/${encodeURIComponent(input.referenceNumber)}`,
        {
          method: 'GET',
          headers: { Accept: 'application/json' },
        },
      );
      if (status === 404) throw badRequest(what, status, body, PAYMENT_REQUEST_NOT_FOUND);
      if (status !== 200) throw badRequest(what, status, body);
      const parsed = StatusResponse.safeParse(body);
      if (!parsed.success)
        throw ApplicationFailure.retryable(
          `SAVB answered ${status} to ${what} with an unreadable body`,
          SAVB_UNAVAILABLE,
        );
      return {
        status: parsed.data.status,
        ...(parsed.data.reason !== undefined ? { reason: parsed.data.reason } : {}),
        ...paidAtOf(parsed.data),
      };
    },
  };
}

/** SAVB's payment time, normalised, only for a PAID request (what else it says is no payment). */
function paidAtOf(answer: { status: string; paidAt?: string }): { paidAt?: string } {
  return answer.status === 'PAID' && answer.paidAt ? { paidAt: new Date(answer.paidAt).toISOString() } : {};
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
}

/** A short hint from an error body (problem+json detail, a refusal message or the text), for failure messages. */
function detailOf(body: unknown): string {
  if (body === undefined) return '';
  if (typeof body === 'string') return `: ${body.slice(0, 200)}`;
  const b = body as { detail?: unknown; message?: unknown; code?: unknown };
  const text = [b.code, b.detail ?? b.message].filter((x) => typeof x === 'string').join(' ');
  return text ? `: ${text.slice(0, 200)}` : '';
}
