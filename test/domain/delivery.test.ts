// The partner's steps on a voucher: forwarding, reservation, completion report, redemption and the
// 15-day repeat rule. Every refusal is checked by its stable rule code.
import { addDays, dateOf, DAY_MS } from '../../domain/dates';
import type { EngagementState } from '../../domain/engagement';
import type { PartnerSnapshot } from '../../domain/partner';
import { Rule } from '../../domain/refusals';
import type { CompletionReport, Reservation } from '../../domain/schemas';
import {
  claimsAfterRelease,
  completionReportRefusals,
  fifteenDayClaimToken,
  fifteenDayRepeatRefusal,
  forwardingRefusals,
  hasEngagementStarted,
  redemptionRefusals,
  reservationDateRefusals,
  reservationRefusals,
  type FifteenDayClaim,
} from '../../domain/rules/delivery';
import { lastValidDate, voucherExpiresAtMs } from '../../domain/rules/voucher';
import { report as sharedReport } from '../support/message-fixtures';

const codes = (refusals: { code: string }[]) => refusals.map((r) => r.code);

const ASSIGNED_AT = '2026-02-01T09:00:00Z'; // expires 2026-07-31T09:00:00Z
const LAST_VALID = '2026-07-31';
const NOW = Date.parse('2026-03-02T10:00:00Z');
const TODAY = '2026-03-02';

function partner(
  overrides: Partial<PartnerSnapshot['profile']> = {},
  enrollments?: PartnerSnapshot['enrollments'],
): PartnerSnapshot {
  return {
    partnerId: 'contoso',
    profile: {
      name: 'Contoso Consulting',
      locations: [
        { locationId: 'SEA-1', country: 'US' },
        { locationId: 'DUB-1', country: 'IE' },
      ],
      competencies: [{ area: 'Windows and Devices', level: 'Silver', expiresAt: '2027-01-31' }],
      consultants: [
        {
          consultantId: 'c-ana',
          name: 'Ana',
          exams: [{ code: 'MD-100', area: 'Windows and Devices', passedAt: '2025-05-01' }],
        },
        { consultantId: 'c-bob', name: 'Bob', exams: [{ code: 'AZ-800', area: 'Datacenter', passedAt: '2025-05-01' }] },
      ],
      ...overrides,
    },
    enrollments: enrollments ?? {
      DDPS: {
        offering: 'DDPS',
        acceptedAt: '2025-06-01T00:00:00Z',
        validUntil: '2026-06-01T00:00:00Z',
        status: 'ACTIVE',
        renewals: [],
      },
    },
  };
}

function state(overrides: Partial<EngagementState> = {}): EngagementState {
  return {
    voucherId: 'V-2001',
    status: 'FORWARDED',
    offering: 'DDPS',
    engagementType: 'DDPS-WINDOWS-OFFICE',
    days: 5,
    assignedAt: ASSIGNED_AT,
    customer: {
      agreementNumber: 'EA-42',
      name: 'Fabrikam',
      country: 'US',
      projectManagerEmail: 'Pat.Manager@Fabrikam.example',
      enrollmentEndsAt: '2027-06-30',
    },
    partnerId: 'contoso',
    partnerSnapshot: partner(),
    deadlines: { voucherExpiresAt: '2026-07-31T09:00:00.000Z', lastValidDate: LAST_VALID },
    notifications: [],
    history: [],
    ...overrides,
  };
}

function reservation(overrides: Partial<Reservation> = {}): Reservation {
  return {
    locationId: 'SEA-1',
    consultantId: 'c-ana',
    startDate: '2026-03-09',
    endDate: '2026-03-13',
    deliveryCountry: 'US',
    ...overrides,
  };
}

test('the fixture voucher is valid until 2026-07-31', () => {
  expect(lastValidDate(ASSIGNED_AT)).toBe(LAST_VALID);
});

