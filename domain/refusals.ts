// A refusal names the rule that refused, with a stable code the API and operators can rely on.
// `kind` says what the caller did wrong: STATE = not allowed in the current state (HTTP 409),
// RULE = a program rule refused it (HTTP 422), INVALID = the message itself is malformed (HTTP 400),
// FORBIDDEN = the actor may not do this (HTTP 403, or 404 for another partner's engagement),
// UNAVAILABLE = a dependency (the partner registry) did not answer; nothing changed, try again (HTTP 503),
// LIMITED = too many attempts; try again at `retryAt` (HTTP 429).
export type RefusalKind = 'STATE' | 'RULE' | 'INVALID' | 'FORBIDDEN' | 'UNAVAILABLE' | 'LIMITED';

export interface Refusal {
  kind: RefusalKind;
  code: string;
  message: string;
  /** Offending fields, for INVALID refusals and rules about a specific field. */
  fields?: string[];
  /** For LIMITED refusals: when an attempt may be made again. */
  retryAt?: string;
}

export const stateRefusal = (code: string, message: string): Refusal => ({ kind: 'STATE', code, message });
export const ruleRefusal = (code: string, message: string, fields?: string[]): Refusal =>
  fields ? { kind: 'RULE', code, message, fields } : { kind: 'RULE', code, message };

/** The Temporal failure type a refused update carries; the API maps it to an HTTP status. */
export const REFUSAL_FAILURE_TYPE: Record<RefusalKind, string> = {
  STATE: 'StateConflict',
  RULE: 'RuleViolation',
  INVALID: 'InvalidMessage',
  FORBIDDEN: 'Forbidden',
  UNAVAILABLE: 'DependencyUnavailable',
  LIMITED: 'TooManyAttempts',
};

/** The most telling refusal decides the HTTP status: malformed first, then forbidden, state, rule. */
export function primaryRefusal(refusals: Refusal[]): Refusal {
  const order: RefusalKind[] = ['INVALID', 'FORBIDDEN', 'LIMITED', 'STATE', 'UNAVAILABLE', 'RULE'];
  return [...refusals].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))[0];
}

/** Stable rule codes. */
export const Rule = {
  ENGAGEMENT_TYPE_UNKNOWN: 'ENGAGEMENT_TYPE_UNKNOWN',
  OFFERING_UNKNOWN: 'OFFERING_UNKNOWN',
  DAYS_NOT_ALLOWED: 'DAYS_NOT_ALLOWED',
  VOUCHER_EXPIRED: 'VOUCHER_EXPIRED',
  ASSIGNED_IN_FUTURE: 'ASSIGNED_IN_FUTURE',
  INVALID_ASSIGNMENT: 'INVALID_ASSIGNMENT',
  REDEEM_BEFORE_EXPIRY: 'REDEEM_BEFORE_EXPIRY',
  PROJECT_MANAGER_EMAIL_MISMATCH: 'PROJECT_MANAGER_EMAIL_MISMATCH',
  PARTNER_NOT_ELIGIBLE: 'PARTNER_NOT_ELIGIBLE',
  PARTNER_UNKNOWN: 'PARTNER_UNKNOWN',
  ENROLLMENT_NOT_ACTIVE: 'ENROLLMENT_NOT_ACTIVE',
  COMPETENCY_NOT_QUALIFYING: 'COMPETENCY_NOT_QUALIFYING',
  CONSULTANT_UNKNOWN: 'CONSULTANT_UNKNOWN',
  CONSULTANT_NOT_QUALIFIED: 'CONSULTANT_NOT_QUALIFIED',
  NO_QUALIFIED_CONSULTANT: 'NO_QUALIFIED_CONSULTANT',
  NO_LOCATION: 'NO_LOCATION',
  LOCATION_UNKNOWN: 'LOCATION_UNKNOWN',
  LOCATION_COUNTRY_MISMATCH: 'LOCATION_COUNTRY_MISMATCH',
  START_DATE_IN_PAST: 'START_DATE_IN_PAST',
  END_BEFORE_START: 'END_BEFORE_START',
  DATES_AFTER_EXPIRY: 'DATES_AFTER_EXPIRY',
  RESERVED_SPAN_TOO_SHORT: 'RESERVED_SPAN_TOO_SHORT',
  REPEAT_FIFTEEN_DAY_ENGAGEMENT: 'REPEAT_FIFTEEN_DAY_ENGAGEMENT',
  DELIVERY_BEFORE_RESERVATION: 'DELIVERY_BEFORE_RESERVATION',
  DELIVERY_IN_FUTURE: 'DELIVERY_IN_FUTURE',
  DELIVERY_AFTER_EXPIRY: 'DELIVERY_AFTER_EXPIRY',
  DELIVERED_DAYS_MISMATCH: 'DELIVERED_DAYS_MISMATCH',
  OFF_SITE_DAYS_EXCEEDED: 'OFF_SITE_DAYS_EXCEEDED',
  DELIVERABLE_MISSING: 'DELIVERABLE_MISSING',
  OFFERING_ALREADY_ENROLLED: 'OFFERING_ALREADY_ENROLLED',
  ENROLLMENT_NO_QUALIFYING_COMPETENCY: 'ENROLLMENT_NO_QUALIFYING_COMPETENCY',
  RENEWAL_WINDOW_NOT_OPEN: 'RENEWAL_WINDOW_NOT_OPEN',
  INVOICE_WINDOW_CLOSED: 'INVOICE_WINDOW_CLOSED',
  NO_RATE_FOR_COUNTRY: 'NO_RATE_FOR_COUNTRY',
  FORWARDING_ATTEMPTS_EXCEEDED: 'FORWARDING_ATTEMPTS_EXCEEDED',
} as const;
export type RuleCode = (typeof Rule)[keyof typeof Rule];
