// The notification outbox: status changes and reminders are queued and sent in order by one fiber,
// each recorded in the engagement whether it was delivered or not.
import { condition } from '@temporalio/workflow';
import type { NotificationInput } from '../../activities/types';
import { toIso } from '../../domain/dates';
import type { EngagementState, EngagementStatus, NotificationRecord } from '../../domain/engagement';
import type { EngagementRecorder } from '../record-store';
import { notifications } from './activities';
import type { EngagementChange } from './change-level';

/** A notification as queued: what it says and the engagement as it was at the event, not at sending. */
export interface OutgoingNotification {
  kind: string;
  message: string;
  status: EngagementStatus;
  partnerId?: string;
  offering: string;
}

export class Outbox {
  private readonly queue: OutgoingNotification[] = [];
  private closed = false;
  private sending = false;

  constructor(private readonly hasChange: (change: EngagementChange) => boolean) {}

  push(notification: OutgoingNotification): void {
    this.queue.push(notification);
  }

  /** No more notifications will come: the pump ends once the queue is empty. */
  close(): void {
    this.closed = true;
  }

  /** Nothing queued and nothing being sent: the run may end (or continue as new) without losing one. */
  idle(): boolean {
    return this.queue.length === 0 && !this.sending;
  }

  /**
   * Sends queued notifications one at a time, in order, until closed and empty. With the record
   * store, each notification also writes the state, and changes no notification carried (a refused
   * message, an SAVB answer) are flushed when the queue is empty, the final state last.
   */
  async pump(state: EngagementState, recorder: EngagementRecorder): Promise<void> {
    for (;;) {
      await condition(() => this.queue.length > 0 || this.closed || recorder.pending());
      const next = this.queue.shift();
      this.sending = true;
      if (next) {
        state.notifications.push(await deliver(state, next, recorder, this.hasChange));
        this.sending = false;
        continue;
      }
      const final = this.closed;
      await recorder.flush(final);
      this.sending = false;
      if (final) return;
    }
  }
}

async function deliver(
  state: EngagementState,
  next: OutgoingNotification,
  recorder: EngagementRecorder,
  hasChange: (change: EngagementChange) => boolean,
): Promise<NotificationRecord> {
  const at = toIso(Date.now());
  const sent = { kind: next.kind, at, message: next.message };
  try {
    const input = notificationInput(state, next, at, hasChange);
    const result = recorder.enabled
      ? await recorder.notify(input)
      : await notifications.notify.executeWithOptions({ summary: `notify ${next.kind}` }, [input]);
    return { ...sent, delivered: result.delivered, detail: result.detail };
  } catch (err) {
    return { ...sent, delivered: false, detail: `delivery failed: ${(err as Error).message}` };
  }
}

function notificationInput(
  state: EngagementState,
  next: OutgoingNotification,
  at: string,
  hasChange: (change: EngagementChange) => boolean,
): NotificationInput {
  const base = { voucherId: state.voucherId, kind: next.kind, message: next.message, at };
  // Histories recorded before carried the status at sending time, and neither partner nor offering.
  if (!hasChange('notification-event-status')) return { ...base, status: state.status };
  const partner = next.partnerId !== undefined ? { partnerId: next.partnerId } : {};
  return { ...base, status: next.status, ...partner, offering: next.offering };
}
