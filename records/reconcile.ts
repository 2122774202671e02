// Reconciliation: compares the engagements Temporal still has (open, and closed within a window)
// and the running partner entities with the record store, and writes what the store is missing or
// behind on. Writes are the activities' own idempotent writes, so running it twice changes nothing.
import type { Client } from '@temporalio/client';
import type { EngagementState } from '../domain/engagement';
import { engagementStateQuery, partnerStateQuery, type PartnerState } from '../workflows/messages';
import type { RecordDb } from './pool';
import { jsonForPostgres } from './postgres-text';
import { writeEngagement } from './write-engagement';
import { writePartner } from './write-partner';

export interface ReconcileOptions {
  /** Closed engagements within this many days are compared too. */
  closedWithinDays: number;
  /** One line per finding (default: nothing). */
  report?: (line: string) => void;
}

export interface ReconcileSummary {
  engagementsChecked: number;
  engagementsMissing: number;
  engagementsBehind: number;
  partnersChecked: number;
  partnersWritten: number;
  failures: number;
}

interface StoredProgress {
  history_length: number;
  status: string;
  closed: boolean;
}

async function* workflows(client: Client, query: string) {
  for await (const execution of client.workflow.list({ query })) yield execution;
}

export async function reconcile(client: Client, db: RecordDb, options: ReconcileOptions): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = {
    engagementsChecked: 0,
    engagementsMissing: 0,
    engagementsBehind: 0,
    partnersChecked: 0,
    partnersWritten: 0,
    failures: 0,
  };
  const say = options.report ?? (() => undefined);
  await reconcileEngagements(client, db, options.closedWithinDays, summary, say);
  await reconcilePartners(client, db, summary, say);
  return summary;
}

async function reconcileEngagements(
  client: Client,
  db: RecordDb,
  closedWithinDays: number,
  summary: ReconcileSummary,
  say: (line: string) => void,
): Promise<void> {
  const since = new Date(Date.now() - closedWithinDays * 86_400_000).toISOString();
  const query = `WorkflowType = 'engagementWorkflow' AND (ExecutionStatus = 'Running' OR CloseTime > '${since}')`;
  for await (const execution of workflows(client, query)) {
    summary.engagementsChecked += 1;
    try {
      const handle = client.workflow.getHandle(execution.workflowId, execution.runId);
      const state = await handle.query<EngagementState>(engagementStateQuery);
      const ended = execution.status.name !== 'RUNNING';
      const stored = await db.query<StoredProgress>(
        'SELECT history_length, status, closed FROM engagements WHERE voucher_id = $1',
        [state.voucherId],
      );
      const row = stored.rows[0];
      if (row && row.history_length >= state.history.length && row.status === state.status && row.closed === ended)
        continue;
      await writeEngagement(db, state, ended);
      if (row) {
        summary.engagementsBehind += 1;
        say(
          `engagement ${state.voucherId}: store behind (${row.status}, ${row.history_length} entries; Temporal: ${state.status}, ${state.history.length}), written`,
        );
      } else {
        summary.engagementsMissing += 1;
        say(`engagement ${state.voucherId}: missing from the store (${state.status}), written`);
      }
    } catch (err) {
      summary.failures += 1;
      say(`engagement ${execution.workflowId}: could not be reconciled: ${(err as Error).message}`);
    }
  }
}

async function reconcilePartners(
  client: Client,
  db: RecordDb,
  summary: ReconcileSummary,
  say: (line: string) => void,
): Promise<void> {
  const query = `WorkflowType = 'partnerWorkflow' AND ExecutionStatus = 'Running'`;
  for await (const execution of workflows(client, query)) {
    try {
      const state = await client.workflow.getHandle(execution.workflowId).query<PartnerState>(partnerStateQuery);
      if (!state) continue; // no profile yet: not a partner
      summary.partnersChecked += 1;
      const stored = await db.query<{ same: boolean }>(
        'SELECT state = $2::jsonb AS same FROM partners WHERE partner_id = $1',
        [state.partnerId, jsonForPostgres(state)],
      );
      if (stored.rows[0]?.same) continue;
      await writePartner(db, state);
      summary.partnersWritten += 1;
      say(`partner ${state.partnerId}: ${stored.rows.length ? 'store behind' : 'missing from the store'}, written`);
    } catch (err) {
      summary.failures += 1;
      say(`partner ${execution.workflowId}: could not be reconciled: ${(err as Error).message}`);
    }
  }
}
