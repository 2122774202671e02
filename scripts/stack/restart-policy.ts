// When `npm start` restarts a crashed child, after how long, and when it gives up on it.

export interface RestartPolicy {
  /** This many crashes within `windowMs` mean the child cannot run: the stack stops. */
  maxCrashes: number;
  windowMs: number;
  /** Wait before the first restart; it doubles with every further crash in the window. */
  firstDelayMs: number;
  maxDelayMs: number;
}

// 5 crashes within 60 s: restarts after 0.5, 1, 2 and 4 s, then the stack gives up.
export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  maxCrashes: 5,
  windowMs: 60_000,
  firstDelayMs: 500,
  maxDelayMs: 10_000,
};

export type RestartDecision =
  { restart: true; delayMs: number; recentCrashes: number } | { restart: false; recentCrashes: number };

/** The crashes (epoch ms, the latest included) that still count at `now`. */
export function recentCrashes(crashTimes: readonly number[], now: number, policy: RestartPolicy): number[] {
  return crashTimes.filter((at) => now - at < policy.windowMs);
}

/** Restart (after a backoff that grows with the recent crashes) or give up. */
export function decideRestart(crashTimes: readonly number[], now: number, policy: RestartPolicy): RestartDecision {
  const recent = recentCrashes(crashTimes, now, policy).length;
  if (recent >= policy.maxCrashes) return { restart: false, recentCrashes: recent };
  const delayMs = Math.min(policy.firstDelayMs * 2 ** Math.max(0, recent - 1), policy.maxDelayMs);
  return { restart: true, delayMs, recentCrashes: recent };
}
