// The partner entity: one workflow per partner (`partner-<partnerId>`) that lives forever. It holds
// the profile and the enrollments per offering, answers eligibility, and runs the enrollment timers
// (reminders 30 and 7 days before lapse, the lapse itself). The rules are domain/partner.ts; this file
// only applies them at workflow time and keeps the state.
import { refusalFailure } from './failures';
import { startPartnerRecorder } from './record-store';
import { MESSAGE_SCHEMAS, invalidMessageRefusal, payloadIssues } from './payload-validation';
import {
  ApplicationFailure,
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { PartnerActivities } from '../activities/types';
import { dateOf, toIso } from '../domain/dates';
import {
  ENROLLMENT_REMINDER_DAYS,
  Enrollment,
  RENEWAL_WINDOW_DAYS,
  eligibilityMatrix,
  enrollmentRefusal,
  enrollmentValidUntil,
  lapsedOfferings,
  renewalRefusal,
  renewedValidUntil,
} from '../domain/partner';
import { REFUSAL_FAILURE_TYPE, Refusal, Rule, stateRefusal } from '../domain/refusals';
import { reminderSchedule } from '../domain/rules/voucher';
import type { EnrollmentRequest, PartnerProfile } from '../domain/schemas';
import {
  PartnerState,
  WithActor,
  eligibilityMatrixQuery,
  enrollmentRenewedUpdate,
  enrollmentRequestedUpdate,
  partnerStateQuery,
  profileReplacedUpdate,
} from './messages';

export interface PartnerWorkflowInput {
  partnerId: string;
  /** The state carried over by continue-as-new (or imported); absent for a new partner. */
  state?: PartnerState;
}

export const ENROLLMENT_REMINDER_KIND = 'ENROLLMENT_REMINDER';
export const ENROLLMENT_LAPSED_KIND = 'ENROLLMENT_LAPSED';

/** Notifications kept in the state: enough for several years of reminders, bounded for continue-as-new. */
const MAX_NOTIFICATIONS = 100;
/** Continue-as-new well before Temporal's hard limits, even if the server never suggests it. */
const HISTORY_EVENTS_LIMIT = 2000;

type PartnerNotification = PartnerState['notifications'][number] & { delivered?: boolean; detail?: string };

// A notification is best effort: bounded retries with backoff, then it is recorded as undelivered.
const { notifyPartner } = proxyActivities<PartnerActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 5 },
});

function refused(refusal: Refusal): ApplicationFailure {
  return refusalFailure([refusal]);
}

/** Checks a payload `T & { actor? }` against its message schema; returns the body without the actor. */
function parsePayload<T>(message: keyof typeof MESSAGE_SCHEMAS.partner, payload: WithActor<T>): T {
  const issues = payloadIssues(MESSAGE_SCHEMAS.partner[message], payload);
  if (issues.length) throw refused(invalidMessageRefusal(issues));
  const { actor: _actor, ...body } = payload;
  return body as T;
}

/** The term an enrollment's reminders belong to starts at its acceptance or its latest renewal. */
function termStartMs(e: Enrollment): number {
  return Date.parse(e.renewals.length ? e.renewals[e.renewals.length - 1] : e.acceptedAt);
}

interface DueEvent {
  offering: string;
  kind: string;
  atMs: number;
  lapse: boolean;
}

