// The notification outbox: status changes and reminders are queued and sent in order by one fiber,
// each recorded in the engagement whether it was delivered or not.
import { condition } from '@temporalio/workflow';
import { toIso } from '../../domain/dates';
import type { EngagementState, NotificationRecord } from '../../domain/engagement';
import type { EngagementRecorder } from '../record-store';
import { notifications } from './activities';

export interface OutgoingNotification {
  kind: string;
  message: string;
}

export class Outbox {
  private readonly queue: OutgoingNotification[] = [];
  private closed = false;

  push(notification: OutgoingNotification): void {
    this.queue.push(notification);
  }

  /** No more notifications will come: the pump ends once the queue is empty. */
  close(): void {
    this.closed = true;
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
      if (next) {
        state.notifications.push(await deliver(state, next, recorder));
        continue;
      }
      const final = this.closed;
      await recorder.flush(final);
      if (final) return;
    }
  }
}

async function deliver(
  state: EngagementState,
  next: OutgoingNotification,
  recorder: EngagementRecorder,
): Promise<NotificationRecord> {
  const at = toIso(Date.now());
  const sent = { kind: next.kind, at, message: next.message };
  try {
    const input = { voucherId: state.voucherId, kind: next.kind, status: state.status, message: next.message, at };
    const result = recorder.enabled
      ? await recorder.notify(input)
      : await notifications.notify.executeWithOptions({ summary: `notify ${next.kind}` }, [input]);
    return { ...sent, delivered: result.delivered, detail: result.detail };
  } catch (err) {
    return { ...sent, delivered: false, detail: `delivery failed: ${(err as Error).message}` };
  }
}
