// Reads engagement records: one engagement's state (as its workflow last held it) and the list of
// closed engagements, filtered like the visibility list.
import type { EngagementState, EngagementStatus } from '../domain/engagement';
import type { RecordDb } from './pool';

export interface EngagementRecord {
  state: EngagementState;
  /** When the store last wrote it. */
  recordedAt: Date;
}

/** The recorded state of an engagement, or undefined when the store has no record of it. */
export async function findEngagementRecord(db: RecordDb, voucherId: string): Promise<EngagementRecord | undefined> {
  const result = await db.query<{ state: EngagementState; last_recorded_at: Date }>(
    'SELECT state, last_recorded_at FROM engagements WHERE voucher_id = $1',
    [voucherId],
  );
  const row = result.rows[0];
  return row && { state: row.state, recordedAt: row.last_recorded_at };
}

export interface RecordListFilters {
  status?: EngagementStatus;
  partnerId?: string;
  offering?: string;
  country?: string;
  /** An ISO instant. */
  expiresBefore?: string;
  closed?: boolean;
}

export interface RecordSummaryRow {
  voucher_id: string;
  status: EngagementStatus;
  offering: string;
  engagement_type: string;
  partner_id: string | null;
  customer_country: string;
  days: number;
  voucher_expires_at: Date;
  closed: boolean;
  started_at: string;
}

/** A page of engagements (newest assignment first), `limit` rows from `offset`. */
export async function listEngagementRecords(
  db: RecordDb,
  filters: RecordListFilters,
  offset: number,
  limit: number,
): Promise<RecordSummaryRow[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    values.push(value);
    where.push(clause.replace('?', `$${values.length}`));
  };
  if (filters.closed !== undefined) add('closed = ?', filters.closed);
  if (filters.status) add('status = ?', filters.status);
  if (filters.partnerId) add('partner_id = ?', filters.partnerId);
  if (filters.offering) add('offering = ?', filters.offering);
  if (filters.country) add('customer_country = ?', filters.country);
  if (filters.expiresBefore) add('voucher_expires_at < ?', filters.expiresBefore);
  values.push(limit, offset);
  const result = await db.query<RecordSummaryRow>(
    `SELECT voucher_id, status, offering, engagement_type, partner_id, customer_country, days,
            voucher_expires_at, closed, state->'history'->0->>'at' AS started_at
     FROM engagements ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY assigned_at DESC, voucher_id
     LIMIT $${values.length - 1} OFFSET $${values.length}`,
    values,
  );
  return result.rows;
}
