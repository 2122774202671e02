// Time left until a deadline, refreshed every minute (not announced: it would interrupt screen readers).
import { useEffect, useState, type ReactNode } from 'react';

export function timeLeft(untilMs: number, nowMs: number): string {
  const ms = untilMs - nowMs;
  if (ms <= 0) return 'passed';
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days} d ${hours} h left`;
  return `${hours} h ${minutes % 60} min left`;
}

export function Countdown({ until }: { until: string }): ReactNode {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  const at = Date.parse(until);
  return (
    <span className={at - now < 7 * 86_400_000 ? 'countdown countdown-soon' : 'countdown'}>
      <time dateTime={until}>{new Date(at).toLocaleString()}</time> ({timeLeft(at, now)})
    </span>
  );
}
