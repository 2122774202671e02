// What each engagement message does: a `check` (the synchronous checks the Update validator runs:
// actor, status, program rules on what the workflow knows now) and an `apply` (the change, which may
// await activities and may still refuse). The Update handler and the Signal reach the same two.
import { toIso } from '../../domain/dates';
import { statusRefusal, type EngagementMessage, type EngagementState } from '../../domain/engagement';
import { Rule, ruleRefusal, stateRefusal, type Refusal } from '../../domain/refusals';
import { actorRefusal, partnerIdOfActor, type ActorPolicy } from '../../domain/rules/actors';
import {
  completionReportRefusals,
  forwardingRefusals,
  hasEngagementStarted,
  redemptionRefusals,
  reservationRefusals,
} from '../../domain/rules/delivery';
import { invoiceDueAtMs } from '../../domain/rules/invoice';
import { daysDisposition, extendedExpiry } from '../../domain/rules/voucher';
import type { EngagementPayloads } from '../messages';
import { registry } from './activities';
import type { EngagementRun } from './run';
import { claimSlot, releaseSlot } from './slot';

export interface MessageHandler<K extends EngagementMessage> {
  check(run: EngagementRun, msg: EngagementPayloads[K], actor: string, nowMs: number): Refusal[];
  /** Applies an accepted message; refusals found on the way leave the state unchanged. */
  apply(run: EngagementRun, msg: EngagementPayloads[K], actor: string): Promise<Refusal[]>;
}

const PARTNER_OR_STAFF: ActorPolicy = { partner: true, staff: true };
const STAFF_ONLY: ActorPolicy = { partner: false, staff: true };

const present = (refusals: (Refusal | undefined)[]) => refusals.filter((r): r is Refusal => r !== undefined);

/** Refusals that stop a message early (status, actor); the program rules run only when there are none. */
function unless(early: (Refusal | undefined)[], rules: () => Refusal[]): Refusal[] {
  const found = present(early);
  return found.length ? found : rules();
}

/** The status and actor checks most messages share. */
function gate(name: EngagementMessage, state: EngagementState, actor: string, policy = PARTNER_OR_STAFF) {
  return [statusRefusal(name, state.status), actorRefusal(actor, state.partnerId, policy)];
}

function ineligibility(state: EngagementState): Refusal | undefined {
  if (!state.eligibility || state.eligibility.eligible) return undefined;
  const codes = state.eligibility.refusals.map((r) => r.code).join(', ');
  return ruleRefusal(Rule.PARTNER_NOT_ELIGIBLE, `partner ${state.partnerId} is not eligible: ${codes}`);
}

function daysOutcome(state: EngagementState): string {
  return state.daysDisposition?.outcome === 'LOST' ? 'lost' : 'returned to the pool';
}

const voucherForwarded: MessageHandler<'voucherForwarded'> = {
  check({ state }, m, actor, nowMs) {
    const partnerId = partnerIdOfActor(actor);
    const forAnother: Refusal | undefined =
      partnerId !== undefined && partnerId !== m.partnerId
        ? {
            kind: 'FORBIDDEN',
            code: 'FORWARDING_FOR_ANOTHER_PARTNER',
            message: 'a partner can only take a voucher for itself',
          }
        : undefined;
    const rules = forwardingRefusals(state, m, nowMs);
    // Without the project manager's e-mail a caller learns nothing else, not even the status.
    const mismatch = rules.find((r) => r.code === Rule.PROJECT_MANAGER_EMAIL_MISMATCH);
    if (mismatch) return [mismatch];
    return unless([statusRefusal('voucherForwarded', state.status), forAnother], () => rules);
  },
  async apply(run, m, actor) {
    const { state } = run;
    const result = await registry.checkEligibility.executeWithOptions(
      { summary: `eligibility of ${m.partnerId} for ${state.engagementType}` },
      [{ partnerId: m.partnerId, engagementType: state.engagementType, atMs: run.now() }],
    );
    const again = statusRefusal('voucherForwarded', state.status);
    if (again) return [again];
    const previous = state.partnerId;
    state.partnerId = m.partnerId;
    state.partnerSnapshot = result.snapshot;
    const eligible = result.refusals.length === 0;
    state.eligibility = { partnerId: m.partnerId, checkedAt: toIso(run.now()), eligible, refusals: result.refusals };
    const verdict = eligible ? 'eligible' : `not eligible (${result.refusals.map((r) => r.code).join(', ')})`;
    const how = previous && previous !== m.partnerId ? `taken over from ${previous} by` : 'forwarded to';
    run.record('voucherForwarded', actor, true, { detail: `${how} ${m.partnerId}: ${verdict}` });
    run.setStatus('FORWARDED', `Voucher ${state.voucherId} forwarded to partner ${m.partnerId}: ${verdict}`);
    return [];
  },
};

