// The partner entity: one workflow per partner (`partner-<partnerId>`) that lives forever. It holds
// the profile and the enrollments per offering, answers eligibility, and runs the enrollment timers
// (reminders 30 and 7 days before lapse, the lapse itself). The rules are domain/partner.ts; this
// workflow only applies them at workflow time and keeps the state.
import { allHandlersFinished, condition, continueAsNew, setCurrentDetails } from '@temporalio/workflow';
import { dateOf, toIso } from '../../domain/dates';
import { historyIsLong } from '../history-limit';
import { startPartnerRecorder } from '../record-store';
import type { PartnerState } from '../messages';
import { deliver, recordDue, schedule, type DueEvent } from './enrollment-timers';
import { PartnerEntity } from './entity';
import { registerPartnerHandlers } from './handlers';

export { ENROLLMENT_LAPSED_KIND, ENROLLMENT_REMINDER_KIND } from './enrollment-timers';

export interface PartnerWorkflowInput {
  partnerId: string;
  /** The state carried over by continue-as-new (or imported); absent for a new partner. */
  state?: PartnerState;
}

export async function partnerWorkflow(input: PartnerWorkflowInput): Promise<void> {
  const entity = new PartnerEntity(input.partnerId, input.state);
  // Writes the record store whenever the state changed (SPEC §8).
  const recorder = startPartnerRecorder(
    () => entity.state,
    () => entity.version,
  );
  registerPartnerHandlers(entity, recorder);
  for (;;) {
    const next = await sendDueEvents(entity);
    if (next === 'sent') continue; // re-plan from the new state (and time)
    setCurrentDetails(describe(entity, next));
    if (historyIsLong()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof partnerWorkflow>({ partnerId: entity.partnerId, state: entity.state });
    }
    await untilChangedOrDue(entity, next);
  }
}

/** Records and sends what is due now ('sent'), else answers the next event to wait for. */
async function sendDueEvents(entity: PartnerEntity): Promise<DueEvent | 'sent' | undefined> {
  const current = entity.state;
  if (!current) return undefined;
  const planned = schedule(current, entity.now());
  if (!planned.due.length) return planned.next;
  const recorded = planned.due.map((event) => recordDue(current, event, entity.now()));
  entity.touch();
  // Sent one after the other; a failing one only delays the next by its bounded retries.
  for (const n of recorded) await deliver(entity.partnerId, n);
  return 'sent';
}

async function untilChangedOrDue(entity: PartnerEntity, next: DueEvent | undefined): Promise<void> {
  const seen = entity.version;
  if (!next) {
    await condition(() => entity.version !== seen);
    return;
  }
  const summary = next.lapse ? `enrollment ${next.offering} lapse` : `enrollment ${next.offering} ${next.kind}`;
  await condition(() => entity.version !== seen, Math.max(next.atMs - entity.now(), 1), { summary });
}

function describe(entity: PartnerEntity, next: DueEvent | undefined): string {
  const s = entity.state;
  if (!s) return `partner ${entity.partnerId}: no profile yet`;
  const enrollments = Object.values(s.enrollments)
    .map((e) => `${e.offering} ${e.status}${e.status === 'ACTIVE' ? ` until ${dateOf(Date.parse(e.validUntil))}` : ''}`)
    .join(', ');
  const upcoming = next ? `; next: ${next.offering} ${next.kind} at ${toIso(next.atMs)}` : '';
  return `partner ${entity.partnerId} (${s.profile.name}): ${enrollments || 'no enrollments'}${upcoming}`;
}
