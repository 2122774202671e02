// When a long-lived workflow starts a new run: well before Temporal's hard history limits, even if
// the server never suggests it. Shared by the partner, agreement and engagement workflows.
import { workflowInfo } from '@temporalio/workflow';

export const HISTORY_EVENTS_LIMIT = 2000;

/** `limit` lets a workflow whose every event is cheap to carry over start its next run sooner. */
export function historyIsLong(limit = HISTORY_EVENTS_LIMIT): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > limit;
}
