// The external shapes: strict objects (unknown fields refused), real calendar dates, instants with
// a zone, country codes, identifiers and hashes.
import sampleCardJson from '../../config/rate-card.sample.json';
import {
  Actor,
  Cancellation,
  CompletionReport,
  CountryCode,
  Customer,
  Deliverable,
  Email,
  EnrollmentRequest,
  Forwarding,
  Identifier,
  Instant,
  IsoDate,
  PartnerProfile,
  RateCard,
  Redemption,
  Reservation,
  ReservationChange,
  StartEngagementRequest,
} from '../../domain/schemas';
import { SHA, profile, report, reservation } from '../support/message-fixtures';

const start = {
  voucherId: 'V-1001',
  offering: 'DDPS',
  engagementType: 'DDPS-WINDOWS-OFFICE',
  days: 5,
  assignedAt: '2026-01-10T09:00:00Z',
  customer: {
    agreementNumber: 'EA-42',
    name: 'Fabrikam',
    country: 'US',
    projectManagerEmail: 'pm@fabrikam.example',
    enrollmentEndsAt: '2027-06-30',
  },
};

/** The paths zod names for a refused value. */
function issuePaths(result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }): string[] {
  expect(result.success).toBe(false);
  return result.error!.issues.map((i) => i.path.map(String).join('.'));
}

describe('valid messages parse', () => {
  it.each<[string, { safeParse(v: unknown): { success: boolean } }, unknown]>([
    ['start request', StartEngagementRequest, start],
    ['forwarding', Forwarding, { partnerId: 'contoso', projectManagerEmail: 'pm@fabrikam.example' }],
    ['reservation', Reservation, reservation],
    [
      'reservation with division and product scope',
      Reservation,
      { ...reservation, division: 'Retail', productScope: 'Exchange Online' },
    ],
    ['reservation change', ReservationChange, { startDate: '2026-03-10', endDate: '2026-03-14' }],
    ['completion report', CompletionReport, report],
    ['redemption', Redemption, {}],
    ['cancellation', Cancellation, { reason: 'Customer withdrew' }],
    ['enrollment', EnrollmentRequest, { offering: 'DDPS' }],
    ['partner profile', PartnerProfile, profile],
    ['sample rate card', RateCard, sampleCardJson],
  ])('%s', (_name, schema, value) => {
    expect(schema.safeParse(value).success).toBe(true);
  });
});

describe('unknown fields are refused', () => {
  it.each<
    [
      string,
      { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[] }[] } } },
      unknown,
      string,
    ]
  >([
    ['start request', StartEngagementRequest, { ...start, priority: 'high' }, ''],
    [
      'customer inside a start request',
      StartEngagementRequest,
      { ...start, customer: { ...start.customer, vip: true } },
      'customer',
    ],
    ['forwarding', Forwarding, { partnerId: 'contoso', projectManagerEmail: 'pm@fabrikam.example', note: 'hi' }, ''],
    ['reservation', Reservation, { ...reservation, hours: 40 }, ''],
    ['completion report', CompletionReport, { ...report, rating: 5 }, ''],
    [
      'deliverable',
      CompletionReport,
      { ...report, deliverables: [{ ...report.deliverables[0], size: 1 }, report.deliverables[1]] },
      'deliverables.0',
    ],
    ['redemption', Redemption, { at: 'now' }, ''],
    ['partner profile', PartnerProfile, { ...profile, tier: 'Gold' }, ''],
    [
      'location',
      PartnerProfile,
      { ...profile, locations: [{ locationId: 'SEA-1', country: 'US', city: 'Seattle' }] },
      'locations.0',
    ],
    [
      'exam',
      PartnerProfile,
      {
        ...profile,
        consultants: [{ ...profile.consultants[0], exams: [{ ...profile.consultants[0].exams[0], score: 900 }] }],
      },
      'consultants.0.exams.0',
    ],
  ])('%s', (_name, schema, value, where) => {
    const result = schema.safeParse(value);
    expect(issuePaths(result)).toEqual([where]);
  });
});

describe('dates and instants', () => {
  it.each(['2026-02-28', '2028-02-29', '2026-12-31', '2026-01-01'])('accepts %s', (d) => {
    expect(IsoDate.safeParse(d).success).toBe(true);
  });

  it.each([
    '2026-02-30',
    '2026-02-29',
    '2026-04-31',
    '2026-13-01',
    '2026-00-10',
    '2026-1-5',
    '26-01-05',
    '2026-01-05T00:00:00Z',
    '',
    '2026/01/05',
  ])('refuses %j as a date', (d) => {
    expect(IsoDate.safeParse(d).success).toBe(false);
  });

  it('refuses an impossible reservation date by field', () => {
    expect(issuePaths(Reservation.safeParse({ ...reservation, endDate: '2026-02-30' }))).toEqual(['endDate']);
  });

  it.each([
    '2026-01-10T09:00:00Z',
    '2026-01-10T09:00:00.123Z',
    '2026-01-10T09:00:00+02:00',
    '2026-01-10T09:00:00-05:30',
  ])('accepts the instant %s', (i) => {
    expect(Instant.safeParse(i).success).toBe(true);
  });

  it.each(['2026-01-10T09:00:00', '2026-01-10', 'yesterday', '2026-01-32T09:00:00Z'])(
    'refuses %j as an instant (a zone is required)',
    (i) => {
      expect(Instant.safeParse(i).success).toBe(false);
    },
  );
});

