// When a long-lived workflow starts a new run: well before Temporal's hard history limits, even if
// the server never suggests it. Shared by the partner, agreement and engagement workflows.
import { workflowInfo } from '@temporalio/workflow';

export const HISTORY_EVENTS_LIMIT = 2000;

export function historyIsLong(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > HISTORY_EVENTS_LIMIT;
}
