// Writes a partner's record: profile, enrollments and the whole state, idempotently. The state is
// replaced only by one at least as recent (the workflow's updatedAt only grows), so a late, older
// write never undoes a newer one; enrollments are upserted by (partner, offering). `holdsAcknowledged`
// says the writer acknowledges changes only once written (records/read-partner.ts relies on it).
import type { PartnerState } from '../workflows/messages';
import type { RecordDb } from './pool';
import { jsonForPostgres, textForPostgres } from './postgres-text';

const UPSERT_PARTNER = `
  INSERT INTO partners (partner_id, name, profile, state, updated_at, holds_acknowledged)
  VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (partner_id) DO UPDATE SET
    name = EXCLUDED.name, profile = EXCLUDED.profile, state = EXCLUDED.state,
    updated_at = EXCLUDED.updated_at, holds_acknowledged = EXCLUDED.holds_acknowledged,
    last_recorded_at = now()
  WHERE EXCLUDED.updated_at >= partners.updated_at`;

const UPSERT_ENROLLMENTS = `
  INSERT INTO partner_enrollments (partner_id, offering, status, accepted_at, valid_until, renewals)
  SELECT $1, e.offering, e.status, e."acceptedAt", e."validUntil", e.renewals
  FROM jsonb_to_recordset($2::jsonb)
    AS e(offering text, status text, "acceptedAt" timestamptz, "validUntil" timestamptz, renewals jsonb)
  ON CONFLICT (partner_id, offering) DO UPDATE SET
    status = EXCLUDED.status, accepted_at = EXCLUDED.accepted_at,
    valid_until = EXCLUDED.valid_until, renewals = EXCLUDED.renewals`;

/** Writes `state` in one transaction; false when the store already held a more recent state. */
export async function writePartner(db: RecordDb, state: PartnerState, holdsAcknowledged = false): Promise<boolean> {
  const client = await db.connect();
  let failure: Error | undefined;
  try {
    await client.query('BEGIN');
    const written = await client.query(UPSERT_PARTNER, [
      state.partnerId,
      textForPostgres(state.profile.name),
      jsonForPostgres(state.profile),
      jsonForPostgres(state),
      state.updatedAt,
      holdsAcknowledged,
    ]);
    if (written.rowCount === 1)
      await client.query(UPSERT_ENROLLMENTS, [state.partnerId, jsonForPostgres(Object.values(state.enrollments))]);
    await client.query('COMMIT');
    return written.rowCount === 1;
  } catch (err) {
    failure = err as Error;
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release(failure);
  }
}
