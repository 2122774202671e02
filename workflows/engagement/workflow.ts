// The engagement workflow: one voucher's life from assignment to payment (SPEC §3), read top to
// bottom: assigned, wait for redemption or expiry, invoice, close. Messages, the invoice phase, the
// timers and the notification outbox live beside it, one concern a file.
import { allHandlersFinished, condition } from '@temporalio/workflow';
import { catalog, catalogOfType } from '../../domain/catalog';
import { dateOf } from '../../domain/dates';
import type { EngagementInput, EngagementStatus } from '../../domain/engagement';
import { engagementInputRefusals } from '../../domain/rules/voucher';
import { refusalFailure } from '../failures';
import { engagementRecorder, RECORD_STORE_PATCH } from '../record-store';
import { registerHandlers } from './handlers';
import { invoicePhase } from './invoice';
import { EngagementRun } from './run';
import { untilRedeemedOrExpired } from './timers';

export interface EngagementResult {
  voucherId: string;
  status: EngagementStatus;
}

export async function engagementWorkflow(input: EngagementInput): Promise<EngagementResult> {
  if (!input.resume) refuseInvalidInput(input);
  const run = new EngagementRun(input);
  // Set up first: its patch marker is the workflow's first command, as recorded.
  run.recorder = engagementRecorder(() => run.state, run.hasChange(RECORD_STORE_PATCH));
  registerHandlers(run);
  if (input.resume) run.showCurrentDetails();
  else announceAssignment(run);
  const notifications = run.outbox.pump(run.state, run.recorder);

  if (input.resume) {
    // Continued as new during the invoice phase: go on where the previous run stopped.
    await invoicePhase(run, input.resume.invoice);
  } else {
    await untilRedeemedOrExpired(run);
    if (run.state.status === 'REDEEMED') await invoicePhase(run);
  }

  // Let in-flight messages finish (they will be refused: the engagement has ended), then
  // background work, then flush notifications.
  await condition(allHandlersFinished);
  await Promise.all(run.background);
  run.outbox.close();
  await notifications;
  return { voucherId: run.state.voucherId, status: run.state.status };
}

function announceAssignment(run: EngagementRun): void {
  const { state } = run;
  // A starter that set the search attributes (the API) saves the first upsert: each is an event
  // and a visibility write. Decided by the input, so histories without the setting replay as before.
  if (run.settings.searchAttributesSetAtStart) run.showCurrentDetails();
  else run.publish();
  const validUntil = dateOf(run.expiresAtMs - 1);
  run.notify(
    'STATUS_ASSIGNED',
    `Voucher ${state.voucherId} assigned: ${state.days} days of ${state.engagementType}, valid until ${validUntil}`,
  );
}

/** An engagement started by hand (an operator, not the API) with what the program does not allow fails at once. */
function refuseInvalidInput(input: EngagementInput): void {
  const from = input.catalogEntry ? catalogOfType(input.catalogEntry.type) : catalog;
  const refusals = engagementInputRefusals(input, from);
  if (refusals.length) throw refusalFailure(refusals);
}
