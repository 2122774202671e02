// The partner entity's state, and the program rules about a partner: enrollment with its yearly
// lapse and renewal window, and eligibility per engagement type with the unmet requirements named.
import { Catalog, EngagementType, catalog as defaultCatalog, competencyLevelRank, findOffering } from './catalog';
import { DAY_MS, dateOf } from './dates';
import { Refusal, Rule, ruleRefusal } from './refusals';
import type { PartnerProfile } from './schemas';

/** Nominal term; the lapse date itself is computed as one calendar year (see enrollmentValidUntil). */
export const ENROLLMENT_TERM_DAYS = 365;
export const RENEWAL_WINDOW_DAYS = 90;
export const ENROLLMENT_REMINDER_DAYS = [30, 7] as const;

export interface Enrollment {
  offering: string;
  acceptedAt: string;
  validUntil: string;
  status: 'ACTIVE' | 'LAPSED';
  renewals: string[];
  /** The catalog version the latest enrollment or renewal was checked against (absent: before versions). */
  catalogVersion?: string;
}

export interface PartnerSnapshot {
  partnerId: string;
  profile: PartnerProfile;
  enrollments: Record<string, Enrollment>;
}

/**
 * One calendar year later, same UTC time of day (365 days would end a day early across a 29 February).
 * A 29 February anniversary falls on 28 February.
 */
function addYearUtc(ms: number): number {
  const d = new Date(ms);
  const month = d.getUTCMonth();
  d.setUTCFullYear(d.getUTCFullYear() + 1);
  if (d.getUTCMonth() !== month) d.setUTCDate(0);
  return d.getTime();
}

/** Enrollment lasts one year from acceptance. */
export function enrollmentValidUntil(acceptedAtMs: number): number {
  return addYearUtc(acceptedAtMs);
}

export function isEnrollmentActive(enrollment: Enrollment | undefined, atMs: number): boolean {
  return !!enrollment && Date.parse(enrollment.acceptedAt) <= atMs && atMs < Date.parse(enrollment.validUntil);
}

/** Renewal is possible from 90 days before lapse until lapse; it extends the term by a year. */
export function renewalRefusal(enrollment: Enrollment | undefined, nowMs: number): Refusal | undefined {
  if (!enrollment || !isEnrollmentActive(enrollment, nowMs)) {
    return ruleRefusal(Rule.ENROLLMENT_NOT_ACTIVE, 'there is no active enrollment to renew; enroll again instead');
  }
  const opensAt = Date.parse(enrollment.validUntil) - RENEWAL_WINDOW_DAYS * DAY_MS;
  if (nowMs < opensAt) {
    return ruleRefusal(
      Rule.RENEWAL_WINDOW_NOT_OPEN,
      `renewal opens ${RENEWAL_WINDOW_DAYS} days before lapse, on ${dateOf(opensAt)}`,
    );
  }
  return undefined;
}

/** A renewal extends the term by one year from the current lapse date. */
export function renewedValidUntil(enrollment: Enrollment): number {
  return addYearUtc(Date.parse(enrollment.validUntil));
}

function hasQualifyingCompetency(profile: PartnerProfile, type: EngagementType, atDate: string): boolean {
  return profile.competencies.some((c) =>
    type.qualifyingCompetencies.some(
      (q) =>
        q.area === c.area &&
        competencyLevelRank(c.level) >= competencyLevelRank(q.minLevel) &&
        (c.expiresAt === undefined || c.expiresAt >= atDate),
    ),
  );
}

/** A consultant qualifies when they passed at least one exam in a qualifying competency area. */
export function isConsultantQualified(profile: PartnerProfile, consultantId: string, type: EngagementType): boolean {
  const consultant = profile.consultants.find((c) => c.consultantId === consultantId);
  return !!consultant && consultant.exams.some((e) => type.qualifyingCompetencies.some((q) => q.area === e.area));
}

/**
 * The program's requirement for an enrollment term: a competency valid today that qualifies for at
 * least one engagement type of the offering. `renewing` only changes the wording (a renewal names
 * the competencies wanted).
 */
export function qualifyingCompetencyRefusal(
  partner: PartnerSnapshot,
  offeringCode: string,
  nowMs: number,
  from: Catalog = defaultCatalog,
  renewing = false,
): Refusal | undefined {
  const offering = findOffering(offeringCode, from);
  if (!offering) return ruleRefusal(Rule.OFFERING_UNKNOWN, `no offering ${offeringCode} in the catalog`, ['offering']);
  const today = dateOf(nowMs);
  if (offering.engagementTypes.some((t) => hasQualifyingCompetency(partner.profile, t, today))) return undefined;
  if (!renewing) {
    const message = `no current competency qualifies for any engagement type of ${offeringCode}`;
    return ruleRefusal(Rule.ENROLLMENT_NO_QUALIFYING_COMPETENCY, message, ['offering']);
  }
  const wanted = [
    ...new Set(
      offering.engagementTypes.flatMap((t) => t.qualifyingCompetencies.map((q) => `${q.area} (${q.minLevel}+)`)),
    ),
  ].join(' or ');
  return ruleRefusal(
    Rule.ENROLLMENT_NO_QUALIFYING_COMPETENCY,
    `renewing ${offeringCode} needs a competency valid on ${today} that qualifies for one of its engagement types: ${wanted}`,
    ['offering'],
  );
}

