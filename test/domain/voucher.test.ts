// Voucher rules: 180-day validity, what a start request must satisfy, expiry reminders, and where
// the days of an unredeemed voucher go.
import fc from 'fast-check';
import { parseCatalog } from '../../domain/catalog-file';
import { DAY_MS } from '../../domain/dates';
import { Rule } from '../../domain/refusals';
import type { StartEngagementRequest } from '../../domain/schemas';
import {
  EXPIRY_REMINDER_DAYS,
  VOUCHER_VALIDITY_DAYS,
  daysDisposition,
  isVoucherExpired,
  lastValidDate,
  startRefusals,
  voucherExpiresAtMs,
} from '../../domain/rules/voucher';
import { reminderSchedule } from '../../domain/rules/reminders';

const codes = (refusals: { code: string }[]) => refusals.map((r) => r.code);

function request(overrides: Partial<StartEngagementRequest> = {}): StartEngagementRequest {
  return {
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
    ...overrides,
  };
}

const NOW = Date.parse('2026-01-12T12:00:00Z');

describe('voucher validity', () => {
  it('is 180 days from assignment', () => {
    expect(VOUCHER_VALIDITY_DAYS).toBe(180);
    expect(voucherExpiresAtMs('2026-01-10T09:00:00Z')).toBe(Date.parse('2026-07-09T09:00:00Z'));
  });

  it('honours the zone of the assignment instant', () => {
    // 01:00 at +02:00 is 23:00 UTC the day before.
    expect(voucherExpiresAtMs('2026-01-10T01:00:00+02:00')).toBe(Date.parse('2026-07-08T23:00:00Z'));
  });

  it('has as last valid date the day holding its final instant', () => {
    expect(lastValidDate('2026-01-10T09:00:00Z')).toBe('2026-07-09');
    // Assigned at midnight: it expires at midnight, so the day before is the last valid one.
    expect(lastValidDate('2026-01-10T00:00:00Z')).toBe('2026-07-08');
  });

  it('is expired from its expiry instant on, not a millisecond earlier', () => {
    const expiry = voucherExpiresAtMs('2026-01-10T09:00:00Z');
    expect(isVoucherExpired('2026-01-10T09:00:00Z', expiry - 1)).toBe(false);
    expect(isVoucherExpired('2026-01-10T09:00:00Z', expiry)).toBe(true);
  });
});

describe('startRefusals', () => {
  it('accepts a known type of the offering with an allowed length', () => {
    expect(startRefusals(request(), NOW)).toEqual([]);
  });

  it.each([1, 3, 5, 10, 15])('accepts %i days for a type with the default lengths', (days) => {
    expect(startRefusals(request({ days }), NOW)).toEqual([]);
  });

  it('refuses an unknown offering', () => {
    const refusals = startRefusals(request({ offering: 'NOPE' }), NOW);
    expect(codes(refusals)).toContain(Rule.OFFERING_UNKNOWN);
    expect(refusals.find((r) => r.code === Rule.OFFERING_UNKNOWN)).toMatchObject({
      kind: 'RULE',
      fields: ['offering'],
    });
  });

  it('refuses an unknown engagement type', () => {
    const refusals = startRefusals(request({ engagementType: 'DDPS-TEA-CEREMONY' }), NOW);
    expect(codes(refusals)).toEqual([Rule.ENGAGEMENT_TYPE_UNKNOWN]);
    expect(refusals[0]).toMatchObject({ kind: 'RULE', fields: ['engagementType'] });
  });

  it('refuses an engagement type that belongs to another offering', () => {
    expect(codes(startRefusals(request({ offering: 'DDPS', engagementType: 'SDPS-SHAREPOINT' }), NOW))).toEqual([
      Rule.ENGAGEMENT_TYPE_UNKNOWN,
    ]);
  });

  it.each([2, 4, 20, 16, 0])('refuses %i days', (days) => {
    const refusals = startRefusals(request({ days }), NOW);
    expect(codes(refusals)).toEqual([Rule.DAYS_NOT_ALLOWED]);
    expect(refusals[0].fields).toEqual(['days']);
  });

  it("refuses a length the type's own subset does not allow", () => {
    const custom = parseCatalog({
      offerings: [
        {
          code: 'X',
          name: 'Offering X',
          engagementTypes: [
            {
              code: 'X-SHORT',
              name: 'Short only',
              allowedDays: [1, 3],
              qualifyingCompetencies: [{ area: 'Datacenter', minLevel: 'Silver' }],
            },
          ],
        },
      ],
    });
    const r = (days: number) => request({ offering: 'X', engagementType: 'X-SHORT', days });
    expect(startRefusals(r(3), NOW, custom)).toEqual([]);
    expect(codes(startRefusals(r(5), NOW, custom))).toEqual([Rule.DAYS_NOT_ALLOWED]);
    expect(codes(startRefusals(r(15), NOW, custom))).toEqual([Rule.DAYS_NOT_ALLOWED]);
  });

  it('refuses a voucher that has already expired', () => {
    const expiry = voucherExpiresAtMs('2026-01-10T09:00:00Z');
    expect(startRefusals(request(), expiry - 1)).toEqual([]);
    const refusals = startRefusals(request(), expiry);
    expect(codes(refusals)).toEqual([Rule.VOUCHER_EXPIRED]);
    expect(refusals[0].message).toContain('2026-07-09T09:00:00.000Z');
  });

  it('reports every problem at once', () => {
    expect(
      codes(startRefusals(request({ engagementType: 'NOPE', assignedAt: '2020-01-01T00:00:00Z' }), NOW)).sort(),
    ).toEqual([Rule.ENGAGEMENT_TYPE_UNKNOWN, Rule.VOUCHER_EXPIRED].sort());
  });

  it('refuses a voucher assigned in the future beyond a few minutes of clock skew', () => {
    expect(startRefusals(request({ assignedAt: new Date(NOW + 60_000).toISOString() }), NOW)).toEqual([]);
    const refusals = startRefusals(request({ assignedAt: new Date(NOW + DAY_MS).toISOString() }), NOW);
    expect(refusals.map((r) => r.code)).toEqual(['ASSIGNED_IN_FUTURE']);
    expect(refusals[0].fields).toEqual(['assignedAt']);
  });
});