const voucherReserved: MessageHandler<'voucherReserved'> = {
  check({ state }, m, actor, nowMs) {
    return unless(gate('voucherReserved', state, actor), () =>
      unless([ineligibility(state)], () => reservationRefusals(state, m, nowMs)),
    );
  },
  async apply(run, m, actor) {
    const { state } = run;
    // Re-read the partner: the profile may have changed since forwarding.
    const fresh = await registry.checkEligibility.executeWithOptions(
      { summary: `eligibility of ${state.partnerId} at start ${m.startDate}` },
      [
        {
          partnerId: state.partnerId!,
          engagementType: state.engagementType,
          atMs: run.now(),
          competencyDate: m.startDate,
        },
      ],
    );
    const candidate = { ...state, partnerSnapshot: fresh.snapshot };
    const refusals = present([
      statusRefusal('voucherReserved', state.status),
      ...reservationRefusals(candidate, m, run.now()),
    ]);
    if (refusals.length) return refusals;
    if (state.days === 15) {
      const taken = await claimSlot(run, m);
      if (taken) return [taken];
      if (state.status !== 'FORWARDED') {
        await releaseSlot(run);
        return [statusRefusal('voucherReserved', state.status)!];
      }
    }
    const { actor: _actor, ...reservation } = m;
    state.partnerSnapshot = fresh.snapshot;
    state.reservation = { ...reservation, reservedAt: toIso(run.now()) };
    run.record('voucherReserved', actor, true, {
      detail: `${m.startDate}..${m.endDate} at ${m.locationId} (${m.deliveryCountry}) by ${m.consultantId}`,
    });
    run.setStatus(
      'RESERVED',
      `Voucher ${state.voucherId} reserved by ${state.partnerId} from ${m.startDate} to ${m.endDate}`,
    );
    return [];
  },
};

const reservationChanged: MessageHandler<'reservationChanged'> = {
  check({ state }, m, actor, nowMs) {
    return unless(gate('reservationChanged', state, actor), () => {
      const reservation = state.reservation;
      if (!reservation) return [];
      if (hasEngagementStarted(reservation, nowMs)) {
        const message = `the engagement started on ${reservation.startDate}; its dates can no longer change`;
        return [stateRefusal('ENGAGEMENT_STARTED', message)];
      }
      return reservationRefusals(state, { ...reservation, startDate: m.startDate, endDate: m.endDate }, nowMs);
    });
  },
  async apply(run, m, actor) {
    const { state } = run;
    const before = `${state.reservation!.startDate}..${state.reservation!.endDate}`;
    state.reservation = { ...state.reservation!, startDate: m.startDate, endDate: m.endDate };
    run.record('reservationChanged', actor, true, { detail: `${before} → ${m.startDate}..${m.endDate}` });
    run.notify(
      'RESERVATION_CHANGED',
      `Reservation of voucher ${state.voucherId} moved to ${m.startDate}..${m.endDate}`,
    );
    run.publish();
    return Promise.resolve([]);
  },
};

const reservationCancelled: MessageHandler<'reservationCancelled'> = {
  check: ({ state }, _m, actor) => unless(gate('reservationCancelled', state, actor), () => []),
  async apply(run, m, actor) {
    const { state } = run;
    state.reservation = undefined;
    run.record('reservationCancelled', actor, true, { detail: m.reason });
    run.setStatus('FORWARDED', `Reservation of voucher ${state.voucherId} cancelled${m.reason ? `: ${m.reason}` : ''}`);
    await releaseSlot(run);
    return [];
  },
};

