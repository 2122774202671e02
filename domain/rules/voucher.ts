// Voucher rules: what a valid voucher is, when it expires, and where its days go when it ends unredeemed.
import { Catalog, MAX_ENGAGEMENT_DAYS, catalog as defaultCatalog, findEngagementType, findOffering } from '../catalog';
import { DAY_MS, dateOf, dateStartMs, toIso } from '../dates';
import { Refusal, Rule, ruleRefusal } from '../refusals';
import type { StartEngagementRequest } from '../schemas';

export const VOUCHER_VALIDITY_DAYS = 180;
export const EXPIRY_REMINDER_DAYS = [30, 7] as const;
/** Clock skew tolerated between the back-office that assigned a voucher and this system. */
export const ASSIGNMENT_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** A voucher is valid for 180 days from assignment. */
export function voucherExpiresAtMs(assignedAt: string): number {
  return Date.parse(assignedAt) + VOUCHER_VALIDITY_DAYS * DAY_MS;
}

/** The last calendar day (UTC) on which the voucher is still valid: the day holding its final instant. */
export function lastValidDate(assignedAt: string): string {
  return dateOf(voucherExpiresAtMs(assignedAt) - 1);
}

export function isVoucherExpired(assignedAt: string, nowMs: number): boolean {
  return nowMs >= voucherExpiresAtMs(assignedAt);
}

/** A start request the program accepts: a known type of that offering, an allowed length, not yet expired. */
export function startRefusals(
  request: StartEngagementRequest,
  nowMs: number,
  from: Catalog = defaultCatalog,
): Refusal[] {
  const refusals: Refusal[] = [];
  const offering = findOffering(request.offering, from);
  const type = findEngagementType(request.engagementType, from);
  if (!offering)
    refusals.push(ruleRefusal(Rule.OFFERING_UNKNOWN, `no offering ${request.offering} in the catalog`, ['offering']));
  if (!type || (offering && type.offering !== offering.code)) {
    refusals.push(
      ruleRefusal(
        Rule.ENGAGEMENT_TYPE_UNKNOWN,
        `no engagement type ${request.engagementType} in offering ${request.offering}`,
        ['engagementType'],
      ),
    );
  } else if (request.days > MAX_ENGAGEMENT_DAYS || !type.allowedDays.some((allowed) => allowed === request.days)) {
    refusals.push(
      ruleRefusal(Rule.DAYS_NOT_ALLOWED, `${type.code} allows ${type.allowedDays.join(', ')} days`, ['days']),
    );
  }
  // A voucher assigned in the future would stretch its 180 days of validity.
  if (Date.parse(request.assignedAt) > nowMs + ASSIGNMENT_CLOCK_SKEW_MS) {
    refusals.push(ruleRefusal(Rule.ASSIGNED_IN_FUTURE, 'a voucher cannot be assigned in the future', ['assignedAt']));
  }
  if (isVoucherExpired(request.assignedAt, nowMs)) {
    refusals.push(
      ruleRefusal(Rule.VOUCHER_EXPIRED, `the voucher expired at ${toIso(voucherExpiresAtMs(request.assignedAt))}`, [
        'assignedAt',
      ]),
    );
  }
  return refusals;
}

/** A validity extension moves the expiry instant, and so the last valid day, by whole days. */
export function extendedExpiry(
  voucherExpiresAt: string,
  days: number,
): { voucherExpiresAt: string; lastValidDate: string } {
  const expiresAtMs = Date.parse(voucherExpiresAt) + days * DAY_MS;
  return { voucherExpiresAt: toIso(expiresAtMs), lastValidDate: dateOf(expiresAtMs - 1) };
}

export interface DaysDisposition {
  outcome: 'RETURNED_TO_POOL' | 'LOST';
  days: number;
  at: string;
  reason: 'EXPIRED' | 'CANCELLED';
}

/** Unredeemed days go back to the customer's pool if its enrollment is still active, else they are lost. */
export function daysDisposition(
  enrollmentEndsAt: string,
  days: number,
  atMs: number,
  reason: DaysDisposition['reason'],
): DaysDisposition {
  const active = atMs < dateStartMs(enrollmentEndsAt) + DAY_MS;
  return { outcome: active ? 'RETURNED_TO_POOL' : 'LOST', days, at: toIso(atMs), reason };
}
