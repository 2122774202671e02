// Rules for the partner's steps on a voucher: forwarding, reservation (and its change), the
// completion report, redemption, and the 15-day repeat rule.
import { Catalog, MAX_OFF_SITE_DAYS, catalog as defaultCatalog, findEngagementType } from '../catalog';
import { dateOf, daysBetween } from '../dates';
import type { EngagementState } from '../engagement';
import { eligibilityRefusals, isConsultantQualified } from '../partner';
import { Refusal, Rule, ruleRefusal } from '../refusals';
import type { CompletionReport, Forwarding, Reservation, ReservationChange } from '../schemas';

/** The partner presents the voucher ID and the customer project manager's e-mail (case-insensitive). */
export function forwardingRefusals(
  state: Pick<EngagementState, 'customer' | 'deadlines'>,
  forwarding: Forwarding,
  nowMs: number,
): Refusal[] {
  const refusals: Refusal[] = [];
  if (forwarding.projectManagerEmail.trim().toLowerCase() !== state.customer.projectManagerEmail.trim().toLowerCase()) {
    refusals.push(
      ruleRefusal(Rule.PROJECT_MANAGER_EMAIL_MISMATCH, "the e-mail is not the voucher's project manager's", [
        'projectManagerEmail',
      ]),
    );
  }
  if (nowMs >= Date.parse(state.deadlines.voucherExpiresAt))
    refusals.push(ruleRefusal(Rule.VOUCHER_EXPIRED, 'the voucher has expired'));
  return refusals;
}

/** Dates of a reservation: from today, end not before start, long enough for the days, inside validity. */
export function reservationDateRefusals(
  state: Pick<EngagementState, 'deadlines' | 'days'>,
  dates: ReservationChange,
  nowMs: number,
): Refusal[] {
  const refusals: Refusal[] = [];
  const today = dateOf(nowMs);
  // The deadlines, not the assignment: a validity extension moves them.
  const last = state.deadlines.lastValidDate;
  if (dates.startDate < today)
    refusals.push(
      ruleRefusal(Rule.START_DATE_IN_PAST, `the start date must be today (${today}) or later`, ['startDate']),
    );
  if (dates.endDate < dates.startDate) {
    refusals.push(ruleRefusal(Rule.END_BEFORE_START, 'the end date is before the start date', ['endDate']));
  } else if (daysBetween(dates.startDate, dates.endDate) + 1 < state.days) {
    refusals.push(
      ruleRefusal(
        Rule.RESERVED_SPAN_TOO_SHORT,
        `${state.days} days cannot be delivered between ${dates.startDate} and ${dates.endDate}`,
        ['endDate'],
      ),
    );
  }
  if (dates.startDate > last || dates.endDate > last) {
    refusals.push(
      ruleRefusal(
        Rule.DATES_AFTER_EXPIRY,
        `the voucher is valid until ${last}`,
        dates.startDate > last ? ['startDate', 'endDate'] : ['endDate'],
      ),
    );
  }
  return refusals;
}

/** Everything a reservation must satisfy, given what is known of the partner. */
export function reservationRefusals(
  state: EngagementState,
  reservation: Reservation,
  nowMs: number,
  from: Catalog = defaultCatalog,
): Refusal[] {
  const type = findEngagementType(state.engagementType, from);
  if (!type)
    return [ruleRefusal(Rule.ENGAGEMENT_TYPE_UNKNOWN, `engagement type ${state.engagementType} is not in the catalog`)];
  const partner = state.partnerSnapshot;
  const refusals = reservationDateRefusals(state, reservation, nowMs);
  // Eligibility again, with the competency checked at the engagement start.
  refusals.push(
    ...eligibilityRefusals(partner, type, nowMs, reservation.startDate).filter(
      (r) => r.code !== Rule.NO_QUALIFIED_CONSULTANT && r.code !== Rule.NO_LOCATION,
    ),
  );
  if (partner) {
    const location = partner.profile.locations.find((l) => l.locationId === reservation.locationId);
    if (!location) {
      refusals.push(
        ruleRefusal(Rule.LOCATION_UNKNOWN, `location ${reservation.locationId} is not one of the partner's`, [
          'locationId',
        ]),
      );
    } else if (location.country !== reservation.deliveryCountry) {
      refusals.push(
        ruleRefusal(
          Rule.LOCATION_COUNTRY_MISMATCH,
          `location ${location.locationId} is in ${location.country}, not the delivery country ${reservation.deliveryCountry}`,
          ['locationId', 'deliveryCountry'],
        ),
      );
    }
    refusals.push(...consultantRefusals(state, reservation.consultantId, from));
  }
  return refusals;
}

export function consultantRefusals(
  state: EngagementState,
  consultantId: string,
  from: Catalog = defaultCatalog,
): Refusal[] {
  const type = findEngagementType(state.engagementType, from);
  const profile = state.partnerSnapshot?.profile;
  if (!type || !profile) return [];
  if (!profile.consultants.some((c) => c.consultantId === consultantId)) {
    return [
      ruleRefusal(Rule.CONSULTANT_UNKNOWN, `consultant ${consultantId} is not one of the partner's`, ['consultantId']),
    ];
  }
  if (!isConsultantQualified(profile, consultantId, type)) {
    return [
      ruleRefusal(
        Rule.CONSULTANT_NOT_QUALIFIED,
        `consultant ${consultantId} has passed no exam in a qualifying competency area`,
        ['consultantId'],
      ),
    ];
  }
  return [];
}

