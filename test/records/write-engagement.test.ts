// The engagement record writer against a real PostgreSQL: writes run as a prepared statement, and a
// server connection that no longer holds it (a pooler in transaction mode moved the client, or
// someone ran DEALLOCATE) must not stop the records; nor may text PostgreSQL refuses (NUL).
import { Pool } from 'pg';
import { initialEngagementState, type EngagementState } from '../../domain/engagement';
import { writeEngagement } from '../../records/write-engagement';
import { createRecordDatabase, type RecordDatabase } from '../support/record-db';
import { engagementInput } from '../support/time-skipping';

let records: RecordDatabase;
// One connection, so the statement this test removes is the one the next write would use.
let oneConnection: Pool;

beforeAll(async () => {
  records = await createRecordDatabase();
  oneConnection = new Pool({ connectionString: records.url, max: 1 });
});
afterAll(async () => {
  await oneConnection?.end();
  await records?.drop();
});

function forwarded(state: EngagementState): EngagementState {
  const history = [
    ...state.history,
    { at: new Date().toISOString(), actor: 'partner:contoso', event: 'voucherForwarded', accepted: true },
  ];
  return { ...state, status: 'FORWARDED', partnerId: 'contoso', history };
}

async function storedRecord(voucherId: string) {
  const state = await records.db.query('SELECT status, history_length FROM engagements WHERE voucher_id = $1', [
    voucherId,
  ]);
  const entries = await records.db.query('SELECT event FROM engagement_history WHERE voucher_id = $1 ORDER BY seq', [
    voucherId,
  ]);
  return { ...state.rows[0], events: entries.rows.map((r: { event: string }) => r.event) };
}

it('goes on writing when the server connection has lost the prepared statement', async () => {
  const input = engagementInput(Date.now());
  const assigned = initialEngagementState(input, new Date().toISOString());
  await writeEngagement(oneConnection, assigned);
  await oneConnection.query('DEALLOCATE ALL');

  const result = await writeEngagement(oneConnection, forwarded(assigned));

  expect(result).toEqual({ stateWritten: true, entriesAdded: 1 });
  expect(await storedRecord(input.voucherId)).toEqual({
    status: 'FORWARDED',
    history_length: 2,
    events: [assigned.history[0].event, 'voucherForwarded'],
  });
  // Later writes through the same pool keep working (without the statement), and stay idempotent.
  expect(await writeEngagement(oneConnection, forwarded(assigned))).toEqual({ stateWritten: true, entriesAdded: 0 });
});

it('goes on writing when the server connection already holds a statement of that name', async () => {
  // What a pooler does when it hands this client a server connection another client prepared on.
  const taken = new Pool({ connectionString: records.url, max: 1 });
  try {
    await taken.query('PREPARE "write-engagement" AS SELECT 1');
    const input = engagementInput(Date.now());
    const assigned = initialEngagementState(input, new Date().toISOString());

    expect(await writeEngagement(taken, assigned)).toEqual({ stateWritten: true, entriesAdded: 1 });
    expect(await storedRecord(input.voucherId)).toEqual({
      status: 'ASSIGNED',
      history_length: 1,
      events: [assigned.history[0].event],
    });
  } finally {
    await taken.end();
  }
});

it('records an engagement whose text holds a NUL character, with U+FFFD in its place', async () => {
  // PostgreSQL text and jsonb refuse U+0000; such a write would be retried for ever, the record never made.
  const input = engagementInput(Date.now());
  const assigned = initialEngagementState(input, new Date().toISOString());
  const entry = { at: new Date().toISOString(), actor: 'partner:contoso', event: 'note', accepted: true };
  const noted = {
    ...forwarded(assigned),
    customer: { ...assigned.customer, agreementNumber: 'EA\u00001' },
    history: [...forwarded(assigned).history, { ...entry, detail: 'two\u0000days, path C:\\u0000' }],
  };

  expect(await writeEngagement(records.db, noted)).toEqual({ stateWritten: true, entriesAdded: 3 });
  const detail = await records.db.query(
    "SELECT h.detail, e.state->'history'->2->>'detail' AS in_state, e.agreement_number FROM engagement_history h JOIN engagements e USING (voucher_id) WHERE voucher_id = $1 AND seq = 2",
    [input.voucherId],
  );
  // The NUL is replaced; a backslash followed by the text "u0000" is ordinary text and kept.
  const kept = 'two\ufffddays, path C:\\u0000';
  expect(detail.rows[0]).toEqual({ detail: kept, in_state: kept, agreement_number: 'EA\ufffd1' });
});
