// The enrollment timers: which reminders and lapses are due now and which comes next, recording
// them in the partner's state, and notifying the partner (best effort, recorded either way).
import { ActivityFailure, log, proxyActivities } from '@temporalio/workflow';
import type { PartnerActivities } from '../../activities/types';
import { toIso } from '../../domain/dates';
import { ENROLLMENT_REMINDER_DAYS, lapsedOfferings, RENEWAL_WINDOW_DAYS, type Enrollment } from '../../domain/partner';
import { reminderSchedule } from '../../domain/rules/reminders';
import type { PartnerState } from '../messages';

export const ENROLLMENT_REMINDER_KIND = 'ENROLLMENT_REMINDER';
export const ENROLLMENT_LAPSED_KIND = 'ENROLLMENT_LAPSED';

/** Notifications kept in the state: enough for several years of reminders, bounded for continue-as-new. */
const MAX_NOTIFICATIONS = 100;

export type PartnerNotification = PartnerState['notifications'][number] & { delivered?: boolean; detail?: string };

// A notification is best effort: bounded retries with backoff, then it is recorded as undelivered.
const { notifyPartner } = proxyActivities<PartnerActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 5 },
});

export interface DueEvent {
  offering: string;
  kind: string;
  atMs: number;
  lapse: boolean;
}

/** The term an enrollment's reminders belong to starts at its acceptance or its latest renewal. */
function termStartMs(e: Enrollment): number {
  return Date.parse(e.renewals.length ? e.renewals[e.renewals.length - 1] : e.acceptedAt);
}

/** Due now (lapses first, then the one reminder per enrollment reminderSchedule says is due) and the next one to come. */
export function schedule(s: PartnerState, nowMs: number): { due: DueEvent[]; next?: DueEvent } {
  const due: DueEvent[] = lapsedOfferings(s.enrollments, nowMs).map((offering) => ({
    offering,
    kind: ENROLLMENT_LAPSED_KIND,
    atMs: Date.parse(s.enrollments[offering].validUntil),
    lapse: true,
  }));
  const upcoming: DueEvent[] = [];
  for (const e of Object.values(s.enrollments)) {
    if (e.status !== 'ACTIVE') continue;
    const validUntilMs = Date.parse(e.validUntil);
    if (validUntilMs > nowMs)
      upcoming.push({ offering: e.offering, kind: ENROLLMENT_LAPSED_KIND, atMs: validUntilMs, lapse: true });
    const termStart = termStartMs(e);
    const sentThisTerm = (kind: string) =>
      s.notifications.some((n) => n.offering === e.offering && n.kind === kind && Date.parse(n.at) > termStart);
    // Built as of now: a reminder already passed is due once (only the nearest passed), the rest are upcoming.
    for (const r of reminderSchedule(ENROLLMENT_REMINDER_KIND, validUntilMs, ENROLLMENT_REMINDER_DAYS, nowMs)) {
      if (sentThisTerm(r.kind)) continue;
      const event = { offering: e.offering, kind: r.kind, atMs: r.atMs, lapse: false };
      (r.atMs <= nowMs ? due : upcoming).push(event);
    }
  }
  const next = upcoming.sort((a, b) => a.atMs - b.atMs)[0];
  return { due, next };
}

/** Applies a due event to the state (a lapse marks the enrollment) and records its notification. */
export function recordDue(s: PartnerState, event: DueEvent, nowMs: number): PartnerNotification {
  const enrollment = s.enrollments[event.offering];
  const message = event.lapse
    ? `Your ${event.offering} enrollment lapsed on ${enrollment.validUntil}; enroll again to deliver ${event.offering} engagements.`
    : `Your ${event.offering} enrollment lapses on ${enrollment.validUntil}; renew it (renewal is open from ${RENEWAL_WINDOW_DAYS} days before lapse).`;
  const notification: PartnerNotification = { kind: event.kind, offering: event.offering, at: toIso(nowMs), message };
  if (event.lapse) enrollment.status = 'LAPSED';
  s.notifications.push(notification);
  if (s.notifications.length > MAX_NOTIFICATIONS) s.notifications.splice(0, s.notifications.length - MAX_NOTIFICATIONS);
  return notification;
}

export async function deliver(partnerId: string, notification: PartnerNotification): Promise<void> {
  try {
    const { kind, message, at } = notification;
    const result = await notifyPartner({ partnerId, kind, message, at });
    notification.delivered = result.delivered;
    if (result.detail) notification.detail = result.detail;
  } catch (err) {
    // Retries exhausted: recorded, and the entity carries on.
    notification.delivered = false;
    notification.detail = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
    log.warn('partner notification not delivered', { partnerId, kind: notification.kind, detail: notification.detail });
  }
}