/** A reservation may change only before the engagement starts. */
export function hasEngagementStarted(reservation: Pick<Reservation, 'startDate'>, nowMs: number): boolean {
  return dateOf(nowMs) >= reservation.startDate;
}

export function completionReportRefusals(
  state: EngagementState,
  report: CompletionReport,
  nowMs: number,
  from: Catalog = defaultCatalog,
): Refusal[] {
  const refusals: Refusal[] = [];
  const today = dateOf(nowMs);
  const last = state.deadlines.lastValidDate;
  if (state.reservation && report.deliveredFrom < state.reservation.startDate) {
    refusals.push(
      ruleRefusal(
        Rule.DELIVERY_BEFORE_RESERVATION,
        `delivery cannot start before the reserved start ${state.reservation.startDate}`,
        ['deliveredFrom'],
      ),
    );
  }
  if (report.deliveredTo < report.deliveredFrom)
    refusals.push(ruleRefusal(Rule.END_BEFORE_START, 'deliveredTo is before deliveredFrom', ['deliveredTo']));
  if (report.deliveredTo > today)
    refusals.push(
      ruleRefusal(Rule.DELIVERY_IN_FUTURE, `delivery cannot end in the future (today is ${today})`, ['deliveredTo']),
    );
  if (report.deliveredTo > last)
    refusals.push(ruleRefusal(Rule.DELIVERY_AFTER_EXPIRY, `the voucher was valid until ${last}`, ['deliveredTo']));
  if (report.onSiteDays + report.offSiteDays !== state.days) {
    refusals.push(
      ruleRefusal(Rule.DELIVERED_DAYS_MISMATCH, `on-site + off-site days must be the voucher's ${state.days} days`, [
        'onSiteDays',
        'offSiteDays',
      ]),
    );
  } else if (
    report.deliveredTo >= report.deliveredFrom &&
    daysBetween(report.deliveredFrom, report.deliveredTo) + 1 < state.days
  ) {
    refusals.push(
      ruleRefusal(
        Rule.DELIVERED_DAYS_MISMATCH,
        `${state.days} days cannot fit between ${report.deliveredFrom} and ${report.deliveredTo}`,
        ['deliveredTo'],
      ),
    );
  }
  if (report.offSiteDays > MAX_OFF_SITE_DAYS) {
    refusals.push(
      ruleRefusal(Rule.OFF_SITE_DAYS_EXCEEDED, `at most ${MAX_OFF_SITE_DAYS} days may be delivered off-site`, [
        'offSiteDays',
      ]),
    );
  }
  for (const kind of ['COMPLETION_REPORT', 'CUSTOMER_PLANNING_DELIVERABLE'] as const) {
    if (!report.deliverables.some((d) => d.kind === kind)) {
      refusals.push(ruleRefusal(Rule.DELIVERABLE_MISSING, `a ${kind} deliverable is required`, ['deliverables']));
    }
  }
  refusals.push(...consultantRefusals(state, report.consultantId, from));
  return refusals;
}

export function redemptionRefusals(state: Pick<EngagementState, 'deadlines'>, nowMs: number): Refusal[] {
  return nowMs >= Date.parse(state.deadlines.voucherExpiresAt)
    ? [ruleRefusal(Rule.VOUCHER_EXPIRED, 'a voucher must be redeemed before it expires')]
    : [];
}

/** One 15-day engagement of a type per customer agreement, per division and product scope. */
export interface FifteenDayClaim {
  voucherId: string;
  agreementNumber: string;
  engagementType: string;
  division?: string;
  productScope?: string;
  /** Names this reservation's claim (claims made before tokens have none). */
  token?: string;
}

/** A release of a voucher's claim; with a token, only of the claim made with that token. */
export interface FifteenDayRelease {
  voucherId: string;
  token?: string;
}

/**
 * The token of a voucher's n-th claim. A voucher's claims replace each other, and each is released
 * by its own token, so a late release of an earlier reservation cannot free a later one's slot.
 */
export const fifteenDayClaimToken = (voucherId: string, n: number): string => `${voucherId}#${n}`;

/** The claims left after a release: without a token every claim of the voucher goes (as before tokens). */
export function claimsAfterRelease(claims: FifteenDayClaim[], release: FifteenDayRelease): FifteenDayClaim[] {
  return claims.filter(
    (c) => c.voucherId !== release.voucherId || (release.token !== undefined && c.token !== release.token),
  );
}

const norm = (v: string | undefined) => (v ?? '').trim().toLowerCase();

export function fifteenDayRepeatRefusal(existing: FifteenDayClaim[], candidate: FifteenDayClaim): Refusal | undefined {
  const clash = existing.find(
    (c) =>
      c.voucherId !== candidate.voucherId &&
      c.agreementNumber === candidate.agreementNumber &&
      c.engagementType === candidate.engagementType &&
      norm(c.division) === norm(candidate.division) &&
      norm(c.productScope) === norm(candidate.productScope),
  );
  return clash
    ? ruleRefusal(
        Rule.REPEAT_FIFTEEN_DAY_ENGAGEMENT,
        `agreement ${candidate.agreementNumber} already has a 15-day ${candidate.engagementType} engagement (voucher ${clash.voucherId}) for the same division and product scope`,
        ['division', 'productScope'],
      )
    : undefined;
}
