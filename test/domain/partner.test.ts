// Partner rules: a one-year enrollment, its renewal window, what enrolling needs, and the
// eligibility matrix with the unmet requirements named.
import { catalog } from '../../domain/catalog';
import { DAY_MS } from '../../domain/dates';
import {
  ENROLLMENT_REMINDER_DAYS,
  RENEWAL_WINDOW_DAYS,
  eligibilityMatrix,
  eligibilityRefusals,
  enrollmentRefusal,
  enrollmentValidUntil,
  isEnrollmentActive,
  lapsedOfferings,
  renewalRefusal,
  renewalWithRequirementsRefusal,
  renewedValidUntil,
  type Enrollment,
  type PartnerSnapshot,
} from '../../domain/partner';
import { Rule } from '../../domain/refusals';
import { findEngagementType } from '../../domain/catalog';

const NOW = Date.parse('2026-03-02T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const codes = (refusals: { code: string }[]) => refusals.map((r) => r.code);

function enrollment(
  offering: string,
  acceptedAt: string,
  validUntil = iso(enrollmentValidUntil(Date.parse(acceptedAt))),
): Enrollment {
  return { offering, acceptedAt, validUntil, status: 'ACTIVE', renewals: [] };
}

function partner(
  profile: Partial<PartnerSnapshot['profile']> = {},
  enrollments: PartnerSnapshot['enrollments'] = {},
): PartnerSnapshot {
  return {
    partnerId: 'contoso',
    profile: {
      name: 'Contoso Consulting',
      locations: [{ locationId: 'SEA-1', country: 'US' }],
      competencies: [{ area: 'Windows and Devices', level: 'Silver', expiresAt: '2027-01-31' }],
      consultants: [
        {
          consultantId: 'c-ana',
          name: 'Ana',
          exams: [{ code: 'MD-100', area: 'Windows and Devices', passedAt: '2025-05-01' }],
        },
      ],
      ...profile,
    },
    enrollments,
  };
}

describe('enrollment term', () => {
  it('lasts one year from acceptance', () => {
    expect(iso(enrollmentValidUntil(Date.parse('2026-03-02T10:00:00Z')))).toBe('2027-03-02T10:00:00.000Z');
  });

  it('lasts one calendar year across a 29 February', () => {
    expect(iso(enrollmentValidUntil(Date.parse('2027-06-15T08:00:00Z')))).toBe('2028-06-15T08:00:00.000Z');
    expect(iso(enrollmentValidUntil(Date.parse('2028-01-10T00:00:00Z')))).toBe('2029-01-10T00:00:00.000Z');
  });

  it('accepted on 29 February lapses on 28 February', () => {
    expect(iso(enrollmentValidUntil(Date.parse('2028-02-29T12:00:00Z')))).toBe('2029-02-28T12:00:00.000Z');
  });

  it('is renewed by one more year from the current lapse', () => {
    expect(iso(renewedValidUntil(enrollment('DDPS', '2025-06-01T00:00:00Z')))).toBe('2027-06-01T00:00:00.000Z');
  });

  it('is active from acceptance until (not including) the lapse instant', () => {
    const e = enrollment('DDPS', '2025-06-01T00:00:00Z');
    expect(isEnrollmentActive(e, Date.parse('2025-05-31T23:59:59Z'))).toBe(false);
    expect(isEnrollmentActive(e, Date.parse('2025-06-01T00:00:00Z'))).toBe(true);
    expect(isEnrollmentActive(e, Date.parse('2026-06-01T00:00:00Z') - 1)).toBe(true);
    expect(isEnrollmentActive(e, Date.parse('2026-06-01T00:00:00Z'))).toBe(false);
    expect(isEnrollmentActive(undefined, NOW)).toBe(false);
  });

  it('reminds 30 and 7 days before lapse', () => {
    expect(ENROLLMENT_REMINDER_DAYS).toEqual([30, 7]);
  });

  it('lists the enrollments that have lapsed by now', () => {
    const enrollments = {
      DDPS: enrollment('DDPS', '2025-03-01T00:00:00Z'), // lapses 2026-03-01
      SDPS: enrollment('SDPS', '2025-06-01T00:00:00Z'),
      PVDPS: { ...enrollment('PVDPS', '2024-01-01T00:00:00Z'), status: 'LAPSED' as const },
    };
    expect(lapsedOfferings(enrollments, NOW)).toEqual(['DDPS']);
  });
});

describe('renewalRefusal', () => {
  const e = enrollment('DDPS', '2025-06-01T00:00:00Z'); // lapses 2026-06-01T00:00Z
  const lapse = Date.parse('2026-06-01T00:00:00Z');

  it('opens 90 days before lapse', () => {
    expect(RENEWAL_WINDOW_DAYS).toBe(90);
    const before = renewalRefusal(e, lapse - 90 * DAY_MS - 1);
    expect(before?.code).toBe(Rule.RENEWAL_WINDOW_NOT_OPEN);
    expect(before?.message).toContain('2026-03-03');
    expect(renewalRefusal(e, lapse - 90 * DAY_MS)).toBeUndefined();
    expect(renewalRefusal(e, lapse - 1)).toBeUndefined();
  });

  it('is refused once the enrollment has lapsed, or without one', () => {
    expect(renewalRefusal(e, lapse)?.code).toBe(Rule.ENROLLMENT_NOT_ACTIVE);
    expect(renewalRefusal(undefined, NOW)?.code).toBe(Rule.ENROLLMENT_NOT_ACTIVE);
  });
});

describe('enrollmentRefusal', () => {
  it('accepts a partner with a competency qualifying for one type of the offering', () => {
    expect(enrollmentRefusal(partner(), 'DDPS', NOW)).toBeUndefined();
  });

  it('refuses a partner without a qualifying competency', () => {
    const refusal = enrollmentRefusal(partner(), 'SDPS', NOW);
    expect(refusal?.code).toBe(Rule.ENROLLMENT_NO_QUALIFYING_COMPETENCY);
    expect(refusal?.kind).toBe('RULE');
  });

  it('refuses when the only competency has expired', () => {
    const expired = partner({
      competencies: [{ area: 'Windows and Devices', level: 'Silver', expiresAt: '2026-03-01' }],
    });
    expect(enrollmentRefusal(expired, 'DDPS', NOW)?.code).toBe(Rule.ENROLLMENT_NO_QUALIFYING_COMPETENCY);
  });

  it('refuses a Silver competency for an offering whose only type needs Gold', () => {
    const silver = partner({ competencies: [{ area: 'Data Platform', level: 'Silver' }] });
    expect(enrollmentRefusal(silver, 'SSDPS', NOW)?.code).toBe(Rule.ENROLLMENT_NO_QUALIFYING_COMPETENCY);
    const gold = partner({ competencies: [{ area: 'Data Platform', level: 'Gold' }] });
    expect(enrollmentRefusal(gold, 'SSDPS', NOW)).toBeUndefined();
  });

  it('refuses an unknown offering', () => {
    expect(enrollmentRefusal(partner(), 'NOPE', NOW)?.code).toBe(Rule.OFFERING_UNKNOWN);
  });

  it('refuses an offering the partner is already enrolled in, and accepts it again after lapse', () => {
    expect(
      enrollmentRefusal(partner({}, { DDPS: enrollment('DDPS', '2025-06-01T00:00:00Z') }), 'DDPS', NOW)?.code,
    ).toBe(Rule.OFFERING_ALREADY_ENROLLED);
    const lapsed = { ...enrollment('DDPS', '2024-06-01T00:00:00Z'), status: 'LAPSED' as const };
    expect(enrollmentRefusal(partner({}, { DDPS: lapsed }), 'DDPS', NOW)).toBeUndefined();
  });
});

describe('eligibility', () => {
  const enrolled = { DDPS: enrollment('DDPS', '2025-06-01T00:00:00Z') };

  it('names every unmet requirement', () => {
    const type = findEngagementType('SDPS-SHAREPOINT')!;
    const bare = partner({ locations: [], competencies: [], consultants: [] });
    expect(codes(eligibilityRefusals(bare, type, NOW)).sort()).toEqual(
      [
        Rule.ENROLLMENT_NOT_ACTIVE,
        Rule.COMPETENCY_NOT_QUALIFYING,
        Rule.NO_QUALIFIED_CONSULTANT,
        Rule.NO_LOCATION,
      ].sort(),
    );
    expect(codes(eligibilityRefusals(undefined, type, NOW))).toEqual([Rule.PARTNER_UNKNOWN]);
  });

  it('has a row per engagement type of the catalog, eligible ones without unmet requirements', () => {
    const rows = eligibilityMatrix(partner({}, enrolled), NOW);
    const allTypes = catalog.offerings.flatMap((o) => o.engagementTypes.map((t) => t.code));
    expect(rows.map((r) => r.engagementType)).toEqual(allTypes);
    const byType = Object.fromEntries(rows.map((r) => [r.engagementType, r]));

    expect(byType['DDPS-WINDOWS-OFFICE']).toMatchObject({
      offering: 'DDPS',
      name: 'Windows and Office Deployment Planning',
      eligible: true,
      unmet: [],
    });
    // Windows and Devices also qualifies for Mobile Productivity.
    expect(byType['DDPS-MOBILE-PRODUCTIVITY']).toMatchObject({ eligible: true, unmet: [] });
    // Security PoC needs Enterprise Mobility Management, which neither the company nor a consultant has.
    expect(byType['DDPS-MODERN-IT-SECURITY-POC'].eligible).toBe(false);
    expect(codes(byType['DDPS-MODERN-IT-SECURITY-POC'].unmet).sort()).toEqual(
      [Rule.COMPETENCY_NOT_QUALIFYING, Rule.NO_QUALIFIED_CONSULTANT].sort(),
    );
    expect(
      byType['DDPS-MODERN-IT-SECURITY-POC'].unmet.find((u) => u.code === Rule.COMPETENCY_NOT_QUALIFYING)?.message,
    ).toContain('Enterprise Mobility Management (Silver+)');
    // Another offering: not enrolled there either.
    expect(codes(byType['SDPS-SHAREPOINT'].unmet)).toContain(Rule.ENROLLMENT_NOT_ACTIVE);
    expect(byType['SDPS-SHAREPOINT'].unmet.find((u) => u.code === Rule.ENROLLMENT_NOT_ACTIVE)?.message).toContain(
      'SDPS',
    );
    for (const row of rows) expect(row.eligible).toBe(row.unmet.length === 0);
  });

  it('names a missing Gold level in the matrix', () => {
    const p = partner(
      {
        competencies: [{ area: 'Enterprise Resource Planning', level: 'Silver' }],
        consultants: [
          {
            consultantId: 'c-ana',
            name: 'Ana',
            exams: [{ code: 'MB-300', area: 'Enterprise Resource Planning', passedAt: '2025-01-01' }],
          },
        ],
      },
      { DYDPS: enrollment('DYDPS', '2025-06-01T00:00:00Z') },
    );
    const row = eligibilityMatrix(p, NOW).find((r) => r.engagementType === 'DYDPS-FO-UPGRADE')!;
    expect(row.eligible).toBe(false);
    expect(codes(row.unmet)).toEqual([Rule.COMPETENCY_NOT_QUALIFYING]);
    expect(row.unmet[0].message).toContain('Enterprise Resource Planning (Gold+)');
  });
});

describe('renewalWithRequirementsRefusal', () => {
  const e = enrollment('DDPS', '2025-06-01T00:00:00Z'); // lapses 2026-06-01T00:00Z
  const inWindow = Date.parse('2026-04-01T00:00:00Z');

  it('renews inside the window with a qualifying competency valid today', () => {
    expect(renewalWithRequirementsRefusal(partner({}, { DDPS: e }), 'DDPS', inWindow)).toBeUndefined();
  });

  it('refuses when the qualifying competency expired before today, naming the rule and what qualifies', () => {
    const expired = partner(
      { competencies: [{ area: 'Windows and Devices', level: 'Silver', expiresAt: '2026-03-31' }] },
      { DDPS: e },
    );
    const refusal = renewalWithRequirementsRefusal(expired, 'DDPS', inWindow);
    expect(refusal).toMatchObject({ kind: 'RULE', code: Rule.ENROLLMENT_NO_QUALIFYING_COMPETENCY });
    expect(refusal?.message).toContain('2026-04-01');
    expect(refusal?.message).toContain('Enterprise Mobility Management (Silver+)');
    // The window is checked first: outside it, that is the answer.
    expect(renewalWithRequirementsRefusal(expired, 'DDPS', NOW)?.code).toBe(Rule.RENEWAL_WINDOW_NOT_OPEN);
  });

  it('checks against the catalog it is given', () => {
    const withoutDdps = { offerings: catalog.offerings.filter((o) => o.code !== 'DDPS') };
    expect(renewalWithRequirementsRefusal(partner({}, { DDPS: e }), 'DDPS', inWindow, withoutDdps)?.code).toBe(
      Rule.OFFERING_UNKNOWN,
    );
  });
});
