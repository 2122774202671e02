// The product on a real Temporal cluster as production runs it: PostgreSQL persistence, SQL visibility, two worker processes, the API, a worker SIGKILLed and the server restarted mid-flight.
//
// Nothing here is the dev server: the Temporal server is the version docker-compose.yml deploys
// (scripts/install-temporal-server.mjs builds it from its Go module the first time, about ten
// minutes on two cores, then reuses it), configured by the committed files compose mounts, with its
// schema set up and its namespace and search attributes registered by the scripts compose runs.
// The product runs as `npm run worker` (twice), `npm run api` and `npm run savb-sim`, configured
// only by environment variables. Engagements are driven through the HTTP API alone.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { temporalCliPath } from '../../scripts/temporal-binaries';
import { PM_EMAIL, profile, reportBody, startBody } from '../api/fixtures';
import { dateOf } from '../../domain/dates';
import { http, type HttpResult } from '../support/dev-stack';
import { freePort, until } from '../support/reliability-harness';
import {
  buildProduct,
  GroupProcess,
  ROOT,
  ScratchPostgres,
  TemporalServer,
  createRecordsDatabase,
  scratchDir,
  setupNamespace,
  setupSchema,
  tail,
  temporalServerBinaries,
  waitUntilWorkflowsStart,
} from '../support/temporal-cluster';

const NAMESPACE = 'planning-services';
const PARTNER = 'contoso';
const ENGAGEMENTS = 6;
const TOKENS = { backoffice: 'cluster-backoffice-token-0001', [PARTNER]: 'cluster-partner-token-0001-contoso' };
const API_TOKENS = `${TOKENS.backoffice}=backoffice,${TOKENS[PARTNER]}=partner:${PARTNER}`;

let dir: string;
let postgres: ScratchPostgres;
let server: TemporalServer;
let savb: GroupProcess;
let savbUrl: string;
let workers: GroupProcess[] = [];
let api: GroupProcess;
let apiUrl: string;
const stoppers: (() => Promise<void>)[] = [];

const stack = {
  get baseUrl() {
    return apiUrl;
  },
  auth: (who: string) => ({ authorization: `Bearer ${TOKENS[who as keyof typeof TOKENS]}` }),
};
const req = (method: string, path: string, opts: Parameters<typeof http>[3] = {}): Promise<HttpResult> =>
  http(stack, method, path, opts);

/** The product's processes, as `npm run <script>` with production-style configuration. */
function npmProcess(name: string, script: string, env: Record<string, string>): GroupProcess {
  const proc = new GroupProcess(
    name,
    'npm',
    ['run', '--silent', script],
    { ...process.env, ...env },
    join(dir, `${name}.log`),
  );
  stoppers.push(() => proc.stop());
  return proc;
}

const metricsPorts = new Map<GroupProcess, number>();
let recordsUrl = '';

/** The worker's health check (docker-compose.yml, Kubernetes probes) as its image runs it: the exit code. */
function workerHealthCheck(worker: GroupProcess): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [join(ROOT, 'dist', 'worker', 'healthcheck.js')], {
    encoding: 'utf8',
    env: { ...process.env, WORKER_METRICS_PORT: String(metricsPorts.get(worker)) },
    timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr };
}

async function startWorker(index: number): Promise<GroupProcess> {
  const metricsPort = await freePort();
  const worker = npmProcess(`worker-${index}`, 'worker', {
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: NAMESPACE,
    SAVB_URL: savbUrl,
    SAVB_TIMEOUT_MS: '5000',
    WORKER_METRICS_PORT: String(metricsPort),
    LOG_LEVEL: 'info',
    DATABASE_URL: recordsUrl,
  });
  metricsPorts.set(worker, metricsPort);
  worker.start();
  await worker.waitFor(
    `${worker.name} started`,
    () => Promise.resolve(readFileSync(worker.logFile, 'utf8').includes('"worker started"')),
    (ok) => ok,
    { timeoutMs: 120_000, intervalMs: 250 },
  );
  return worker;
}