describe('reminderSchedule', () => {
  const deadline = Date.parse('2026-07-09T09:00:00Z');

  it('sends the expiry reminders 30 and 7 days before the deadline', () => {
    expect(EXPIRY_REMINDER_DAYS).toEqual([30, 7]);
    expect(reminderSchedule('EXPIRY', deadline, EXPIRY_REMINDER_DAYS, deadline - 180 * DAY_MS)).toEqual([
      { kind: 'EXPIRY_30D', atMs: deadline - 30 * DAY_MS, daysBefore: 30 },
      { kind: 'EXPIRY_7D', atMs: deadline - 7 * DAY_MS, daysBefore: 7 },
    ]);
  });

  it('does not depend on the order the days are given in', () => {
    const start = deadline - 100 * DAY_MS;
    expect(reminderSchedule('EXPIRY', deadline, [7, 30], start)).toEqual(
      reminderSchedule('EXPIRY', deadline, [30, 7], start),
    );
  });

  it('started with 10 days left: the 30-day reminder once, immediately, then the 7-day one on time', () => {
    const start = deadline - 10 * DAY_MS;
    expect(reminderSchedule('EXPIRY', deadline, [30, 7], start)).toEqual([
      { kind: 'EXPIRY_30D', atMs: start, daysBefore: 30 },
      { kind: 'EXPIRY_7D', atMs: deadline - 7 * DAY_MS, daysBefore: 7 },
    ]);
  });

  it('started with 3 days left: only the nearest passed reminder (7 days), immediately', () => {
    const start = deadline - 3 * DAY_MS;
    expect(reminderSchedule('EXPIRY', deadline, [30, 7], start)).toEqual([
      { kind: 'EXPIRY_7D', atMs: start, daysBefore: 7 },
    ]);
  });

  it('started exactly at a reminder time: that reminder is sent at once', () => {
    const start = deadline - 30 * DAY_MS;
    expect(reminderSchedule('EXPIRY', deadline, [30, 7], start).map((r) => [r.kind, r.atMs])).toEqual([
      ['EXPIRY_30D', start],
      ['EXPIRY_7D', deadline - 7 * DAY_MS],
    ]);
  });

  it('sends nothing at or after the deadline', () => {
    expect(reminderSchedule('EXPIRY', deadline, [30, 7], deadline)).toEqual([]);
    expect(reminderSchedule('EXPIRY', deadline, [30, 7], deadline + DAY_MS)).toEqual([]);
  });

  it('property: every reminder lies in [start, deadline), in time order, each kind at most once, at most one late', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_000_000_000 }).map((s) => s * 1000),
        // Lead time in minutes, or in whole days so starts exactly at a reminder time are tried too.
        fc.oneof(
          fc.integer({ min: -14_400, max: 576_000 }).map((m) => m * 60_000),
          fc.integer({ min: -10, max: 400 }).map((d) => d * DAY_MS),
        ),
        fc.uniqueArray(fc.integer({ min: 1, max: 120 }), { minLength: 0, maxLength: 5 }),
        (deadlineMs, leadMs, daysBefore) => {
          const startMs = deadlineMs - leadMs;
          const schedule = reminderSchedule('R', deadlineMs, daysBefore, startMs);
          if (startMs >= deadlineMs) return schedule.length === 0;
          for (const r of schedule) {
            if (r.atMs < startMs || r.atMs >= deadlineMs) return false;
            if (r.kind !== `R_${r.daysBefore}D`) return false;
          }
          for (let i = 1; i < schedule.length; i++) if (schedule[i].atMs < schedule[i - 1].atMs) return false;
          if (new Set(schedule.map((r) => r.kind)).size !== schedule.length) return false;
          if (schedule.filter((r) => r.atMs === startMs).length > 1) return false;
          // Every reminder still ahead is sent on time.
          const ahead = daysBefore.filter((d) => deadlineMs - d * DAY_MS > startMs);
          return ahead.every((d) => schedule.some((r) => r.daysBefore === d && r.atMs === deadlineMs - d * DAY_MS));
        },
      ),
    );
  });
});

describe('daysDisposition', () => {
  it('returns the days to the pool while the enrollment is active, through its last day', () => {
    expect(daysDisposition('2026-07-09', 5, Date.parse('2026-07-09T23:59:59.999Z'), 'EXPIRED')).toEqual({
      outcome: 'RETURNED_TO_POOL',
      days: 5,
      at: '2026-07-09T23:59:59.999Z',
      reason: 'EXPIRED',
    });
  });

  it('loses the days once the enrollment has ended', () => {
    expect(daysDisposition('2026-07-09', 10, Date.parse('2026-07-10T00:00:00Z'), 'CANCELLED')).toEqual({
      outcome: 'LOST',
      days: 10,
      at: '2026-07-10T00:00:00.000Z',
      reason: 'CANCELLED',
    });
  });
});
