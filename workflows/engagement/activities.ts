// The activities the engagement workflow calls, each with the retry policy its failure mode needs.
import { proxyActivities } from '@temporalio/workflow';
import type { EngagementActivities } from '../../activities/types';

/** Partner registry reads and the 15-day slot claim: a few quick retries, then the message is refused. */
export const registry = proxyActivities<EngagementActivities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 5 },
});

// SAVB calls: transient failures retry with backoff for about an hour before the workflow's own
// slower retry loop takes over; business refusals are non-retryable (the activity says so).
export const savb = proxyActivities<EngagementActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 12 },
});

// Releasing a 15-day slot is idempotent and must happen eventually, however long the registry is
// away: no attempt limit, and it runs in the background so the cancellation itself never waits on it.
export const durableRelease = proxyActivities<EngagementActivities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Notifications are best effort: bounded retries, then recorded as undelivered. */
export const notifications = proxyActivities<EngagementActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 8 },
});
