// What each engagement message does: a `check` (the synchronous checks the Update validator runs:
// actor, status, program rules on what the workflow knows now) and an `apply` (the change, which may
// await activities and may still refuse). The Update handler and the Signal reach the same two.
import { toIso } from '../../domain/dates';
import { statusRefusal, type EngagementMessage, type EngagementState } from '../../domain/engagement';
import { Rule, ruleRefusal, stateRefusal, type Refusal } from '../../domain/refusals';
import { actorRefusal, partnerIdOfActor, type ActorPolicy } from '../../domain/rules/actors';
import {
  consultantRefusals,
  deliveryReportRefusals,
  forwardingRefusals,
  hasEngagementStarted,
  redemptionRefusals,
  reservationDateRefusals,
  reservationPartnerRefusals,
  reservationRefusals,
  reservationWarnings,
} from '../../domain/rules/delivery';
import { afterWrongEmail, forwardingLockRefusal } from '../../domain/rules/forwarding-guard';
import { invoiceDueAtMs } from '../../domain/rules/invoice';
import { daysDisposition, extendedExpiry } from '../../domain/rules/voucher';
import type { EngagementPayloads } from '../messages';
import { registry } from './activities';
import type { EngagementChange } from './change-level';
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

/** The partner entity read now, with eligibility checked at the workflow's time. */
function readPartner(run: EngagementRun, why: string, competencyDate?: string, deliveryCountry?: string) {
  const { state } = run;
  return registry.checkEligibility.executeWithOptions({ summary: `eligibility of ${state.partnerId} ${why}` }, [
    {
      partnerId: state.partnerId!,
      engagementType: state.engagementType,
      atMs: run.now(),
      competencyDate,
      type: run.input.catalogEntry?.type,
      deliveryCountry,
    },
  ]);
}

/** Reservation changes and completion reports check the partner as it is now (a renewal, a consultant added). */
export const PARTNER_REREAD_PATCH = 'partner-reread-on-change' satisfies EngagementChange;

/**
 * The partner data a reservation change or completion report is checked against: read again, or
 * (histories from before the patch) as read at reservation. A partner that can no longer be read
 * keeps its last known data.
 */
async function currentPartner(run: EngagementRun, why: string, startDate?: string) {
  if (!run.hasChange(PARTNER_REREAD_PATCH)) return run.state.partnerSnapshot;
  const fresh = await readPartner(run, why, startDate);
  return fresh.snapshot ?? run.state.partnerSnapshot;
}

function daysOutcome(state: EngagementState): string {
  return state.daysDisposition?.outcome === 'LOST' ? 'lost' : 'returned to the pool';
}

/** Partners' wrong e-mails are counted in the engagement (so the limit holds across API processes). */
export const FORWARDING_GUARD_PATCH = 'forwarding-guard' satisfies EngagementChange;

const mismatchOf = (refusals: Refusal[]) => refusals.find((r) => r.code === Rule.PROJECT_MANAGER_EMAIL_MISMATCH);