describe('forwardingRefusals', () => {
  it("accepts the project manager's e-mail whatever its case", () => {
    expect(
      forwardingRefusals(state(), { partnerId: 'contoso', projectManagerEmail: 'pat.manager@fabrikam.example' }, NOW),
    ).toEqual([]);
    expect(
      forwardingRefusals(state(), { partnerId: 'contoso', projectManagerEmail: 'PAT.MANAGER@FABRIKAM.EXAMPLE' }, NOW),
    ).toEqual([]);
  });

  it('refuses another e-mail', () => {
    const refusals = forwardingRefusals(
      state(),
      { partnerId: 'contoso', projectManagerEmail: 'someone.else@fabrikam.example' },
      NOW,
    );
    expect(codes(refusals)).toEqual([Rule.PROJECT_MANAGER_EMAIL_MISMATCH]);
    expect(refusals[0]).toMatchObject({ kind: 'RULE', fields: ['projectManagerEmail'] });
  });

  it('refuses an expired voucher', () => {
    const refusals = forwardingRefusals(
      state(),
      { partnerId: 'contoso', projectManagerEmail: 'pat.manager@fabrikam.example' },
      voucherExpiresAtMs(ASSIGNED_AT),
    );
    expect(codes(refusals)).toEqual([Rule.VOUCHER_EXPIRED]);
  });
});

describe('reservationDateRefusals', () => {
  const dates = (startDate: string, endDate: string) => reservationDateRefusals(state(), { startDate, endDate }, NOW);

  it('accepts a start today', () => {
    expect(dates(TODAY, addDays(TODAY, 4))).toEqual([]);
  });

  it('refuses a start yesterday', () => {
    const refusals = dates(addDays(TODAY, -1), addDays(TODAY, 4));
    expect(codes(refusals)).toEqual([Rule.START_DATE_IN_PAST]);
    expect(refusals[0].fields).toEqual(['startDate']);
  });

  it('refuses an end before the start', () => {
    expect(codes(dates('2026-03-10', '2026-03-09'))).toEqual([Rule.END_BEFORE_START]);
  });

  it('refuses a span too short for the days (5 days in 4 calendar days)', () => {
    expect(codes(dates('2026-03-09', '2026-03-12'))).toEqual([Rule.RESERVED_SPAN_TOO_SHORT]);
    expect(dates('2026-03-09', '2026-03-13')).toEqual([]);
  });

  it('refuses dates after the voucher expires', () => {
    expect(dates(addDays(LAST_VALID, -4), LAST_VALID)).toEqual([]);
    const endLate = dates(addDays(LAST_VALID, -4), addDays(LAST_VALID, 1));
    expect(codes(endLate)).toEqual([Rule.DATES_AFTER_EXPIRY]);
    expect(endLate[0].fields).toEqual(['endDate']);
    const startLate = dates(addDays(LAST_VALID, 1), addDays(LAST_VALID, 5));
    expect(codes(startLate)).toEqual([Rule.DATES_AFTER_EXPIRY]);
    expect(startLate[0].fields).toEqual(['startDate', 'endDate']);
  });

  it('accepts a one-day engagement on the last valid day', () => {
    expect(reservationDateRefusals(state({ days: 1 }), { startDate: LAST_VALID, endDate: LAST_VALID }, NOW)).toEqual(
      [],
    );
  });
});

