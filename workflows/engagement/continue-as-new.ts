// Continue-as-new during the invoice phase's long waits (SAVB registration re-tries, payment polls):
// the next run gets the whole state and the invoice phase's bookkeeping in its input, so a partner
// that never registers or a SAVB that never answers cannot push one run to Temporal's history limit.
import { allHandlersFinished, condition, makeContinueAsNewFunc } from '@temporalio/workflow';
import type { EngagementInput, InvoiceProgress } from '../../domain/engagement';
import { historyIsLong } from '../history-limit';
import { engagementSearchAttributes } from '../search-attributes';
import type { EngagementRun } from './run';

/**
 * An engagement run ends well below the shared limit: each of its waits adds about ten events, and
 * its state (carried to the next run) stays small. Tests assert a run's history stays under this
 * plus one wait's events.
 */
export const ENGAGEMENT_HISTORY_EVENTS_LIMIT = 1_000;

/** Continues as new when this run's history is long; otherwise returns at once. */
export async function continueAsNewIfLong(run: EngagementRun, progress: InvoiceProgress): Promise<void> {
  // Asked only once the history is long: shorter runs (every history recorded before) are unchanged.
  const limit = Math.min(run.settings.continueAsNewAfterEvents ?? Infinity, ENGAGEMENT_HISTORY_EVENTS_LIMIT);
  if (!historyIsLong(limit) || !run.hasChange('engagement-continue-as-new')) return;
  // Messages in progress finish and queued notifications go out first: nothing is lost between runs.
  await condition(() => allHandlersFinished() && run.outbox.idle());
  const next: EngagementInput = {
    ...run.input,
    resume: { state: run.state, invoice: { ...progress, retryRequested: run.invoiceRetryRequested } },
  };
  // The next run shows the same search attributes from its start (the state it resumes is theirs).
  const withAttributes = run.settings.searchAttributes !== false;
  const continueAsNew = makeContinueAsNewFunc<(input: EngagementInput) => Promise<unknown>>(
    withAttributes ? { typedSearchAttributes: engagementSearchAttributes(run.state) } : {},
  );
  await continueAsNew(next);
}
