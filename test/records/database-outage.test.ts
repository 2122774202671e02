// The record store goes away in the middle of a lifecycle and comes back: the engagement carries on
// to PAID without waiting (its record writes are retried in the background; its eligibility checks
// ask Temporal instead), never fails, and once PostgreSQL is back every record is there exactly once.
// A partner change made meanwhile is applied, and answered once the store holds it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngagementState } from '../../domain/engagement';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../records/embedded';
import {
  engagementWorkflowId,
  partnerStateQuery,
  partnerWorkflowId,
  profileReplacedUpdate,
  type PartnerState,
} from '../../workflows/messages';
import { PM_EMAIL, profile, reportBody, startBody, today } from '../api/fixtures';
import { DevStack, eventually, http, startDevStack } from '../support/dev-stack';
import { pendingActivities } from '../support/reliability-harness';
import { setUpPartner } from '../support/records-lifecycle';

let stack: DevStack;
let server: EmbeddedPostgres;
const dataDir = mkdtempSync(join(tmpdir(), 'pso-outage-pg-'));
const req = (method: string, path: string, opts: Parameters<typeof http>[3] = {}) => http(stack, method, path, opts);

beforeAll(async () => {
  server = await startEmbeddedPostgres({ dataDir });
  stack = await startDevStack({ partnerIds: ['contoso'], recordServerUrl: server.adminUrl });
  await setUpPartner(stack, 'contoso');
});
afterAll(async () => {
  await stack?.stop();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function accepted(method: string, path: string, body?: unknown): Promise<EngagementState> {
  const res = await req(method, path, { as: 'contoso', body });
  expect(res.status).toBe(200);
  return res.body as EngagementState;
}

it('an engagement reaches PAID while PostgreSQL is down; its records arrive once it is back', async () => {
  const body = startBody({ days: 1 });
  const { voucherId } = body;
  const base = `/v1/engagements/${voucherId}`;
  expect((await req('POST', '/v1/engagements', { as: 'backoffice', body })).status).toBe(201);
  await accepted('POST', `${base}/forwarding`, { partnerId: 'contoso', projectManagerEmail: PM_EMAIL });
  await eventually(
    () => stack.records.db.query('SELECT status FROM engagements WHERE voucher_id = $1', [voucherId]),
    (r) => r.rows[0]?.status === 'FORWARDED',
    { what: 'the FORWARDED record' },
  );

  await server.stop();

  // The engagement does not wait on the store: every step answers at once and the invoice runs.
  const day = today();
  await accepted('POST', `${base}/reservation`, {
    locationId: 'LOC-US',
    consultantId: 'C-1',
    startDate: day,
    endDate: day,
    deliveryCountry: 'US',
  });
  await accepted('POST', `${base}/completion-report`, reportBody(day));
  await accepted('POST', `${base}/redemption`);
  const paid = await eventually(
    () => req('GET', base, { as: 'backoffice' }),
    (res) => res.body?.status === 'PAID',
    { what: 'PAID with the store down', timeoutMs: 60_000, intervalMs: 250 },
  );
  expect(paid.body.invoice.savbStatus).toBe('PAID');

  // The record writes are being retried, not dropped: the workflow stays open until they land.
  const handle = stack.client.workflow.getHandle(engagementWorkflowId(voucherId));
  const retried = await eventually(
    () => pendingActivities(handle),
    (activities) => activities.some((a) => a.type.startsWith('record') && a.attempt > 1),
    { what: 'a record write being retried', timeoutMs: 30_000 },
  );
  expect(retried.find((a) => a.type.startsWith('record'))!.lastFailure).toBeTruthy();
  expect((await handle.describe()).status.name).toBe('RUNNING');

  // A partner change while the store is away: applied at once, answered only once it is recorded.
  const partner = stack.client.workflow.getHandle(partnerWorkflowId('contoso'));
  const renamed = { ...profile(), name: 'Contoso renamed during the outage' };
  let answered = false;
  const update = partner.executeUpdate(profileReplacedUpdate, { args: [renamed] }).finally(() => (answered = true));
  await eventually(
    () => pendingActivities(partner),
    (activities) => activities.some((a) => a.type === 'recordPartner' && a.attempt > 1),
    { what: "the partner's record write being retried", timeoutMs: 30_000 },
  );
  expect((await partner.query(partnerStateQuery)).profile.name).toBe(renamed.name);
  expect(answered).toBe(false);

  server = await startEmbeddedPostgres({ dataDir, port: server.port });

  const acknowledged: PartnerState = await update;
  const partnerRow = await stack.records.db.query<{ state: PartnerState; holds_acknowledged: boolean }>(
    'SELECT state, holds_acknowledged FROM partners WHERE partner_id = $1',
    ['contoso'],
  );
  expect(partnerRow.rows).toEqual([{ state: acknowledged, holds_acknowledged: true }]);

  await handle.result();
  expect((await handle.describe()).status.name).toBe('COMPLETED');
  const final = await handle.query<EngagementState>('engagementState');
  expect(final.status).toBe('PAID');
  const record = await stack.records.db.query<{ state: EngagementState; closed: boolean }>(
    'SELECT state, closed FROM engagements WHERE voucher_id = $1',
    [voucherId],
  );
  expect(record.rows).toEqual([{ state: final, closed: true }]);
  const entries = await stack.records.db.query<{ seq: number; event: string; at: Date }>(
    'SELECT seq, event, at FROM engagement_history WHERE voucher_id = $1 ORDER BY seq',
    [voucherId],
  );
  expect(entries.rows.map((e) => ({ seq: e.seq, event: e.event, at: e.at.toISOString() }))).toEqual(
    final.history.map((e, seq) => ({ seq, event: e.event, at: e.at })),
  );
});