describe('reservationRefusals', () => {
  it('accepts an eligible partner, its location in the delivery country and a qualified consultant', () => {
    expect(reservationRefusals(state(), reservation(), NOW)).toEqual([]);
    expect(reservationRefusals(state(), reservation({ locationId: 'DUB-1', deliveryCountry: 'IE' }), NOW)).toEqual([]);
  });

  it('refuses an unknown location', () => {
    const refusals = reservationRefusals(state(), reservation({ locationId: 'NYC-9' }), NOW);
    expect(codes(refusals)).toEqual([Rule.LOCATION_UNKNOWN]);
    expect(refusals[0].fields).toEqual(['locationId']);
  });

  it('refuses a location whose country is not the delivery country', () => {
    const refusals = reservationRefusals(state(), reservation({ locationId: 'DUB-1', deliveryCountry: 'US' }), NOW);
    expect(codes(refusals)).toEqual([Rule.LOCATION_COUNTRY_MISMATCH]);
    expect(refusals[0].message).toContain('IE');
  });

  it('refuses an unknown consultant', () => {
    expect(codes(reservationRefusals(state(), reservation({ consultantId: 'c-zed' }), NOW))).toEqual([
      Rule.CONSULTANT_UNKNOWN,
    ]);
  });

  it('refuses a consultant without an exam in a qualifying area', () => {
    expect(codes(reservationRefusals(state(), reservation({ consultantId: 'c-bob' }), NOW))).toEqual([
      Rule.CONSULTANT_NOT_QUALIFIED,
    ]);
  });

  it('refuses a partner whose enrollment has lapsed', () => {
    const lapsed = partner(
      {},
      {
        DDPS: {
          offering: 'DDPS',
          acceptedAt: '2025-02-01T00:00:00Z',
          validUntil: '2026-02-01T00:00:00Z',
          status: 'LAPSED',
          renewals: [],
        },
      },
    );
    expect(codes(reservationRefusals(state({ partnerSnapshot: lapsed }), reservation(), NOW))).toEqual([
      Rule.ENROLLMENT_NOT_ACTIVE,
    ]);
  });

  it('refuses a partner enrolled only in another offering', () => {
    const other = partner(
      {},
      {
        SDPS: {
          offering: 'SDPS',
          acceptedAt: '2025-06-01T00:00:00Z',
          validUntil: '2026-06-01T00:00:00Z',
          status: 'ACTIVE',
          renewals: [],
        },
      },
    );
    expect(codes(reservationRefusals(state({ partnerSnapshot: other }), reservation(), NOW))).toEqual([
      Rule.ENROLLMENT_NOT_ACTIVE,
    ]);
  });

  it('checks the competency at the engagement start: expired before it is refused, valid through it is accepted', () => {
    const expiring = state({
      partnerSnapshot: partner({
        competencies: [{ area: 'Windows and Devices', level: 'Silver', expiresAt: '2026-03-15' }],
      }),
    });
    expect(
      codes(reservationRefusals(expiring, reservation({ startDate: '2026-03-16', endDate: '2026-03-20' }), NOW)),
    ).toEqual([Rule.COMPETENCY_NOT_QUALIFYING]);
    expect(reservationRefusals(expiring, reservation({ startDate: '2026-03-15', endDate: '2026-03-19' }), NOW)).toEqual(
      [],
    );
  });

  it('refuses a Silver competency where Gold is required, accepts Gold', () => {
    const erp = (level: 'Silver' | 'Gold') =>
      state({
        offering: 'DYDPS',
        engagementType: 'DYDPS-FO-UPGRADE',
        partnerSnapshot: partner(
          {
            competencies: [{ area: 'Enterprise Resource Planning', level }],
            consultants: [
              {
                consultantId: 'c-ana',
                name: 'Ana',
                exams: [{ code: 'MB-300', area: 'Enterprise Resource Planning', passedAt: '2025-01-01' }],
              },
            ],
          },
          {
            DYDPS: {
              offering: 'DYDPS',
              acceptedAt: '2025-06-01T00:00:00Z',
              validUntil: '2026-06-01T00:00:00Z',
              status: 'ACTIVE',
              renewals: [],
            },
          },
        ),
      });
    const silver = reservationRefusals(erp('Silver'), reservation(), NOW);
    expect(codes(silver)).toEqual([Rule.COMPETENCY_NOT_QUALIFYING]);
    expect(silver[0].message).toContain('Enterprise Resource Planning (Gold+)');
    expect(reservationRefusals(erp('Gold'), reservation(), NOW)).toEqual([]);
  });

  it('accepts a Gold competency where Silver is enough, and any of the qualifying areas', () => {
    const mobile = state({
      engagementType: 'DDPS-MOBILE-PRODUCTIVITY',
      partnerSnapshot: partner({
        competencies: [{ area: 'Enterprise Mobility Management', level: 'Gold' }],
        consultants: [
          {
            consultantId: 'c-ana',
            name: 'Ana',
            exams: [{ code: 'MD-101', area: 'Windows and Devices', passedAt: '2025-01-01' }],
          },
        ],
      }),
    });
    expect(reservationRefusals(mobile, reservation(), NOW)).toEqual([]);
  });

  it('refuses when nothing is known of the partner', () => {
    expect(codes(reservationRefusals(state({ partnerSnapshot: undefined }), reservation(), NOW))).toEqual([
      Rule.PARTNER_UNKNOWN,
    ]);
  });

  it('reports date and partner problems together', () => {
    const refusals = reservationRefusals(state(), reservation({ startDate: '2026-03-01', consultantId: 'c-zed' }), NOW);
    expect(codes(refusals).sort()).toEqual([Rule.CONSULTANT_UNKNOWN, Rule.START_DATE_IN_PAST].sort());
  });
});

