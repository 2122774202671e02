// Request bodies for the API suites.
import { addDays, dateOf } from '../../domain/dates';
import type { CompletionReport, PartnerProfile, Reservation, StartEngagementRequest } from '../../domain/schemas';

export const PM_EMAIL = 'pm@fabrikam.example';

let counter = 0;
/** IDs unique across suites and runs against the same server. */
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

export function profile(overrides: Partial<PartnerProfile> = {}): PartnerProfile {
  return {
    name: 'Contoso Consulting',
    description: 'Deployment planning since 2005',
    website: 'https://contoso.example',
    locations: [
      { locationId: 'LOC-US', country: 'US' },
      { locationId: 'LOC-DE', country: 'DE' },
    ],
    competencies: [{ area: 'Windows and Devices', level: 'Gold', expiresAt: '2099-12-31' }],
    consultants: [
      {
        consultantId: 'C-1',
        name: 'Ada Lovelace',
        exams: [{ code: 'MD-100', area: 'Windows and Devices', passedAt: '2020-01-01' }],
      },
    ],
    ...overrides,
  };
}

export function startBody(overrides: Partial<StartEngagementRequest> = {}): StartEngagementRequest {
  return {
    voucherId: uniqueId('V'),
    offering: 'DDPS',
    engagementType: 'DDPS-WINDOWS-OFFICE',
    days: 5,
    assignedAt: new Date().toISOString(),
    customer: {
      agreementNumber: uniqueId('AGR'),
      name: 'Fabrikam Ltd',
      country: 'US',
      projectManagerEmail: PM_EMAIL,
      enrollmentEndsAt: '2099-12-31',
    },
    ...overrides,
  };
}

let todayOfTest: { test: string | undefined; date: string } | undefined;

/**
 * Today (UTC) as the running test sees it: read once per test, so that a test that runs across
 * midnight reserves, delivers and reports on one date instead of two.
 */
function today(): string {
  // Outside jest (scripts/record-dev-history.ts) there is no test: the date is read each time.
  const test = typeof expect === 'undefined' ? undefined : expect.getState().currentTestName;
  if (todayOfTest === undefined || todayOfTest.test !== test || test === undefined) {
    todayOfTest = { test, date: dateOf(Date.now()) };
  }
  return todayOfTest.date;
}

export function reservationBody(overrides: Partial<Reservation> = {}): Reservation {
  const start = addDays(today(), 7);
  return {
    locationId: 'LOC-US',
    consultantId: 'C-1',
    startDate: start,
    endDate: addDays(start, 6),
    deliveryCountry: 'US',
    ...overrides,
  };
}

/** A one-day engagement delivered today (the only kind real time allows: reserved from today, delivered by today). */
export function reportBody(date = today(), overrides: Partial<CompletionReport> = {}): CompletionReport {
  return {
    consultantId: 'C-1',
    deliveredFrom: date,
    deliveredTo: date,
    onSiteDays: 1,
    offSiteDays: 0,
    deliverables: [
      {
        kind: 'COMPLETION_REPORT',
        title: 'Completion report',
        uri: 'https://files.example/report.pdf',
        sha256: 'a'.repeat(64),
      },
      {
        kind: 'CUSTOMER_PLANNING_DELIVERABLE',
        title: 'Vision and scope',
        uri: 'https://files.example/vision.pdf',
        sha256: 'b'.repeat(64),
      },
    ],
    ...overrides,
  };
}

export { addDays, today };