beforeAll(async () => {
  const binaries = temporalServerBinaries();
  buildProduct();
  dir = scratchDir('cluster-test-');
  postgres = new ScratchPostgres(dir);
  stoppers.push(() => postgres.stop());
  await postgres.start();
  setupSchema(postgres, binaries);
  recordsUrl = await createRecordsDatabase(postgres);

  server = await TemporalServer.create(binaries['temporal-server'], postgres, dir, { NUM_HISTORY_SHARDS: '16' });
  stoppers.push(() => server.stop());
  await server.startAndWait();
  setupNamespace(server.address, NAMESPACE, temporalCliPath());
  await waitUntilWorkflowsStart(server.address, NAMESPACE);

  const savbPort = await freePort();
  savbUrl = `http://127.0.0.1:${savbPort}`;
  savb = npmProcess('savb', 'savb-sim', {
    SAVB_SIM_PORT: String(savbPort),
    SAVB_SIM_HOST: '127.0.0.1',
    SAVB_SIM_APPROVE_AFTER_MS: '500',
    // Payments take a while, so the faults below land while invoices are in flight.
    SAVB_SIM_PAY_AFTER_MS: '8000',
    LOG_LEVEL: 'warn',
  });
  savb.start();
  await savb.waitFor(
    'the SAVB simulator',
    async () => (await fetch(`${savbUrl}/healthz`)).ok,
    (ok) => ok,
    { timeoutMs: 60_000 },
  );

  workers = [await startWorker(1), await startWorker(2)];

  const apiPort = await freePort();
  apiUrl = `http://127.0.0.1:${apiPort}`;
  api = npmProcess('api', 'api', {
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: NAMESPACE,
    PORT: String(apiPort),
    API_TOKENS,
    DATABASE_URL: recordsUrl,
    SAVB_POLL_INTERVAL: '1s',
    SAVB_REGISTRATION_RETRY_INTERVAL: '2s',
    LOG_LEVEL: 'warn',
  });
  api.start();
  await api.waitFor(
    'the API ready',
    async () => (await fetch(`${apiUrl}/readyz`)).status,
    (status) => status === 200,
    {
      timeoutMs: 120_000,
    },
  );
}, 1_800_000);

afterAll(async () => {
  for (const stop of stoppers.reverse()) {
    try {
      await stop();
    } catch {
      // keep stopping the rest
    }
  }
  if (dir && process.env.CLUSTER_KEEP_DIR !== '1') rmSync(dir, { recursive: true, force: true });
}, 120_000);

/** Status of every engagement, read through the API. */
async function statuses(voucherIds: string[]): Promise<Record<string, string>> {
  const entries = await Promise.all(
    voucherIds.map(async (id) => [id, (await req('GET', `/v1/engagements/${id}`, { as: 'backoffice' })).body?.status]),
  );
  return Object.fromEntries(entries) as Record<string, string>;
}

