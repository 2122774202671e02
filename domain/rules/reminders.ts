// Reminder schedules before a deadline: voucher expiry, invoice window and enrollment lapse share one rule.
import { DAY_MS } from '../dates';

export interface Reminder {
  kind: string;
  atMs: number;
  daysBefore: number;
}

/**
 * Reminders `daysBefore` a deadline. One already passed when the schedule starts is not sent late
 * one by one: only the nearest passed one is sent, once, immediately (at `startMs`).
 */
export function reminderSchedule(
  kindPrefix: string,
  deadlineMs: number,
  daysBefore: readonly number[],
  startMs: number,
): Reminder[] {
  const all = [...daysBefore]
    .sort((a, b) => b - a)
    .map((d) => ({ kind: `${kindPrefix}_${d}D`, atMs: deadlineMs - d * DAY_MS, daysBefore: d }));
  if (startMs >= deadlineMs) return [];
  const passed = all.filter((r) => r.atMs <= startMs);
  const upcoming = all.filter((r) => r.atMs > startMs);
  const nearestPassed = passed[passed.length - 1];
  return nearestPassed ? [{ ...nearestPassed, atMs: startMs }, ...upcoming] : upcoming;
}