const completionReportSubmitted: MessageHandler<'completionReportSubmitted'> = {
  check: ({ state }, m, actor, nowMs) =>
    unless(gate('completionReportSubmitted', state, actor), () => completionReportRefusals(state, m, nowMs)),
  apply(run, m, actor) {
    const { actor: _actor, ...report } = m;
    run.state.report = { ...report, submittedAt: toIso(run.now()) };
    run.record('completionReportSubmitted', actor, true, {
      detail: `${report.deliveredFrom}..${report.deliveredTo}, ${report.onSiteDays} on-site + ${report.offSiteDays} off-site`,
    });
    run.setStatus('REPORT_SUBMITTED', `Completion report submitted for voucher ${run.state.voucherId}`);
    return Promise.resolve([]);
  },
};

const voucherRedeemed: MessageHandler<'voucherRedeemed'> = {
  check: ({ state }, _m, actor, nowMs) =>
    unless(gate('voucherRedeemed', state, actor), () => redemptionRefusals(state, nowMs)),
  apply(run, _m, actor) {
    const { state } = run;
    const t = run.now();
    state.redeemedAt = toIso(t);
    state.deadlines.invoiceDueAt = toIso(invoiceDueAtMs(t));
    state.invoice = { dueAt: state.deadlines.invoiceDueAt, attempts: 0 };
    run.record('voucherRedeemed', actor, true);
    run.setStatus(
      'REDEEMED',
      `Voucher ${state.voucherId} redeemed; the invoice is due by ${state.deadlines.invoiceDueAt}`,
    );
    return Promise.resolve([]);
  },
};

const engagementCancelled: MessageHandler<'engagementCancelled'> = {
  check: ({ state }, _m, actor) => unless(gate('engagementCancelled', state, actor, STAFF_ONLY), () => []),
  async apply(run, m, actor) {
    const { state } = run;
    state.cancellation = { reason: m.reason, at: toIso(run.now()), actor };
    state.daysDisposition = daysDisposition(state.customer.enrollmentEndsAt, state.days, run.now(), 'CANCELLED');
    run.record('engagementCancelled', actor, true, { detail: `${m.reason}; ${state.days} days ${daysOutcome(state)}` });
    run.setStatus('CANCELLED', `Engagement ${state.voucherId} cancelled: ${m.reason}`);
    await releaseSlot(run);
    return [];
  },
};

const invoiceRetryRequested: MessageHandler<'invoiceRetryRequested'> = {
  check: ({ state }, _m, actor, nowMs) =>
    unless(gate('invoiceRetryRequested', state, actor), () =>
      state.invoice && nowMs >= Date.parse(state.invoice.dueAt)
        ? [ruleRefusal(Rule.INVOICE_WINDOW_CLOSED, `the invoice window closed at ${state.invoice.dueAt}`)]
        : [],
    ),
  apply(run, m, actor) {
    run.invoiceRetryRequested = true;
    run.record('invoiceRetryRequested', actor, true, { detail: m.note });
    return Promise.resolve([]);
  },
};

const voucherExpiryExtended: MessageHandler<'voucherExpiryExtended'> = {
  check: ({ state }, _m, actor) => unless(gate('voucherExpiryExtended', state, actor, STAFF_ONLY), () => []),
  apply(run, m, actor) {
    const { state } = run;
    const moved = extendedExpiry(state.deadlines.voucherExpiresAt, m.days);
    state.deadlines = { ...state.deadlines, ...moved };
    run.expiresAtMs = Date.parse(moved.voucherExpiresAt);
    run.record('voucherExpiryExtended', actor, true, {
      detail: `+${m.days} days, valid until ${moved.lastValidDate}: ${m.reason}`,
    });
    run.notify(
      'VOUCHER_EXPIRY_EXTENDED',
      `Voucher ${state.voucherId} extended by ${m.days} days: valid until ${moved.lastValidDate} (expires ${moved.voucherExpiresAt})`,
    );
    run.publish();
    return Promise.resolve([]);
  },
};

export const MESSAGE_TABLE: { [K in EngagementMessage]: MessageHandler<K> } = {
  voucherForwarded,
  voucherReserved,
  reservationChanged,
  reservationCancelled,
  completionReportSubmitted,
  voucherRedeemed,
  engagementCancelled,
  invoiceRetryRequested,
  voucherExpiryExtended,
};
