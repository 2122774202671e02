// The engagement's message table without a worker: each message's `check` (what the Update
// validator runs) against engagement states, so a refusal is known before anything is sent.
import type { EngagementInput, EngagementMessage, EngagementStatus } from '../domain/engagement';
import { ENGAGEMENT_MESSAGES } from '../domain/engagement';
import { Rule } from '../domain/refusals';
import type { PartnerSnapshot } from '../domain/partner';
import type { EngagementPayloads } from '../workflows/messages';
import { MESSAGE_TABLE } from '../workflows/engagement/message-table';
import { EngagementRun } from '../workflows/engagement/run';
import { profile, report, reservation } from './support/message-fixtures';

const ASSIGNED_AT = '2026-02-01T09:00:00Z'; // valid until 2026-07-31T09:00:00Z
const NOW = Date.parse('2026-03-02T10:00:00Z');
const PM_EMAIL = 'pat.manager@fabrikam.example';
const PARTNER = 'partner:contoso';

const input: EngagementInput = {
  voucherId: 'V-3001',
  offering: 'DDPS',
  engagementType: 'DDPS-WINDOWS-OFFICE',
  days: 5,
  assignedAt: ASSIGNED_AT,
  customer: {
    agreementNumber: 'EA-42',
    name: 'Fabrikam',
    country: 'US',
    projectManagerEmail: PM_EMAIL,
    enrollmentEndsAt: '2027-06-30',
  },
};

const snapshot: PartnerSnapshot = {
  partnerId: 'contoso',
  profile: { ...profile, competencies: [{ area: 'Windows and Devices', level: 'Silver', expiresAt: '2027-01-31' }] },
  enrollments: {
    DDPS: {
      offering: 'DDPS',
      acceptedAt: '2025-06-01T00:00:00Z',
      validUntil: '2026-06-01T00:00:00Z',
      status: 'ACTIVE',
      renewals: [],
    },
  },
};

/** An engagement in `status`, forwarded to contoso (eligible) from FORWARDED on. */
function runIn(status: EngagementStatus): EngagementRun {
  const run = new EngagementRun(input);
  run.state.status = status;
  if (status !== 'ASSIGNED') {
    run.state.partnerId = 'contoso';
    run.state.partnerSnapshot = snapshot;
    run.state.eligibility = { partnerId: 'contoso', checkedAt: ASSIGNED_AT, eligible: true, refusals: [] };
  }
  if (['RESERVED', 'REPORT_SUBMITTED'].includes(status))
    run.state.reservation = { ...reservation, reservedAt: '2026-03-01T00:00:00Z' };
  return run;
}

function check<K extends EngagementMessage>(
  run: EngagementRun,
  name: K,
  msg: EngagementPayloads[K],
  nowMs = NOW,
): string[] {
  return MESSAGE_TABLE[name].check(run, msg, msg.actor ?? 'operator', nowMs).map((r) => r.code);
}

test('every message has a check and an apply', () => {
  for (const name of ENGAGEMENT_MESSAGES) {
    expect(typeof MESSAGE_TABLE[name].check).toBe('function');
    expect(typeof MESSAGE_TABLE[name].apply).toBe('function');
  }
});

describe('voucherForwarded', () => {
  const forwarding = { partnerId: 'contoso', projectManagerEmail: PM_EMAIL, actor: PARTNER } as const;

  it('accepts the forwarded partner with the right e-mail', () => {
    expect(check(runIn('ASSIGNED'), 'voucherForwarded', forwarding)).toEqual([]);
  });

  it("answers staff's wrong e-mail with that refusal alone, whatever the status", () => {
    const wrong = { ...forwarding, projectManagerEmail: 'someone@else.example', actor: 'backoffice' } as const;
    expect(check(runIn('PAID'), 'voucherForwarded', wrong)).toEqual([Rule.PROJECT_MANAGER_EMAIL_MISMATCH]);
  });

  it("lets a partner's wrong e-mail through to apply, which counts it (and tells nothing of the status)", () => {
    const wrong = { ...forwarding, projectManagerEmail: 'someone@else.example' };
    expect(check(runIn('PAID'), 'voucherForwarded', wrong)).toEqual([]);
  });

  it('refuses every partner attempt while forwarding is locked, the right e-mail too; staff are not locked', () => {
    const run = runIn('ASSIGNED');
    run.state.forwardingGuard = { wrongEmails: 0, locks: 1, lockedUntil: new Date(NOW + 60_000).toISOString() };
    expect(check(run, 'voucherForwarded', forwarding)).toEqual([Rule.FORWARDING_ATTEMPTS_EXCEEDED]);
    expect(check(run, 'voucherForwarded', { ...forwarding, actor: 'backoffice' })).toEqual([]);
    expect(check(run, 'voucherForwarded', forwarding, NOW + 60_000)).toEqual([]);
  });

  it('refuses a partner taking a voucher for another partner', () => {
    expect(check(runIn('ASSIGNED'), 'voucherForwarded', { ...forwarding, actor: 'partner:other' })).toEqual([
      'FORWARDING_FOR_ANOTHER_PARTNER',
    ]);
  });

  it('refuses a takeover once reserved', () => {
    expect(check(runIn('RESERVED'), 'voucherForwarded', forwarding)).toEqual(['NOT_ALLOWED_IN_STATUS']);
  });
});