/** Starts an engagement and takes it to REPORT_SUBMITTED through the partner's calls. */
async function deliveredEngagement(): Promise<string> {
  const body = startBody({ days: 1 });
  const day = dateOf(Date.now());
  const steps: [string, string, string, unknown][] = [
    ['POST', '/v1/engagements', 'backoffice', body],
    [
      'POST',
      `/v1/engagements/${body.voucherId}/forwarding`,
      PARTNER,
      { partnerId: PARTNER, projectManagerEmail: PM_EMAIL },
    ],
    [
      'POST',
      `/v1/engagements/${body.voucherId}/reservation`,
      PARTNER,
      { locationId: 'LOC-US', consultantId: 'C-1', startDate: day, endDate: day, deliveryCountry: 'US' },
    ],
    ['POST', `/v1/engagements/${body.voucherId}/completion-report`, PARTNER, reportBody(day)],
  ];
  for (const [method, path, as, payload] of steps) {
    const res = await req(method, path, { as, body: payload });
    if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${res.text}`);
  }
  return body.voucherId;
}

it('drives engagements to PAID through a worker crash and a server restart, one payment each, listed on SQL visibility', async () => {
  expect((await req('PUT', `/v1/partners/${PARTNER}`, { as: 'backoffice', body: profile() })).status).toBe(201);
  const enrolled = await req('POST', `/v1/partners/${PARTNER}/enrollments`, {
    as: PARTNER,
    body: { offering: 'DDPS' },
  });
  expect(enrolled.status).toBe(201);

  const voucherIds: string[] = [];
  for (let i = 0; i < ENGAGEMENTS; i++) voucherIds.push(await deliveredEngagement());

  // The partner's first DDPS invoice is refused until its global admin registers in SAVB.
  const [first, ...rest] = voucherIds;
  expect((await req('POST', `/v1/engagements/${first}/redemption`, { as: PARTNER })).status).toBe(200);
  await until(
    'the first invoice refused: partner not registered',
    async () => (await req('GET', `/v1/engagements/${first}`, { as: PARTNER })).body?.status,
    (status) => status === 'AWAITING_SAVB_REGISTRATION',
    { timeoutMs: 60_000 },
  );
  const registered = await fetch(`${savbUrl}/registrations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ partnerId: PARTNER, offering: 'DDPS' }),
  });
  expect(registered.status).toBe(201);
  for (const id of rest)
    expect((await req('POST', `/v1/engagements/${id}/redemption`, { as: PARTNER })).status).toBe(200);

  // Mid-flight: invoices are being submitted and polled. One worker dies without a word.
  await workers[0].kill();
  expect(workers[0].isAlive()).toBe(false);
  const beforeRestart = await statuses(voucherIds);
  expect(Object.values(beforeRestart).filter((s) => s === 'PAID').length).toBeLessThan(ENGAGEMENTS);

  // The Temporal server is killed and started again on the same databases.
  await server.kill();
  await server.startAndWait();

  const final = await until(
    'every engagement PAID',
    () => statuses(voucherIds),
    (all) => Object.values(all).every((s) => s === 'PAID'),
    { timeoutMs: 180_000, intervalMs: 1_000 },
  ).catch((err: Error) => {
    throw new Error(
      `${err.message}\nworker-2 log: ${tail(workers[1].logFile, 2000)}\napi log: ${tail(api.logFile, 1000)}`,
    );
  });
  expect(Object.values(final)).toEqual(Array(ENGAGEMENTS).fill('PAID'));
  expect(workers[1].isAlive()).toBe(true);
  // The health check is green for the worker that polls, red for the killed one.
  expect(workerHealthCheck(workers[1])).toEqual({ status: 0, stderr: '' });
  expect(workerHealthCheck(workers[0])).toEqual({ status: 1, stderr: expect.stringMatching(/not reachable/) });

  // Exactly one payment request per voucher at SAVB.
  for (const id of voucherIds) {
    const res = await fetch(`${savbUrl}/payment-requests?voucherId=${encodeURIComponent(id)}`);
    const { items } = (await res.json()) as { items: { status: string }[] };
    expect({ id, requests: items.length, status: items[0]?.status }).toEqual({ id, requests: 1, status: 'PAID' });
  }

  // Listing by search attributes on SQL visibility (eventually consistent: polled, bounded).
  const listed = (res: HttpResult) =>
    new Set<string>((res.body?.items ?? []).map((i: { voucherId: string }) => i.voucherId));
  await until(
    'the paid engagements listed by status',
    () => req('GET', '/v1/engagements?status=PAID&pageSize=100', { as: 'backoffice' }),
    (res) => res.status === 200 && voucherIds.every((id) => listed(res).has(id)),
    { timeoutMs: 30_000 },
  );
  const byPartner = await req('GET', `/v1/engagements?status=PAID&partnerId=${PARTNER}&country=US&pageSize=100`, {
    as: PARTNER,
  });
  expect(byPartner.status).toBe(200);
  expect(voucherIds.filter((id) => listed(byPartner).has(id))).toEqual(voucherIds);
  const reserved = await req('GET', '/v1/engagements?status=RESERVED&pageSize=100', { as: 'backoffice' });
  expect(reserved.status).toBe(200);
  expect(voucherIds.filter((id) => listed(reserved).has(id))).toEqual([]);
});