/** Enrolling needs a competency that qualifies for at least one engagement type of the offering. */
export function enrollmentRefusal(
  partner: PartnerSnapshot,
  offeringCode: string,
  nowMs: number,
  from: Catalog = defaultCatalog,
): Refusal | undefined {
  if (!findOffering(offeringCode, from)) return qualifyingCompetencyRefusal(partner, offeringCode, nowMs, from);
  if (isEnrollmentActive(partner.enrollments[offeringCode], nowMs)) {
    return ruleRefusal(
      Rule.OFFERING_ALREADY_ENROLLED,
      `already enrolled in ${offeringCode} until ${partner.enrollments[offeringCode].validUntil}; renew instead`,
    );
  }
  return qualifyingCompetencyRefusal(partner, offeringCode, nowMs, from);
}

/**
 * Renewing is enrolling for another year: inside the renewal window, and the requirement still met
 * today (the program asks partners to renew their requirements every year).
 */
export function renewalWithRequirementsRefusal(
  partner: PartnerSnapshot,
  offeringCode: string,
  nowMs: number,
  from: Catalog = defaultCatalog,
): Refusal | undefined {
  return (
    renewalRefusal(partner.enrollments[offeringCode], nowMs) ??
    qualifyingCompetencyRefusal(partner, offeringCode, nowMs, from, true)
  );
}

/**
 * What a partner lacks to deliver an engagement type: an active enrollment now, a qualifying
 * competency valid at `competencyDate` (the engagement start when known, else today), a consultant
 * with a qualifying exam, and a location. Empty means eligible.
 */
export function eligibilityRefusals(
  partner: PartnerSnapshot | undefined,
  type: EngagementType,
  nowMs: number,
  competencyDate: string = dateOf(nowMs),
): Refusal[] {
  if (!partner) return [ruleRefusal(Rule.PARTNER_UNKNOWN, 'the partner has no profile')];
  const refusals: Refusal[] = [];
  if (!isEnrollmentActive(partner.enrollments[type.offering], nowMs)) {
    refusals.push(ruleRefusal(Rule.ENROLLMENT_NOT_ACTIVE, `no active enrollment in ${type.offering}`));
  }
  if (!hasQualifyingCompetency(partner.profile, type, competencyDate)) {
    const wanted = type.qualifyingCompetencies.map((q) => `${q.area} (${q.minLevel}+)`).join(' or ');
    refusals.push(
      ruleRefusal(Rule.COMPETENCY_NOT_QUALIFYING, `needs a competency valid on ${competencyDate}: ${wanted}`),
    );
  }
  if (!partner.profile.consultants.some((c) => isConsultantQualified(partner.profile, c.consultantId, type))) {
    refusals.push(
      ruleRefusal(Rule.NO_QUALIFIED_CONSULTANT, 'no consultant has passed an exam in a qualifying competency area'),
    );
  }
  if (partner.profile.locations.length === 0) {
    refusals.push(ruleRefusal(Rule.NO_LOCATION, 'the partner has no location to deliver from'));
  }
  return refusals;
}

export interface EligibilityMatrixRow {
  offering: string;
  engagementType: string;
  name: string;
  eligible: boolean;
  unmet: Refusal[];
}

/** Every engagement type of the catalog; a partner without a profile (undefined) is unknown for every row. */
export function eligibilityMatrix(
  partner: PartnerSnapshot | undefined,
  nowMs: number,
  from: Catalog = defaultCatalog,
): EligibilityMatrixRow[] {
  return from.offerings.flatMap((o) =>
    o.engagementTypes.map((t) => {
      const unmet = eligibilityRefusals(partner, t, nowMs);
      return { offering: o.code, engagementType: t.code, name: t.name, eligible: unmet.length === 0, unmet };
    }),
  );
}

/** Enrollments whose lapse time has passed, as of now. */
export function lapsedOfferings(enrollments: Record<string, Enrollment>, nowMs: number): string[] {
  return Object.values(enrollments)
    .filter((e) => e.status === 'ACTIVE' && nowMs >= Date.parse(e.validUntil))
    .map((e) => e.offering);
}
