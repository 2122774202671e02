// `npm run reconcile` repairs the record store from Temporal: after the store lost its records (a
// restore from an older backup, say), it writes every open and recently closed engagement and every
// partner again, says what it found, and a second run finds nothing to do.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { EngagementState } from '../../domain/engagement';
import { profile, startBody } from '../api/fixtures';
import { DevStack, eventually, http, startDevStack } from '../support/dev-stack';
import { finished, setUpPartner, walkToRedeemed } from '../support/records-lifecycle';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
let stack: DevStack;

beforeAll(async () => {
  stack = await startDevStack({ partnerIds: ['contoso'] });
  await setUpPartner(stack, 'contoso');
});
afterAll(async () => {
  await stack?.stop();
});

/** `npm run reconcile` against the stack (the script itself, as operators run it). */
async function reconcileCli(): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'reconcile.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: stack.env.address,
      TEMPORAL_NAMESPACE: stack.client.options.namespace,
      DATABASE_URL: stack.records.url,
      LOG_LEVEL: 'warn',
    },
  });
  return stdout;
}

it('writes what the store is missing, reports it, and changes nothing the second time', async () => {
  const paid = await walkToRedeemed(stack, 'contoso');
  const paidState = await finished(stack, paid.voucherId);
  const open = startBody();
  expect((await http(stack, 'POST', '/v1/engagements', { as: 'backoffice', body: open })).status).toBe(201);
  const openHandle = stack.client.workflow.getHandle(`engagement-${open.voucherId}`);

  // Wait until the store has everything, then lose it.
  const db = stack.records.db;
  await eventually(
    () => db.query('SELECT count(*)::int AS n FROM engagements'),
    (r) => r.rows[0].n === 2,
    { what: 'both engagements recorded' },
  );
  await db.query('TRUNCATE engagement_history, engagements, partner_enrollments, partners');

  const first = await reconcileCli();
  expect(first).toContain(`engagement ${paid.voucherId}: missing from the store (PAID), written`);
  expect(first).toContain(`engagement ${open.voucherId}: missing from the store (ASSIGNED), written`);
  expect(first).toContain('partner contoso: missing from the store, written');
  expect(first).toMatch(
    /engagements: \d+ checked, 2 missing and 0 behind \(written\); partners: 1 checked, 1 written; failures: 0/,
  );

  const stored = await db.query<{ voucher_id: string; state: EngagementState; closed: boolean }>(
    'SELECT voucher_id, state, closed FROM engagements ORDER BY closed DESC',
  );
  const openState = await openHandle.query<EngagementState>('engagementState');
  expect(stored.rows).toEqual([
    { voucher_id: paid.voucherId, state: paidState, closed: true },
    { voucher_id: open.voucherId, state: openState, closed: false },
  ]);
  const entries = await db.query('SELECT voucher_id FROM engagement_history WHERE voucher_id = $1', [paid.voucherId]);
  expect(entries.rows).toHaveLength(paidState.history.length);

  const second = await reconcileCli();
  expect(second).toMatch(
    /engagements: \d+ checked, 0 missing and 0 behind \(written\); partners: 1 checked, 0 written; failures: 0/,
  );
  expect(second).not.toContain(', written');
});

it('compares a partner whose profile holds a NUL character without failing, and finds it current', async () => {
  // The record holds U+FFFD for the NUL (PostgreSQL refuses U+0000); the comparison must see it as equal.
  const named = { ...profile(), name: 'Contoso\u0000 Ltd' };
  expect((await http(stack, 'PUT', '/v1/partners/contoso', { as: 'backoffice', body: named })).status).toBe(200);

  expect(await reconcileCli()).toMatch(/partners: 1 checked, 0 written; failures: 0/);
});
