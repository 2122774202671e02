// While no worker answers, an engagement is read from the record store (marked so), each caller seeing
// only what it may see, and the console says so; an engagement the store has no record of is still the
// 504 it was.
// A real dev server and worker: the worker is shut down the way a crash or a rollout leaves none.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { createApp } from '../../api/app';
import { PROBLEM_BASE } from '../../api/problems';
import type { EngagementState } from '../../domain/engagement';
import { launchBrowser, seriousA11yViolations, signInToConsole } from '../support/browser';
import { DevStack, eventually, http, startDevStack } from '../support/dev-stack';
import { setUpPartner } from '../support/records-lifecycle';
import { PM_EMAIL, startBody } from './fixtures';

let stack: DevStack;
let server: Server;
let slow: Pick<DevStack, 'baseUrl' | 'auth'>;
let browser: Browser;

beforeAll(async () => {
  // First: a stale console is built here, and the build blocks this process (and the stack in it).
  browser = await launchBrowser();
  stack = await startDevStack({ partnerIds: ['contoso', 'fabrikam'] });
  await setUpPartner(stack, 'contoso');
  // The read deadline of api/temporal.ts, shortened so the test does not wait 10 s per read.
  const app = createApp({
    client: stack.client,
    config: stack.config,
    logger: stack.logger,
    records: stack.records.db,
    timeouts: { readMs: 3_000, writeMs: 20_000, readyMs: 2_000 },
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  slow = { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, auth: stack.auth };
}, 180_000);
afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await stack?.stop();
});

// The store's row read directly, not through records/read-engagements.ts: the API's answer is checked against it.
const recordedState = async (voucherId: string) =>
  (
    await stack.records.db.query<{ state: EngagementState }>('SELECT state FROM engagements WHERE voucher_id = $1', [
      voucherId,
    ])
  ).rows[0]?.state;

it('answers from the record store while no worker can answer, and 504 without a record', async () => {
  const body = startBody({ days: 1 });
  const path = `/v1/engagements/${body.voucherId}`;
  expect((await http(stack, 'POST', '/v1/engagements', { as: 'backoffice', body })).status).toBe(201);
  const forwarded = await http<EngagementState>(stack, 'POST', `${path}/forwarding`, {
    as: 'contoso',
    body: { partnerId: 'contoso', projectManagerEmail: PM_EMAIL },
  });
  expect(forwarded.body.status).toBe('FORWARDED');
  const recorded = await eventually(
    () => recordedState(body.voucherId),
    (state) => state?.history.length === forwarded.body.history.length,
    { what: 'the forwarding in the record store' },
  );

  // While the worker runs, the workflow answers, unmarked.
  const live = await http<EngagementState>(slow, 'GET', path, { as: 'backoffice' });
  expect(live.status).toBe(200);
  expect(live.headers.get('state-source')).toBeNull();
  expect(live.body.history).toEqual(forwarded.body.history);

  stack.worker!.shutdown();
  await eventually(
    async () => stack.worker!.getState(),
    (state) => state === 'STOPPED',
    { what: 'the worker to stop' },
  );

  const before = Date.now();
  const read = await http<EngagementState>(slow, 'GET', path, { as: 'backoffice' });
  expect(read.status).toBe(200);
  expect(read.headers.get('state-source')).toBe('record-store');
  const recordedAt = Date.parse(read.headers.get('state-recorded-at') ?? '');
  expect(recordedAt).toBeLessThanOrEqual(before);
  expect(read.body).toEqual(recorded);
  expect(read.body.status).toBe('FORWARDED');
  expect(read.body.history).toEqual(forwarded.body.history);

  // The engagement's partner reads it too; another partner learns nothing of it.
  const own = await http<EngagementState>(slow, 'GET', path, { as: 'contoso' });
  expect(own.status).toBe(200);
  expect(own.headers.get('state-source')).toBe('record-store');
  expect(own.body.partnerId).toBe('contoso');
  const other = await http(slow, 'GET', path, { as: 'fabrikam' });
  expect(other.status).toBe(404);
  expect(other.text).not.toContain('contoso');

  // The console's engagement page says where the state came from.
  const page = await browser.newPage();
  await signInToConsole(page, slow.baseUrl, 'operator', stack.tokens.operator);
  await page.goto(`${slow.baseUrl}/console/engagements/${body.voucherId}`);
  await page.getByTestId('status').filter({ hasText: 'FORWARDED' }).waitFor();
  const notice = page.getByRole('status').filter({ hasText: 'record store' });
  await expect(notice.textContent()).resolves.toMatch(/Shown from the record store, as recorded .*may have moved on/s);
  expect(await seriousA11yViolations(page)).toEqual([]);

  // Started while no worker runs: Temporal has it, the store has no record, so the read is a 504.
  const unrecorded = startBody({ days: 1 });
  expect((await http(slow, 'POST', '/v1/engagements', { as: 'backoffice', body: unrecorded })).status).toBe(201);
  const timedOut = await http(slow, 'GET', `/v1/engagements/${unrecorded.voucherId}`, { as: 'backoffice' });
  // The whole answer is compared, so a failure shows the problem's detail.
  expect({ status: timedOut.status, body: timedOut.body }).toMatchObject({
    status: 504,
    body: { type: `${PROBLEM_BASE}temporal-timeout` },
  });
  expect(timedOut.headers.get('state-source')).toBeNull();
});
