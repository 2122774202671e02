// Writes an engagement's record: its current state and every history entry, idempotently. An entry
// is keyed by voucher and position in the history, so a retried or replayed write inserts nothing
// twice; the state is replaced only by one that has got at least as far (history and notifications
// only grow), so a late, older write never undoes a newer one.
import type { EngagementState } from '../domain/engagement';
import { engagementRow, type EngagementRow } from './engagement-row';
import type { RecordDb } from './pool';

const COLUMNS: (keyof EngagementRow)[] = [
  'voucher_id',
  'status',
  'offering',
  'engagement_type',
  'days',
  'partner_id',
  'agreement_number',
  'customer_country',
  'assigned_at',
  'voucher_expires_at',
  'redeemed_at',
  'days_outcome',
  'invoice_reference',
  'invoice_status',
  'invoice_amount',
  'invoice_currency',
  'invoice_submitted_at',
  'invoice_paid_at',
  'closed',
  'history_length',
  'notification_count',
  'state',
];

const UPSERT_STATE = `
  INSERT INTO engagements (${COLUMNS.join(', ')})
  VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
  ON CONFLICT (voucher_id) DO UPDATE SET
    ${COLUMNS.filter((c) => c !== 'voucher_id' && c !== 'closed')
      .map((c) => `${c} = EXCLUDED.${c}`)
      .join(',\n    ')},
    closed = engagements.closed OR EXCLUDED.closed,
    last_recorded_at = now()
  WHERE (EXCLUDED.history_length, EXCLUDED.notification_count)
     >= (engagements.history_length, engagements.notification_count)`;

const INSERT_ENTRIES = `
  INSERT INTO engagement_history (voucher_id, seq, at, actor, event, accepted, via, detail, refusals)
  SELECT $1, e.seq, e.at, e.actor, e.event, e.accepted, e.via, e.detail, e.refusals
  FROM jsonb_to_recordset($2::jsonb)
    AS e(seq integer, at timestamptz, actor text, event text, accepted boolean, via text, detail text, refusals jsonb)
  ON CONFLICT (voucher_id, seq) DO NOTHING`;

export interface EngagementWriteResult {
  /** False when the store already held a state that had got further (nothing replaced). */
  stateWritten: boolean;
  /** History entries that were new to the store. */
  entriesAdded: number;
}

/** Writes `state` (and its history) in one transaction. `ended`: the workflow has finished. */
export async function writeEngagement(
  db: RecordDb,
  state: EngagementState,
  ended = false,
): Promise<EngagementWriteResult> {
  const row = engagementRow(state, ended);
  const entries = state.history.map((entry, seq) => ({
    seq,
    at: entry.at,
    actor: entry.actor,
    event: entry.event,
    accepted: entry.accepted,
    via: entry.via ?? null,
    detail: entry.detail ?? null,
    refusals: entry.refusals ?? null,
  }));
  const client = await db.connect();
  let failure: Error | undefined;
  try {
    await client.query('BEGIN');
    const written = await client.query(
      UPSERT_STATE,
      COLUMNS.map((c) => (c === 'state' ? JSON.stringify(row.state) : row[c])),
    );
    const added = await client.query(INSERT_ENTRIES, [state.voucherId, JSON.stringify(entries)]);
    await client.query('COMMIT');
    return { stateWritten: written.rowCount === 1, entriesAdded: added.rowCount ?? 0 };
  } catch (err) {
    failure = err as Error;
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    // A client that failed may have lost its connection: dropped, not reused.
    client.release(failure);
  }
}
