// Which behaviour changes an engagement has from its start. Each change to the workflow went behind
// patched(), whose marker and TemporalChangeVersion upsert (an event and a visibility write each)
// every new engagement then paid for, once per change it met. An input that names a change level
// takes every change of that level without asking patched(): its history holds no marker for them.
// Histories without a level (recorded before, or started by hand) go through patched() as recorded.

/** The changes of level 1: every patch id the engagement workflow had on 2026-11-30. */
const LEVEL_1 = [
  'record-store',
  'notification-event-status',
  'savb-interval-floor',
  'signal-actor-is-operator',
  'partner-reread-on-change',
  'forwarding-guard',
  'engagement-continue-as-new',
  'fifteen-day-claim-token',
  'fifteen-day-release-durable',
  'invoice-reminders-after-denial',
  'invoice-quiet-retries',
  'invoice-poll-after-acceptance',
] as const;

export type EngagementChange = (typeof LEVEL_1)[number];

/**
 * The level the API starts engagements at. A later change is asked with run.hasChange() (patched()
 * for engagements at lower levels) and joins the next level; workers are deployed before the API.
 */
export const CURRENT_CHANGE_LEVEL = 1;

const LEVELS: readonly (readonly EngagementChange[])[] = [[], LEVEL_1];

/** True when an engagement started at `level` has `change` from its start. */
export function changeIsBuiltIn(level: number | undefined, change: EngagementChange): boolean {
  return LEVELS.slice(0, (level ?? 0) + 1).some((changes) => changes.includes(change));
}
