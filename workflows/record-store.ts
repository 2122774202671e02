// Writing the record store (SPEC §8) from the workflows, behind the `record-store` patch: the
// engagement's notification pump records the state with each notification (one activity per
// change) and flushes changes no notification carried; a partner's changes are written by a
// background fiber, which a partner's update waits for before it answers (since the change
// 'partner-recorded-before-ack'). Record activities retry without limit, so a database outage
// delays writes and loses none; the engagement never waits on the store.
import { condition, isCancellation, patched, proxyActivities } from '@temporalio/workflow';
import type { NotificationInput, NotificationResult, RecordActivities } from '../activities/types';
import type { EngagementState } from '../domain/engagement';
import type { PartnerState } from './messages';

export const RECORD_STORE_PATCH = 'record-store';

// No attempt limit: a write must land eventually, however long the database is away.
const RECORD_RETRY = { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;
const records = proxyActivities<RecordActivities>({ startToCloseTimeout: '30 seconds', retry: RECORD_RETRY });

export interface EngagementRecorder {
  /** False when replaying a history from before the record store (the pump then notifies as before). */
  readonly enabled: boolean;
  /** A change (history entry or status) not yet written. Notification results ride on the next write. */
  pending(): boolean;
  /** Records the state, then delivers the notification: one activity. */
  notify(notification: NotificationInput): Promise<NotificationResult>;
  /** Writes what is pending; `ended` writes the final state whatever is pending. */
  flush(ended?: boolean): Promise<void>;
}

/**
 * Call once, at the start of the workflow (the patch marker goes there): `enabled` is whether the
 * engagement has the `record-store` change.
 */
export function engagementRecorder(current: () => EngagementState, enabled: boolean): EngagementRecorder {
  const progress = () => `${current().history.length}:${current().status}`;
  let written = '';
  return {
    enabled,
    pending: () => enabled && progress() !== written,
    async notify(notification) {
      const reached = progress();
      const result = await records.recordAndNotify.executeWithOptions(
        { summary: `record and notify ${notification.kind}` },
        [{ state: current(), notification }],
      );
      written = reached;
      return result;
    },
    async flush(ended = false) {
      if (!enabled || (!ended && progress() === written)) return;
      const reached = progress();
      await records.recordEngagement.executeWithOptions(
        { summary: ended ? 'record the final state' : 'record the engagement' },
        [{ state: current(), ended }],
      );
      written = reached;
    },
  };
}

/** Since this change a partner run answers an update only once the record store holds it. */
export const PARTNER_RECORDED_BEFORE_ACK_PATCH = 'partner-recorded-before-ack';

export interface PartnerRecorder {
  /** Whether this run has the change above (older runs answer at once, as they did). */
  readonly holdsAcknowledged: boolean;
  /**
   * Resolves once the record store holds the partner's state as of the call: an update awaits it
   * before answering, so every acknowledged change is in the store and the eligibility check can
   * read it there (records/read-partner.ts).
   */
  untilRecorded(): Promise<void>;
}

/**
 * Starts the fiber that writes the partner's state whenever it changed since the last write. Call
 * once, at the start of the workflow (and so of every run after continue-as-new, which writes the
 * carried state again: harmless, the write is idempotent). `version` grows with every change.
 */
export function startPartnerRecorder(current: () => PartnerState | undefined, version: () => number): PartnerRecorder {
  if (!patched(RECORD_STORE_PATCH)) return { holdsAcknowledged: false, untilRecorded: () => Promise.resolve() };
  const holdsAcknowledged = patched(PARTNER_RECORDED_BEFORE_ACK_PATCH);
  let written = '';
  let writtenVersion = -1;
  const changed = () => {
    const state = current();
    return state !== undefined && JSON.stringify(state) !== written;
  };
  void (async () => {
    try {
      for (;;) {
        await condition(changed);
        const state = current()!;
        const snapshot = JSON.stringify(state);
        const reached = version();
        const input = holdsAcknowledged ? { state, holdsAcknowledged } : { state };
        await records.recordPartner.executeWithOptions({ summary: 'record the partner' }, [input]);
        written = snapshot;
        writtenVersion = reached;
      }
    } catch (err) {
      if (!isCancellation(err)) throw err;
    }
  })();
  return {
    holdsAcknowledged,
    untilRecorded() {
      const wanted = version();
      // Written at this version or later, or nothing left to write (a change that changed nothing).
      return condition(() => writtenVersion >= wanted || !changed());
    },
  };
}
