// Record activities: write engagements and partners to the record store (records/), idempotently.
// The workflows call them with unlimited retries, so a database outage delays a write and loses
// none. recordAndNotify is the one activity per status change: it records the state, then delivers
// the notification; the webhook keeps its bounded attempts (after NOTIFY_ATTEMPTS it is recorded
// as undelivered) while the record write retries for as long as it takes.
import { Context } from '@temporalio/activity';
import type { RecordDb } from '../records/pool';
import { writeEngagement } from '../records/write-engagement';
import { writePartner } from '../records/write-partner';
import type { EngagementActivities, NotificationResult, RecordActivities } from './types';

/** The webhook's attempts, as the workflow's own notify activity has them. */
export const NOTIFY_ATTEMPTS = 8;

export interface RecordActivityDeps {
  records: RecordDb;
  notify: EngagementActivities['notify'];
}

/** Activity attempt (1 outside an activity, e.g. in a direct call). */
function attempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

export function createRecordActivities(deps: RecordActivityDeps): RecordActivities {
  return {
    async recordEngagement({ state, ended }) {
      await writeEngagement(deps.records, state, ended);
    },
    async recordAndNotify({ state, notification }): Promise<NotificationResult> {
      await writeEngagement(deps.records, state);
      try {
        return await deps.notify(notification);
      } catch (err) {
        if (attempt() < NOTIFY_ATTEMPTS) throw err;
        return { delivered: false, detail: `delivery failed: ${(err as Error).message}` };
      }
    },
    async recordPartner({ state, holdsAcknowledged }) {
      await writePartner(deps.records, state, holdsAcknowledged === true);
    },
  };
}
