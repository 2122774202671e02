// A worker SIGKILLed while it writes records: the writes it had started never commit or commit
// once, the activities are retried by the next worker, and afterwards every engagement's record
// holds its final state and each history entry exactly once.
//
// To kill the worker *during* writes, the test holds an exclusive lock on the history table: the
// worker's record transactions then wait inside PostgreSQL, the kill lands while they are open,
// and the lock is released after the kill.
import type { PoolClient } from 'pg';
import type { EngagementState } from '../../domain/engagement';
import {
  Engagement,
  type ReliabilityStack,
  STARTED,
  createPartner,
  drive,
  engagementInput,
  pendingActivities,
  sleep,
  startEngagement,
  startReliabilityStack,
  until,
} from '../support/reliability-harness';

jest.setTimeout(600_000);

const N = 6;
const KILLS = 2;
let stack: ReliabilityStack;

beforeAll(async () => {
  stack = await startReliabilityStack({ name: 'reccrash' });
  await createPartner(stack.client, `${stack.run}-P`);
  stack.savb.register(`${stack.run}-P`, 'DDPS');
});
afterAll(async () => {
  await stack?.stop();
});

/** Record writes the running worker has started (pending activities of its identity). */
async function writesInFlight(engagements: Engagement[]): Promise<number> {
  const mine = `${stack.worker.pid}@`;
  const counts = await Promise.all(
    engagements.map(
      async (e) =>
        (await pendingActivities(e.handle).catch(() => [])).filter(
          (a) => a.type.startsWith('record') && a.state === STARTED && a.worker?.startsWith(mine),
        ).length,
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}

async function lockHistory(): Promise<PoolClient> {
  const client = await stack.records.db.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE engagement_history IN EXCLUSIVE MODE');
  return client;
}

test(`${N} engagements to PAID through ${KILLS} worker SIGKILLs during record writes: no entry lost or duplicated`, async () => {
  const engagements: Engagement[] = [];
  for (let i = 0; i < N; i++) {
    const input = engagementInput(`${stack.run}-V${i}`, `${stack.run}-AGR${i}`);
    engagements.push({
      voucherId: input.voucherId,
      partnerId: `${stack.run}-P`,
      target: 'PAID',
      input,
      handle: await startEngagement(stack.client, input),
      refusals: [],
      retriedSends: 0,
    });
  }
  const driving = Promise.all(engagements.map((e) => drive(e, { pause: () => sleep(Math.random() * 1_500) })));

  const caught: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    const lock = await lockHistory();
    try {
      caught.push(
        await until(
          'record writes blocked in the running worker',
          () => writesInFlight(engagements),
          (n) => n > 0,
          { timeoutMs: 60_000, intervalMs: 200 },
        ),
      );
      await stack.worker.kill();
    } finally {
      await lock.query('ROLLBACK');
      lock.release();
    }
    await stack.worker.start();
  }
  expect(caught.every((n) => n > 0)).toBe(true);

  await driving;
  for (const e of engagements) expect(e.refusals).toEqual([]);
  const finals: EngagementState[] = [];
  for (const e of engagements) {
    await e.handle.result();
    finals.push(await e.handle.query<EngagementState>('engagementState'));
  }
  expect(finals.map((s) => s.status)).toEqual(engagements.map(() => 'PAID'));

  const db = stack.records.db;
  const ids = engagements.map((e) => e.voucherId);
  const records = await db.query<{ voucher_id: string; state: EngagementState }>(
    'SELECT voucher_id, state FROM engagements WHERE voucher_id = ANY($1) ORDER BY voucher_id',
    [ids],
  );
  expect(records.rows.map((r) => r.state)).toEqual([...finals].sort((a, b) => a.voucherId.localeCompare(b.voucherId)));
  const counts = await db.query<{ voucher_id: string; entries: number; distinct_entries: number }>(
    `SELECT voucher_id, count(*)::int AS entries, count(DISTINCT (at, actor, event, accepted))::int AS distinct_entries
     FROM engagement_history WHERE voucher_id = ANY($1) GROUP BY voucher_id ORDER BY voucher_id`,
    [ids],
  );
  const expected = [...finals]
    .sort((a, b) => a.voucherId.localeCompare(b.voucherId))
    .map((s) => ({ voucher_id: s.voucherId, entries: s.history.length, distinct_entries: s.history.length }));
  expect(counts.rows).toEqual(expected);
});
