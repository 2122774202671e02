// The limit on forwarding attempts with a wrong project-manager e-mail: the e-mail is what keeps a
// partner from taking over a voucher, so it must not be guessed. Counted per voucher in the
// engagement itself, so the limit holds however many API processes answer.
import { toIso } from '../dates';
import { Rule, type Refusal } from '../refusals';

/** Wrong e-mails a voucher takes before forwarding locks. */
export const WRONG_EMAILS_BEFORE_LOCK = 5;
const FIRST_LOCK_MS = 60 * 60 * 1000;
const LONGEST_LOCK_MS = 24 * 60 * 60 * 1000;

export interface ForwardingGuard {
  /** Wrong e-mails since the last lock (or ever). */
  wrongEmails: number;
  /** Locks so far: each one lasts twice the one before, up to a day. */
  locks: number;
  lockedUntil?: string;
}

/** While forwarding is locked, every attempt is refused (the right e-mail too), with when to retry. */
export function forwardingLockRefusal(guard: ForwardingGuard | undefined, nowMs: number): Refusal | undefined {
  if (!guard?.lockedUntil || nowMs >= Date.parse(guard.lockedUntil)) return undefined;
  return {
    kind: 'LIMITED',
    code: Rule.FORWARDING_ATTEMPTS_EXCEEDED,
    message: `too many forwarding attempts with a wrong e-mail; try again after ${guard.lockedUntil}`,
    retryAt: guard.lockedUntil,
  };
}

/** The guard after one more wrong e-mail: the limit's attempt locks forwarding for 1 h, 2 h, 4 h ... 24 h. */
export function afterWrongEmail(guard: ForwardingGuard | undefined, nowMs: number): ForwardingGuard {
  const wrongEmails = (guard?.wrongEmails ?? 0) + 1;
  const locks = guard?.locks ?? 0;
  if (wrongEmails < WRONG_EMAILS_BEFORE_LOCK) return { ...guard, wrongEmails, locks };
  const lockMs = Math.min(LONGEST_LOCK_MS, FIRST_LOCK_MS * 2 ** locks);
  return { wrongEmails: 0, locks: locks + 1, lockedUntil: toIso(nowMs + lockMs) };
}
