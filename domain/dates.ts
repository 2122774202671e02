// Calendar arithmetic in UTC on YYYY-MM-DD strings and epoch milliseconds. Pure and deterministic,
// so workflows (whose Date.now() is workflow time) and the API compute the same answers.
export const DAY_MS = 24 * 60 * 60 * 1000;

export function isCalendarDate(value: string): boolean {
  const ms = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

/** Midnight UTC at the start of a YYYY-MM-DD date. */
export function dateStartMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** The UTC calendar date an instant falls on. */
export function dateOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return dateOf(dateStartMs(date) + days * DAY_MS);
}

/** Whole days from `from` to `to` (dates), negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((dateStartMs(to) - dateStartMs(from)) / DAY_MS);
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