const voucherForwarded: MessageHandler<'voucherForwarded'> = {
  check({ state }, m, actor, nowMs) {
    const partnerId = partnerIdOfActor(actor);
    // Without the project manager's e-mail a caller learns nothing, not even the status: a partner's
    // wrong e-mail goes on to apply, which counts it; while forwarding is locked partners get only that.
    const locked = partnerId !== undefined ? forwardingLockRefusal(state.forwardingGuard, nowMs) : undefined;
    if (locked) return [locked];
    const rules = forwardingRefusals(state, m, nowMs);
    const mismatch = mismatchOf(rules);
    if (mismatch) return partnerId !== undefined ? [] : [mismatch];
    const forAnother: Refusal | undefined =
      partnerId !== undefined && partnerId !== m.partnerId
        ? {
            kind: 'FORBIDDEN',
            code: 'FORWARDING_FOR_ANOTHER_PARTNER',
            message: 'a partner can only take a voucher for itself',
          }
        : undefined;
    return unless([statusRefusal('voucherForwarded', state.status), forAnother], () => rules);
  },
  async apply(run, m, actor) {
    const { state } = run;
    const mismatch = mismatchOf(forwardingRefusals(state, m, run.now()));
    if (mismatch) {
      if (run.hasChange(FORWARDING_GUARD_PATCH))
        state.forwardingGuard = afterWrongEmail(state.forwardingGuard, run.now());
      return [mismatch];
    }
    const result = await registry.checkEligibility.executeWithOptions(
      { summary: `eligibility of ${m.partnerId} for ${state.engagementType}` },
      [
        {
          partnerId: m.partnerId,
          engagementType: state.engagementType,
          atMs: run.now(),
          type: run.input.catalogEntry?.type,
        },
      ],
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
  check({ state, catalog }, m, actor, nowMs) {
    return unless(gate('voucherReserved', state, actor), () =>
      unless([ineligibility(state)], () => reservationRefusals(state, m, nowMs, catalog)),
    );
  },
  async apply(run, m, actor) {
    const { state } = run;
    // Re-read the partner: the profile may have changed since forwarding.
    const fresh = await readPartner(run, `at start ${m.startDate}`, m.startDate, m.deliveryCountry);
    const candidate = { ...state, partnerSnapshot: fresh.snapshot };
    const refusals = present([
      statusRefusal('voucherReserved', state.status),
      ...reservationRefusals(candidate, m, run.now(), run.catalog),
      fresh.rateRefusal,
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
    const warnings = reservationWarnings(state, m);
    state.reservation = { ...reservation, reservedAt: toIso(run.now()), ...(warnings.length ? { warnings } : {}) };
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
      // The partner's part is checked in apply, against the partner as it is now.
      return reservationDateRefusals(state, m, nowMs);
    });
  },
  async apply(run, m, actor) {
    const { state } = run;
    const moved = { ...state.reservation!, startDate: m.startDate, endDate: m.endDate };
    const partnerSnapshot = await currentPartner(run, `for dates ${m.startDate}..${m.endDate}`, m.startDate);
    const refusals = present([
      statusRefusal('reservationChanged', state.status),
      ...reservationPartnerRefusals({ ...state, partnerSnapshot }, moved, run.now(), run.catalog),
    ]);
    if (refusals.length) return refusals;
    state.partnerSnapshot = partnerSnapshot;
    const before = `${state.reservation!.startDate}..${state.reservation!.endDate}`;
    const warnings = reservationWarnings(state, m);
    const { warnings: _before, ...kept } = state.reservation!;
    state.reservation = {
      ...kept,
      startDate: m.startDate,
      endDate: m.endDate,
      ...(warnings.length ? { warnings } : {}),
    };
    run.record('reservationChanged', actor, true, { detail: `${before} → ${m.startDate}..${m.endDate}` });
    run.notify(
      'RESERVATION_CHANGED',
      `Reservation of voucher ${state.voucherId} moved to ${m.startDate}..${m.endDate}`,
    );
    run.publish();
    return [];
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
  // The consultant is checked in apply, against the partner as it is now.
  check: ({ state }, m, actor, nowMs) =>
    unless(gate('completionReportSubmitted', state, actor), () => deliveryReportRefusals(state, m, nowMs)),
  async apply(run, m, actor) {
    const { state } = run;
    const partnerSnapshot = await currentPartner(run, `for consultant ${m.consultantId}`);
    const refusals = present([
      statusRefusal('completionReportSubmitted', state.status),
      ...consultantRefusals({ ...state, partnerSnapshot }, m.consultantId, run.catalog),
    ]);
    if (refusals.length) return refusals;
    state.partnerSnapshot = partnerSnapshot;
    const { actor: _actor, ...report } = m;
    state.report = { ...report, submittedAt: toIso(run.now()) };
    run.record('completionReportSubmitted', actor, true, {
      detail: `${report.deliveredFrom}..${report.deliveredTo}, ${report.onSiteDays} on-site + ${report.offSiteDays} off-site`,
    });
    run.setStatus('REPORT_SUBMITTED', `Completion report submitted for voucher ${state.voucherId}`);
    return [];
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