export async function partnerWorkflow(input: PartnerWorkflowInput): Promise<void> {
  const { partnerId } = input;
  let state: PartnerState | undefined = input.state;
  // Bumped by every change, so the timer loop re-evaluates what is due next.
  let version = 0;
  // Writes the record store whenever the state changed (SPEC §8).
  startPartnerRecorder(() => state);

  const now = () => Date.now(); // workflow time
  const touch = () => {
    if (state) state.updatedAt = toIso(now());
    version++;
  };

  // Enrolling before a profile exists is not allowed in the partner's current state (409), the same
  // code the eligibility check uses for a partner without a profile.
  const noProfile = () =>
    stateRefusal(Rule.PARTNER_UNKNOWN, `partner ${partnerId} has no profile yet; create it first`);

  // ---------- queries ----------
  // Until its first profile the entity is not a partner yet: the state query answers undefined (callers
  // treat it as an unknown partner, like a missing workflow) and every matrix row names PARTNER_UNKNOWN.
  setHandler(partnerStateQuery, () => state as PartnerState);
  setHandler(eligibilityMatrixQuery, () => eligibilityMatrix(state, now()));

  // ---------- updates (synchronous handlers: no interleaving, no lock needed) ----------
  setHandler(
    profileReplacedUpdate,
    (payload: WithActor<PartnerProfile>) => {
      const profile = parsePayload('profileReplaced', payload);
      const at = toIso(now());
      if (state) state.profile = profile;
      else state = { partnerId, profile, enrollments: {}, notifications: [], createdAt: at, updatedAt: at };
      touch();
      return state;
    },
    { validator: (payload: WithActor<PartnerProfile>) => void parsePayload('profileReplaced', payload) },
  );

  const enrollmentCheck = (
    message: 'enrollmentRequested' | 'enrollmentRenewed',
    payload: WithActor<EnrollmentRequest>,
  ): { current: PartnerState; offering: string } => {
    const { offering } = parsePayload(message, payload);
    if (!state) throw refused(noProfile());
    return { current: state, offering };
  };

  setHandler(
    enrollmentRequestedUpdate,
    (payload: WithActor<EnrollmentRequest>) => {
      const { current, offering } = enrollmentCheck('enrollmentRequested', payload);
      // Checked again in the handler: the validator's answer must still hold when the change is applied.
      const refusal = enrollmentRefusal(current, offering, now());
      if (refusal) throw refused(refusal);
      const acceptedAtMs = now();
      current.enrollments[offering] = {
        offering,
        acceptedAt: toIso(acceptedAtMs),
        validUntil: toIso(enrollmentValidUntil(acceptedAtMs)),
        status: 'ACTIVE',
        renewals: [],
      };
      touch();
      return current;
    },
    {
      validator: (payload: WithActor<EnrollmentRequest>) => {
        const { current, offering } = enrollmentCheck('enrollmentRequested', payload);
        const refusal = enrollmentRefusal(current, offering, now());
        if (refusal) throw refused(refusal);
      },
    },
  );

  setHandler(
    enrollmentRenewedUpdate,
    (payload: WithActor<EnrollmentRequest>) => {
      const { current, offering } = enrollmentCheck('enrollmentRenewed', payload);
      const enrollment = current.enrollments[offering];
      const refusal = renewalRefusal(enrollment, now());
      if (refusal) throw refused(refusal);
      current.enrollments[offering] = {
        ...enrollment,
        validUntil: toIso(renewedValidUntil(enrollment)),
        renewals: [...enrollment.renewals, toIso(now())],
      };
      touch(); // the loop reschedules the reminders and the lapse for the new term
      return current;
    },
    {
      validator: (payload: WithActor<EnrollmentRequest>) => {
        const { current, offering } = enrollmentCheck('enrollmentRenewed', payload);
        const refusal = renewalRefusal(current.enrollments[offering], now());
        if (refusal) throw refused(refusal);
      },
    },
  );

  // ---------- timers ----------

  /** Due now (lapses first, then the one reminder per enrollment reminderSchedule says is due) and the next one to come. */
  function schedule(s: PartnerState, nowMs: number): { due: DueEvent[]; next?: DueEvent } {
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

  function record(s: PartnerState, event: DueEvent, nowMs: number): PartnerNotification {
    const enrollment = s.enrollments[event.offering];
    const message = event.lapse
      ? `Your ${event.offering} enrollment lapsed on ${enrollment.validUntil}; enroll again to deliver ${event.offering} engagements.`
      : `Your ${event.offering} enrollment lapses on ${enrollment.validUntil}; renew it (renewal is open from ${RENEWAL_WINDOW_DAYS} days before lapse).`;
    const notification: PartnerNotification = { kind: event.kind, offering: event.offering, at: toIso(nowMs), message };
    if (event.lapse) enrollment.status = 'LAPSED';
    s.notifications.push(notification);
    if (s.notifications.length > MAX_NOTIFICATIONS)
      s.notifications.splice(0, s.notifications.length - MAX_NOTIFICATIONS);
    return notification;
  }

  async function deliver(notification: PartnerNotification): Promise<void> {
    try {
      const result = await notifyPartner({
        partnerId,
        kind: notification.kind,
        message: notification.message,
        at: notification.at,
      });
      notification.delivered = result.delivered;
      if (result.detail) notification.detail = result.detail;
    } catch (err) {
      // Retries exhausted: recorded, and the entity carries on.
      notification.delivered = false;
      notification.detail = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
      log.warn('partner notification not delivered', {
        partnerId,
        kind: notification.kind,
        detail: notification.detail,
      });
    }
  }

  const describe = (s: PartnerState | undefined, next: DueEvent | undefined) => {
    if (!s) return `partner ${partnerId}: no profile yet`;
    const enrollments = Object.values(s.enrollments)
      .map(
        (e) => `${e.offering} ${e.status}${e.status === 'ACTIVE' ? ` until ${dateOf(Date.parse(e.validUntil))}` : ''}`,
      )
      .join(', ');
    return `partner ${partnerId} (${s.profile.name}): ${enrollments || 'no enrollments'}${next ? `; next: ${next.offering} ${next.kind} at ${toIso(next.atMs)}` : ''}`;
  };

  for (;;) {
    let next: DueEvent | undefined;
    if (state) {
      const current: PartnerState = state;
      const planned = schedule(current, now());
      if (planned.due.length) {
        const recorded = planned.due.map((event) => record(current, event, now()));
        touch();
        // Sent one after the other; a failing one only delays the next by its bounded retries.
        for (const n of recorded) await deliver(n);
        continue; // re-plan from the new state (and time)
      }
      next = planned.next;
    }
    setCurrentDetails(describe(state, next));

    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > HISTORY_EVENTS_LIMIT) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof partnerWorkflow>({ partnerId, state });
    }

    const seen = version;
    if (next) {
      const summary = next.lapse ? `enrollment ${next.offering} lapse` : `enrollment ${next.offering} ${next.kind}`;
      await condition(() => version !== seen, Math.max(next.atMs - now(), 1), { summary });
    } else {
      await condition(() => version !== seen);
    }
  }
}
