// Writes an engagement's record: its current state and every history entry, idempotently. An entry
// is keyed by voucher and position in the history, so a retried or replayed write inserts nothing
// twice; the state is replaced only by one that has got at least as far (history and notifications
// only grow), so a late, older write never undoes a newer one.
import type { EngagementState } from '../domain/engagement';
import { engagementRow, type EngagementRow } from './engagement-row';
import type { RecordDb } from './pool';
import { jsonForPostgres, textForPostgres } from './postgres-text';

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

const STATE_PARAMS = COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
const ENTRIES_PARAM = `$${COLUMNS.length + 1}`;

// One statement (so one round trip, and atomic without BEGIN and COMMIT): the state, then the entries.
const WRITE_ENGAGEMENT = `
  WITH state AS (
    INSERT INTO engagements (${COLUMNS.join(', ')})
    VALUES (${STATE_PARAMS})
    ON CONFLICT (voucher_id) DO UPDATE SET
      ${COLUMNS.filter((c) => c !== 'voucher_id' && c !== 'closed')
        .map((c) => `${c} = EXCLUDED.${c}`)
        .join(',\n      ')},
      closed = engagements.closed OR EXCLUDED.closed,
      last_recorded_at = now()
    WHERE (EXCLUDED.history_length, EXCLUDED.notification_count)
       >= (engagements.history_length, engagements.notification_count)
    RETURNING 1
  ), entries AS (
    INSERT INTO engagement_history (voucher_id, seq, at, actor, event, accepted, via, detail, refusals)
    SELECT $1, e.seq, e.at, e.actor, e.event, e.accepted, e.via, e.detail, e.refusals
    FROM jsonb_to_recordset(${ENTRIES_PARAM}::jsonb)
      AS e(seq integer, at timestamptz, actor text, event text, accepted boolean, via text, detail text, refusals jsonb)
    ON CONFLICT (voucher_id, seq) DO NOTHING
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM state)::int AS states, (SELECT count(*) FROM entries)::int AS entries`;

// Named, so each connection parses and plans it once: every status change of every engagement runs
// it, and planning this statement cost about as much as running it (record writes 40 % less
// PostgreSQL CPU measured; BENCHMARKS.md).
const PREPARED_WRITE = { name: 'write-engagement', text: WRITE_ENGAGEMENT } as const;

// A pooler in transaction mode without prepared-statement support moves a client between server
// connections: the statement is then missing there (26000) or already made by another client (42P05).
// Nothing ran, so the pool writes unnamed from then on: slower, never stuck.
const PREPARED_STATEMENT_LOST = new Set(['26000', '42P05']);
const poolsWithoutPrepared = new WeakSet<RecordDb>();

async function runWrite(db: RecordDb, values: unknown[]) {
  if (!poolsWithoutPrepared.has(db)) {
    try {
      return await db.query<WriteCounts>({ ...PREPARED_WRITE, values });
    } catch (err) {
      if (!PREPARED_STATEMENT_LOST.has((err as { code?: string }).code ?? '')) throw err;
      poolsWithoutPrepared.add(db);
      process.emitWarning('the record store connection does not keep prepared statements: writing without them', {
        code: 'PSO_RECORDS_UNPREPARED',
      });
    }
  }
  return db.query<WriteCounts>(WRITE_ENGAGEMENT, values);
}

interface WriteCounts {
  states: number;
  entries: number;
}

export interface EngagementWriteResult {
  /** False when the store already held a state that had got further (nothing replaced). */
  stateWritten: boolean;
  /** History entries that were new to the store. */
  entriesAdded: number;
}

/** A column's parameter; text a caller or SAVB supplied may hold NUL, which PostgreSQL refuses. */
function columnValue(row: EngagementRow, column: keyof EngagementRow): unknown {
  const value = row[column];
  if (column === 'state') return jsonForPostgres(value);
  return typeof value === 'string' ? textForPostgres(value) : value;
}

/** Writes `state` (and its history) in one statement, so all or nothing. `ended`: the workflow has finished. */
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
  const values = [...COLUMNS.map((c) => columnValue(row, c)), jsonForPostgres(entries)];
  const { rows } = await runWrite(db, values);
  return { stateWritten: rows[0].states === 1, entriesAdded: rows[0].entries };
}