describe('hasEngagementStarted', () => {
  it('is true from the reserved start date on', () => {
    expect(hasEngagementStarted({ startDate: '2026-03-03' }, NOW)).toBe(false);
    expect(hasEngagementStarted({ startDate: TODAY }, NOW)).toBe(true);
    expect(hasEngagementStarted({ startDate: '2026-03-01' }, NOW)).toBe(true);
  });
});

describe('completionReportRefusals', () => {
  const REPORT_NOW = Date.parse('2026-03-20T10:00:00Z');
  const reserved = (overrides: Partial<EngagementState> = {}) =>
    state({ status: 'RESERVED', reservation: { ...reservation(), reservedAt: '2026-03-02T10:00:00Z' }, ...overrides });

  function report(overrides: Partial<CompletionReport> = {}): CompletionReport {
    return { ...sharedReport, ...overrides };
  }

  it('accepts a valid report', () => {
    expect(completionReportRefusals(reserved(), report(), REPORT_NOW)).toEqual([]);
  });

  it('accepts a delivery later than the reserved window', () => {
    expect(
      completionReportRefusals(
        reserved(),
        report({ deliveredFrom: '2026-03-12', deliveredTo: '2026-03-18' }),
        REPORT_NOW,
      ),
    ).toEqual([]);
  });

  it('refuses a delivery that began before the reserved start', () => {
    const refusals = completionReportRefusals(reserved(), report({ deliveredFrom: '2026-03-08' }), REPORT_NOW);
    expect(codes(refusals)).toEqual([Rule.DELIVERY_BEFORE_RESERVATION]);
    expect(refusals[0].fields).toEqual(['deliveredFrom']);
  });

  it('refuses a delivery that ends in the future; today is fine', () => {
    const today = dateOf(REPORT_NOW);
    expect(
      completionReportRefusals(reserved(), report({ deliveredFrom: '2026-03-16', deliveredTo: today }), REPORT_NOW),
    ).toEqual([]);
    expect(
      codes(
        completionReportRefusals(
          reserved(),
          report({ deliveredFrom: '2026-03-17', deliveredTo: addDays(today, 1) }),
          REPORT_NOW,
        ),
      ),
    ).toEqual([Rule.DELIVERY_IN_FUTURE]);
  });

  it('refuses a delivery that ends after the voucher expired', () => {
    const late = Date.parse(`${addDays(LAST_VALID, 10)}T12:00:00Z`);
    const refusals = completionReportRefusals(
      reserved(),
      report({ deliveredFrom: addDays(LAST_VALID, -3), deliveredTo: addDays(LAST_VALID, 1) }),
      late,
    );
    expect(codes(refusals)).toEqual([Rule.DELIVERY_AFTER_EXPIRY]);
  });

  it('refuses deliveredTo before deliveredFrom', () => {
    expect(
      codes(
        completionReportRefusals(
          reserved(),
          report({ deliveredFrom: '2026-03-13', deliveredTo: '2026-03-09' }),
          REPORT_NOW,
        ),
      ),
    ).toEqual([Rule.END_BEFORE_START]);
  });

  it("refuses on-site + off-site days that are not the voucher's days", () => {
    const refusals = completionReportRefusals(reserved(), report({ onSiteDays: 3, offSiteDays: 1 }), REPORT_NOW);
    expect(codes(refusals)).toEqual([Rule.DELIVERED_DAYS_MISMATCH]);
    expect(codes(completionReportRefusals(reserved(), report({ onSiteDays: 5, offSiteDays: 1 }), REPORT_NOW))).toEqual([
      Rule.DELIVERED_DAYS_MISMATCH,
    ]);
  });

  it('refuses 5 days delivered within 3 calendar days', () => {
    expect(
      codes(
        completionReportRefusals(
          reserved(),
          report({ deliveredFrom: '2026-03-09', deliveredTo: '2026-03-11' }),
          REPORT_NOW,
        ),
      ),
    ).toEqual([Rule.DELIVERED_DAYS_MISMATCH]);
  });

  it('refuses more than 3 off-site days; 3 is the maximum', () => {
    expect(completionReportRefusals(reserved(), report({ onSiteDays: 2, offSiteDays: 3 }), REPORT_NOW)).toEqual([]);
    const refusals = completionReportRefusals(reserved(), report({ onSiteDays: 1, offSiteDays: 4 }), REPORT_NOW);
    expect(codes(refusals)).toEqual([Rule.OFF_SITE_DAYS_EXCEEDED]);
    expect(refusals[0].fields).toEqual(['offSiteDays']);
  });

  it.each(['COMPLETION_REPORT', 'CUSTOMER_PLANNING_DELIVERABLE'] as const)(
    'refuses a report without a %s deliverable',
    (kind) => {
      const r = report();
      const refusals = completionReportRefusals(
        reserved(),
        { ...r, deliverables: r.deliverables.filter((d) => d.kind !== kind) },
        REPORT_NOW,
      );
      expect(codes(refusals)).toEqual([Rule.DELIVERABLE_MISSING]);
      expect(refusals[0].message).toContain(kind);
    },
  );

  it('refuses a report naming a consultant who is unknown or not qualified', () => {
    expect(codes(completionReportRefusals(reserved(), report({ consultantId: 'c-zed' }), REPORT_NOW))).toEqual([
      Rule.CONSULTANT_UNKNOWN,
    ]);
    expect(codes(completionReportRefusals(reserved(), report({ consultantId: 'c-bob' }), REPORT_NOW))).toEqual([
      Rule.CONSULTANT_NOT_QUALIFIED,
    ]);
  });
});

