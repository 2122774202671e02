// The per-voucher limit on wrong project-manager e-mails: five, then a lock that doubles each time.
import { WRONG_EMAILS_BEFORE_LOCK, afterWrongEmail, forwardingLockRefusal } from '../../domain/rules/forwarding-guard';
import type { ForwardingGuard } from '../../domain/rules/forwarding-guard';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const HOUR = 60 * 60 * 1000;

function wrongTimes(n: number, guard?: ForwardingGuard, at = T0): ForwardingGuard | undefined {
  for (let i = 0; i < n; i++) guard = afterWrongEmail(guard, at);
  return guard;
}

it('takes four wrong e-mails without a lock; the fifth locks forwarding for an hour', () => {
  expect(WRONG_EMAILS_BEFORE_LOCK).toBe(5);
  const four = wrongTimes(4);
  expect(four).toEqual({ wrongEmails: 4, locks: 0 });
  expect(forwardingLockRefusal(four, T0)).toBeUndefined();
  const five = afterWrongEmail(four, T0);
  expect(five.lockedUntil).toBe(new Date(T0 + HOUR).toISOString());
  expect(forwardingLockRefusal(five, T0 + HOUR - 1)).toMatchObject({
    kind: 'LIMITED',
    code: 'FORWARDING_ATTEMPTS_EXCEEDED',
    retryAt: five.lockedUntil,
  });
  expect(forwardingLockRefusal(five, T0 + HOUR)).toBeUndefined();
});

it('each further lock lasts twice the one before, never more than a day', () => {
  let guard: ForwardingGuard | undefined;
  const lengths: number[] = [];
  for (let lock = 0; lock < 7; lock++) {
    guard = wrongTimes(5, guard);
    lengths.push((Date.parse(guard!.lockedUntil!) - T0) / HOUR);
  }
  expect(lengths).toEqual([1, 2, 4, 8, 16, 24, 24]);
});
