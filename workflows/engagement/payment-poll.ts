// Following an accepted payment request: poll SAVB's status until it is paid or denied. Once SAVB
// accepted the request only its answer decides: a failing poll (SAVB away, a 404) is shown in the
// state and retried with backoff, and the invoice window no longer applies.
import { isCancellation, sleep } from '@temporalio/workflow';
import type { PaymentStatus } from '../../activities/types';
import { toIso } from '../../domain/dates';
import type { InvoiceProgress } from '../../domain/engagement';
import type { SavbStatus } from '../../domain/rules/invoice';
import { pollWaitMs } from '../../domain/rules/invoice';
import { savb } from './activities';
import { continueAsNewIfLong } from './continue-as-new';
import type { EngagementRun } from './run';

/** The request being followed, as SAVB last described it. */
export interface FollowedRequest {
  referenceNumber: string;
  status: SavbStatus;
  paidAt?: string;
}

/** Polls SAVB until the request is paid or denied; SAVB's last answer. */
export async function pollPayment(
  run: EngagementRun,
  request: FollowedRequest,
  progress: InvoiceProgress,
): Promise<PaymentStatus> {
  const inv = run.state.invoice!;
  const { referenceNumber } = request;
  let answer: PaymentStatus = { status: request.status, paidAt: request.paidAt };
  if (answer.status === 'DENIED')
    answer = { status: 'DENIED', reason: (await savb.getPaymentStatus({ referenceNumber })).reason };
  while (answer.status !== 'PAID' && answer.status !== 'DENIED') {
    await continueAsNewIfLong(run, progress);
    await sleep(pollWaitMs(run.savbPollIntervalMs(), progress.pollFailures), {
      summary: 'SAVB payment status poll',
    });
    const polled = await pollOnce(run, referenceNumber, progress);
    if (!polled) continue;
    if (polled.status !== inv.savbStatus)
      run.record(`savbStatus${polled.status}`, 'system', true, { via: 'activity', detail: polled.reason });
    answer = polled;
    inv.savbStatus = polled.status;
  }
  if (answer.status === 'DENIED')
    inv.lastRefusal = { code: 'DENIED', message: answer.reason ?? 'denied by SAVB', at: toIso(run.now()) };
  return answer;
}

/** One status poll; undefined when it failed (recorded in the state, retried by the caller). */
async function pollOnce(
  run: EngagementRun,
  referenceNumber: string,
  progress: InvoiceProgress,
): Promise<PaymentStatus | undefined> {
  try {
    const answer = await savb.getPaymentStatus.executeWithOptions({ summary: `SAVB status of ${referenceNumber}` }, [
      { referenceNumber },
    ]);
    progress.pollFailures = 0;
    return answer;
  } catch (err) {
    // Histories recorded before let the failure end the attempt (and, after the window, the engagement).
    if (isCancellation(err) || !run.hasChange('invoice-poll-after-acceptance')) throw err;
    const message = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
    run.state.invoice!.lastPollError = { message, at: toIso(run.now()) };
    progress.pollFailures += 1;
    // The first failure of a run of them is an event; the rest only move lastPollError.
    if (progress.pollFailures === 1)
      run.record('savbStatusPollFailed', 'system', false, { via: 'activity', detail: message });
    return undefined;
  }
}