describe('redemptionRefusals', () => {
  it('accepts a redemption before expiry and refuses one from the expiry instant on', () => {
    const expiry = voucherExpiresAtMs(ASSIGNED_AT);
    expect(redemptionRefusals(state(), expiry - 1)).toEqual([]);
    expect(codes(redemptionRefusals(state(), expiry))).toEqual([Rule.VOUCHER_EXPIRED]);
    expect(codes(redemptionRefusals(state(), expiry + 30 * DAY_MS))).toEqual([Rule.VOUCHER_EXPIRED]);
  });

  it('follows an extended expiry', () => {
    const expiry = voucherExpiresAtMs(ASSIGNED_AT);
    const extended = state({
      deadlines: { voucherExpiresAt: new Date(expiry + 90 * DAY_MS).toISOString(), lastValidDate: '2026-10-29' },
    });
    expect(redemptionRefusals(extended, expiry + 30 * DAY_MS)).toEqual([]);
  });
});

describe('fifteenDayRepeatRefusal', () => {
  const existing: FifteenDayClaim[] = [
    {
      voucherId: 'V-1',
      agreementNumber: 'EA-42',
      engagementType: 'SDPS-SHAREPOINT',
      division: 'Retail',
      productScope: 'SharePoint Online',
    },
  ];
  const candidate = (overrides: Partial<FifteenDayClaim> = {}): FifteenDayClaim => ({
    ...existing[0],
    voucherId: 'V-2',
    ...overrides,
  });

  it('refuses the same type, agreement, division and product scope', () => {
    const refusal = fifteenDayRepeatRefusal(existing, candidate());
    expect(refusal?.code).toBe(Rule.REPEAT_FIFTEEN_DAY_ENGAGEMENT);
    expect(refusal?.kind).toBe('RULE');
    expect(refusal?.message).toContain('V-1');
  });

  it('compares division and product scope ignoring case and surrounding spaces', () => {
    expect(
      fifteenDayRepeatRefusal(existing, candidate({ division: ' retail ', productScope: 'SHAREPOINT ONLINE' }))?.code,
    ).toBe(Rule.REPEAT_FIFTEEN_DAY_ENGAGEMENT);
  });

  it('treats two claims without division and scope as the same', () => {
    const bare = [{ voucherId: 'V-1', agreementNumber: 'EA-42', engagementType: 'SDPS-SHAREPOINT' }];
    expect(
      fifteenDayRepeatRefusal(bare, { voucherId: 'V-2', agreementNumber: 'EA-42', engagementType: 'SDPS-SHAREPOINT' })
        ?.code,
    ).toBe(Rule.REPEAT_FIFTEEN_DAY_ENGAGEMENT);
  });

  it('accepts a different division', () => {
    expect(fifteenDayRepeatRefusal(existing, candidate({ division: 'Wholesale' }))).toBeUndefined();
  });

  it('accepts a different product', () => {
    expect(fifteenDayRepeatRefusal(existing, candidate({ productScope: 'SharePoint Server' }))).toBeUndefined();
  });

  it('accepts another engagement type', () => {
    expect(fifteenDayRepeatRefusal(existing, candidate({ engagementType: 'SDPS-PPM' }))).toBeUndefined();
  });

  it('accepts a different customer agreement', () => {
    expect(fifteenDayRepeatRefusal(existing, candidate({ agreementNumber: 'EA-43' }))).toBeUndefined();
  });

  it('does not count the same voucher as a clash with itself', () => {
    expect(fifteenDayRepeatRefusal(existing, candidate({ voucherId: 'V-1' }))).toBeUndefined();
  });

  it('accepts the first one', () => {
    expect(fifteenDayRepeatRefusal([], candidate())).toBeUndefined();
  });
});

