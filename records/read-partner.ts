// Reads a partner's state from the record store for the eligibility check, when the row can be
// trusted to be current: written by a partner run that answers its updates only once recorded
// (holds_acknowledged), so no change anyone was told of is missing from it.
import type { PartnerState } from '../workflows/messages';
import type { RecordDb } from './pool';

const SELECT_CURRENT_PARTNER = 'SELECT state FROM partners WHERE partner_id = $1 AND holds_acknowledged';

/** The recorded state, or undefined when the store has no current row for the partner (ask Temporal). */
export async function readCurrentPartner(db: RecordDb, partnerId: string): Promise<PartnerState | undefined> {
  const result = await db.query<{ state: PartnerState }>(SELECT_CURRENT_PARTNER, [partnerId]);
  return result.rows[0]?.state;
}