describe('voucherReserved', () => {
  const reserve = { ...reservation, actor: PARTNER } as const;

  it('accepts the forwarded, eligible partner', () => {
    expect(check(runIn('FORWARDED'), 'voucherReserved', reserve)).toEqual([]);
  });

  it('refuses another partner before any rule is looked at', () => {
    expect(check(runIn('FORWARDED'), 'voucherReserved', { ...reserve, actor: 'partner:other' })).toEqual([
      'NOT_THE_FORWARDED_PARTNER',
    ]);
  });

  it('refuses an ineligible partner, naming why', () => {
    const run = runIn('FORWARDED');
    run.state.eligibility = {
      partnerId: 'contoso',
      checkedAt: ASSIGNED_AT,
      eligible: false,
      refusals: [{ kind: 'RULE', code: 'NO_QUALIFYING_COMPETENCY', message: 'no competency' }],
    };
    expect(check(run, 'voucherReserved', reserve)).toEqual([Rule.PARTNER_NOT_ELIGIBLE]);
  });

  it('applies the reservation rules: a location in another country', () => {
    expect(check(runIn('FORWARDED'), 'voucherReserved', { ...reserve, deliveryCountry: 'DE' })).toEqual([
      Rule.LOCATION_COUNTRY_MISMATCH,
    ]);
  });

  it('is refused before forwarding', () => {
    expect(check(runIn('ASSIGNED'), 'voucherReserved', { ...reserve, actor: 'operator' })).toEqual([
      'NOT_ALLOWED_IN_STATUS',
    ]);
  });
});

describe('reservationChanged', () => {
  it('moves dates before the start', () => {
    const change = { startDate: '2026-03-16', endDate: '2026-03-20', actor: PARTNER } as const;
    expect(check(runIn('RESERVED'), 'reservationChanged', change)).toEqual([]);
  });

  it('refuses dates in the past', () => {
    const change = { startDate: '2026-03-01', endDate: '2026-03-05', actor: PARTNER } as const;
    expect(check(runIn('RESERVED'), 'reservationChanged', change)).toEqual([Rule.START_DATE_IN_PAST]);
  });

  it('refuses once the engagement started', () => {
    const change = { startDate: '2026-03-16', endDate: '2026-03-20', actor: PARTNER } as const;
    expect(check(runIn('RESERVED'), 'reservationChanged', change, Date.parse('2026-03-10T10:00:00Z'))).toEqual([
      'ENGAGEMENT_STARTED',
    ]);
  });
});

test('reservationCancelled needs a reservation', () => {
  expect(check(runIn('RESERVED'), 'reservationCancelled', { actor: PARTNER })).toEqual([]);
  expect(check(runIn('FORWARDED'), 'reservationCancelled', { actor: PARTNER })).toEqual(['NOT_ALLOWED_IN_STATUS']);
});

describe('completionReportSubmitted', () => {
  const after = Date.parse('2026-03-14T10:00:00Z');

  it('accepts a report of the reserved days', () => {
    expect(check(runIn('RESERVED'), 'completionReportSubmitted', { ...report, actor: PARTNER }, after)).toEqual([]);
  });

  it('refuses a report without the customer planning deliverable', () => {
    const partial = { ...report, deliverables: [report.deliverables[0]], actor: PARTNER };
    expect(check(runIn('RESERVED'), 'completionReportSubmitted', partial, after)).toEqual([Rule.DELIVERABLE_MISSING]);
  });
});

test('voucherRedeemed only after the report and before expiry', () => {
  expect(check(runIn('REPORT_SUBMITTED'), 'voucherRedeemed', { actor: PARTNER })).toEqual([]);
  expect(check(runIn('RESERVED'), 'voucherRedeemed', { actor: PARTNER })).toEqual(['NOT_ALLOWED_IN_STATUS']);
  const afterExpiry = Date.parse('2026-08-01T00:00:00Z');
  expect(check(runIn('REPORT_SUBMITTED'), 'voucherRedeemed', { actor: PARTNER }, afterExpiry)).toEqual([
    Rule.VOUCHER_EXPIRED,
  ]);
});

test('engagementCancelled is for the back-office, not partners', () => {
  expect(check(runIn('RESERVED'), 'engagementCancelled', { reason: 'customer left', actor: 'backoffice' })).toEqual([]);
  expect(check(runIn('RESERVED'), 'engagementCancelled', { reason: 'no', actor: PARTNER })).toEqual([
    'ROLE_NOT_ALLOWED',
  ]);
});

test('invoiceRetryRequested only inside the invoice window', () => {
  const run = runIn('AWAITING_SAVB_REGISTRATION');
  run.state.invoice = { dueAt: '2026-05-01T10:00:00.000Z', attempts: 1 };
  expect(check(run, 'invoiceRetryRequested', { actor: PARTNER })).toEqual([]);
  expect(check(run, 'invoiceRetryRequested', { actor: PARTNER }, Date.parse('2026-05-02T00:00:00Z'))).toEqual([
    Rule.INVOICE_WINDOW_CLOSED,
  ]);
  expect(check(runIn('PAID'), 'invoiceRetryRequested', { actor: PARTNER })).toEqual(['NOT_ALLOWED_IN_STATUS']);
});