describe('claimsAfterRelease', () => {
  const claim = (voucherId: string, token?: string): FifteenDayClaim => ({
    voucherId,
    agreementNumber: 'EA-42',
    engagementType: 'SDPS-SHAREPOINT',
    ...(token ? { token } : {}),
  });

  it('with a token frees only the claim made with it', () => {
    const claims = [claim('V-1', fifteenDayClaimToken('V-1', 2)), claim('V-2', 'V-2#1')];
    expect(claimsAfterRelease(claims, { voucherId: 'V-1', token: 'V-1#1' })).toEqual(claims);
    expect(claimsAfterRelease(claims, { voucherId: 'V-1', token: 'V-1#2' })).toEqual([claims[1]]);
  });

  it("without a token frees the voucher's claim, with or without a token (releases from before tokens)", () => {
    const claims = [claim('V-1', 'V-1#1'), claim('V-2')];
    expect(claimsAfterRelease(claims, { voucherId: 'V-1' })).toEqual([claims[1]]);
    expect(claimsAfterRelease(claims, { voucherId: 'V-2' })).toEqual([claims[0]]);
    // A token never frees a claim made without one: that claim's engagement releases without a token.
    expect(claimsAfterRelease(claims, { voucherId: 'V-2', token: 'V-2#1' })).toEqual(claims);
  });
});
