// UTC calendar arithmetic on YYYY-MM-DD dates, shared by workflows and the API.
import fc from 'fast-check';
import { DAY_MS, addDays, dateOf, dateStartMs, daysBetween, isCalendarDate, toIso } from '../../domain/dates';

// Dates from 1900-01-01 to 2199-12-31, as day offsets from the epoch.
const dayOffset = fc.integer({ min: -25_567, max: 84_005 });
const dateArb = dayOffset.map((d) => dateOf(d * DAY_MS));

describe('dates', () => {
  it('adds days across month, year and leap-day boundaries', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('counts whole days, negative backwards', () => {
    expect(daysBetween('2026-01-01', '2026-12-31')).toBe(364);
    expect(daysBetween('2028-01-01', '2028-12-31')).toBe(365);
    expect(daysBetween('2026-03-13', '2026-03-09')).toBe(-4);
    expect(daysBetween('2026-03-09', '2026-03-09')).toBe(0);
  });

  it('takes the UTC day of an instant', () => {
    expect(dateOf(Date.parse('2026-03-02T23:59:59.999Z'))).toBe('2026-03-02');
    expect(dateOf(Date.parse('2026-03-03T00:30:00+01:00'))).toBe('2026-03-02');
    expect(dateStartMs('2026-03-02')).toBe(Date.parse('2026-03-02T00:00:00Z'));
    expect(toIso(0)).toBe('1970-01-01T00:00:00.000Z');
  });

  it('tells calendar dates from impossible ones', () => {
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-02-30')).toBe(false);
    expect(isCalendarDate('2026-13-01')).toBe(false);
    expect(isCalendarDate('garbage')).toBe(false);
  });

  it('property: addDays and daysBetween are inverse', () => {
    fc.assert(
      fc.property(dateArb, fc.integer({ min: -3_000, max: 3_000 }), (date, n) => {
        const later = addDays(date, n);
        return isCalendarDate(later) && daysBetween(date, later) === n && addDays(later, -n) === date;
      }),
    );
  });

  it('property: daysBetween is antisymmetric and additive', () => {
    fc.assert(
      fc.property(dateArb, dateArb, dateArb, (a, b, c) => {
        return daysBetween(a, b) === -daysBetween(b, a) && daysBetween(a, b) + daysBetween(b, c) === daysBetween(a, c);
      }),
    );
  });

  it('property: string order of dates is time order', () => {
    fc.assert(fc.property(dateArb, dateArb, (a, b) => Math.sign(daysBetween(a, b)) === (a < b ? 1 : a > b ? -1 : 0)));
  });
});