describe('formats', () => {
  it.each(['US', 'DE', 'JP'])('accepts the country code %s', (c) => {
    expect(CountryCode.safeParse(c).success).toBe(true);
  });

  it.each(['us', 'USA', 'U', 'U1', ''])('refuses %j as a country code', (c) => {
    expect(CountryCode.safeParse(c).success).toBe(false);
  });

  it('refuses a bad delivery country by field', () => {
    expect(issuePaths(Reservation.safeParse({ ...reservation, deliveryCountry: 'usa' }))).toEqual(['deliveryCountry']);
  });

  it('accepts a sha256 as 64 lower-case hex digits', () => {
    expect(Deliverable.safeParse(report.deliverables[0]).success).toBe(true);
  });

  it.each([
    ['63 digits', SHA.slice(1)],
    ['65 digits', `${SHA}0`],
    ['non-hex', 'g'.repeat(64)],
    ['upper-case', SHA.toUpperCase()],
    ['prefixed', `sha256:${SHA}`],
  ])('refuses a sha256 with %s', (_what, sha256) => {
    expect(issuePaths(Deliverable.safeParse({ ...report.deliverables[0], sha256 }))).toEqual(['sha256']);
  });

  it('refuses an unknown deliverable kind and a non-URL uri', () => {
    expect(issuePaths(Deliverable.safeParse({ ...report.deliverables[0], kind: 'SLIDES' }))).toEqual(['kind']);
    expect(issuePaths(Deliverable.safeParse({ ...report.deliverables[0], uri: 'not a url' }))).toEqual(['uri']);
  });

  it('refuses a report without deliverables, and negative or fractional days', () => {
    expect(issuePaths(CompletionReport.safeParse({ ...report, deliverables: [] }))).toEqual(['deliverables']);
    expect(issuePaths(CompletionReport.safeParse({ ...report, onSiteDays: -1 }))).toEqual(['onSiteDays']);
    expect(issuePaths(CompletionReport.safeParse({ ...report, offSiteDays: 1.5 }))).toEqual(['offSiteDays']);
  });

  it.each(['V-1001', 'abc_9.x', 'A'])('accepts the identifier %s', (id) => {
    expect(Identifier.safeParse(id).success).toBe(true);
  });

  it.each(['', '-lead', 'has space', 'slash/inside', 'x'.repeat(65), 'ümlaut'])('refuses %j as an identifier', (id) => {
    expect(Identifier.safeParse(id).success).toBe(false);
  });

  it('refuses a malformed e-mail', () => {
    expect(Email.safeParse('pm@fabrikam.example').success).toBe(true);
    expect(Email.safeParse('not-an-email').success).toBe(false);
    expect(issuePaths(Customer.safeParse({ ...start.customer, projectManagerEmail: 'nope' }))).toEqual([
      'projectManagerEmail',
    ]);
  });

  it('refuses a start request with non-integer days or a zone-less assignment', () => {
    expect(issuePaths(StartEngagementRequest.safeParse({ ...start, days: 2.5 }))).toEqual(['days']);
    expect(issuePaths(StartEngagementRequest.safeParse({ ...start, assignedAt: '2026-01-10T09:00:00' }))).toEqual([
      'assignedAt',
    ]);
  });

  it('refuses a competency level other than Silver or Gold', () => {
    expect(
      issuePaths(PartnerProfile.safeParse({ ...profile, competencies: [{ area: 'Datacenter', level: 'Platinum' }] })),
    ).toEqual(['competencies.0.level']);
  });

  it('names the actor forms', () => {
    for (const a of ['backoffice', 'operator', 'system', 'partner:contoso'])
      expect(Actor.safeParse(a).success).toBe(true);
    for (const a of ['partner:', 'admin', 'partner:bad id']) expect(Actor.safeParse(a).success).toBe(false);
  });

  it('refuses a rate card with a bad country, currency or rate', () => {
    expect(RateCard.safeParse({ rates: { us: { currency: 'USD', dailyRate: 1 } } }).success).toBe(false);
    expect(RateCard.safeParse({ rates: { US: { currency: 'usd', dailyRate: 1 } } }).success).toBe(false);
    expect(RateCard.safeParse({ rates: { US: { currency: 'USD', dailyRate: 0 } } }).success).toBe(false);
  });
});

describe('invalid Unicode', () => {
  it('refuses a lone surrogate in free text and in catalog codes', async () => {
    const { Cancellation, EnrollmentRequest } = await import('../../domain/schemas');
    expect(Cancellation.safeParse({ reason: 'bad \uD800 text' }).success).toBe(false);
    expect(Cancellation.safeParse({ reason: 'fine 😀 text' }).success).toBe(true);
    expect(EnrollmentRequest.safeParse({ offering: 'DD\uDC00PS' }).success).toBe(false);
  });
});
