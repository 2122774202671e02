// `npm run bench`: how fast the product runs engagements, and how far that is from the floor, the
// least Temporal itself needs for the same operations. See BENCHMARKS.md.
//
//   npm run bench -- [--count 500] [--concurrency 20 | 5,10,20,40] [--mode lifecycle|open] [--open 10000]
//                    [--partners 10] [--poll-ms 250] [--warmup N] [--rounds 4] [--no-floor] [--in-memory]
//                    [--server dev|production] [--attach] [--worker-entry worker/main.ts] [--samples 50]
//                    [--out file.jsonl]
//
// lifecycle: N engagements over HTTP, `concurrency` at a time, each: start, forwarding, reservation,
//   completion report, redemption, then GET every poll-ms until PAID. Then the floor (same server,
//   its own task queue and worker process): N minimal workflows with the operations a real
//   engagement's history shows, driven with the Temporal client. One JSON line on stdout.
// open: M engagements started (Temporal client, as the API starts them), left waiting on their
//   180-day timers; the worker's RSS; then the worker is restarted (empty cache) and the state of
//   random engagements is read over HTTP (and by a direct query): median and p95.
//
// --server production measures on the production topology instead of the dev server: PostgreSQL 15,
// the Temporal server 1.29.1 with SQL visibility (as the production-topology test and compose run
// it), and the compiled product (dist/); the floor runs on the same server.
// --attach uses a running stack instead of starting one: BENCH_TEMPORAL_ADDRESS, BENCH_API_URL,
// BENCH_SAVB_URL, API_TOKENS (a backoffice token and partner tokens), optionally BENCH_WORKER_PID
// and BENCH_API_PID (for memory). The floor's worker is then started against that Temporal.
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { optionalTsToDate } from '@temporalio/common';
import ms, { type StringValue } from 'ms';
import { dateOf } from '../domain/dates';
import { engagementWorkflowId, engagementStateQuery, TASK_QUEUE } from '../workflows/messages';
import { engagementStart } from '../api/engagements';
import { engagementSearchAttributes } from '../workflows/search-attributes';
import { floorStep, type FloorShape } from './floor-workflow';
import { Latencies, pool, type Summary } from './stats';
import { CODE_VERSION } from './code-version';
import { dataConverterOf } from '../worker/data-converter';
import {
  CpuMeter,
  FLOOR_TASK_QUEUE,
  RssSampler,
  sleep,
  startChild,
  startStack,
  stopAll,
  tsxArgs,
  waitFor,
  workerPolling,
  type Stack,
} from './stack';

// ---------------------------------------------------------------------------------------------
// options

interface Options {
  count: number;
  concurrency: number;
  mode: 'lifecycle' | 'open';
  open: number;
  partners: number;
  pollMs: number;
  warmup: number;
  /** --warmup was given (else it follows each run's concurrency). */
  warmupGiven: boolean;
  /** The lifecycle runs' concurrencies (--concurrency 5,10,20,40); `concurrency` is the largest. */
  concurrencies: number[];
  floor: boolean;
  inMemory: boolean;
  attach: boolean;
  server: 'dev' | 'production';
  workerEntry?: string;
  samples: number;
  openConcurrency: number;
  rounds: number;
  out?: string;
  savbPoll: string;
}

const defaultWarmup = (concurrency: number) => Math.min(Math.max(10, concurrency), 50);

function parseArgs(argv: string[]): Options {
  const o: Options = {
    count: 500,
    concurrency: 20,
    mode: 'lifecycle',
    open: 10_000,
    partners: 10,
    pollMs: 250,
    warmup: -1,
    warmupGiven: false,
    concurrencies: [20],
    floor: true,
    inMemory: false,
    attach: false,
    server: 'dev',
    samples: 50,
    openConcurrency: 50,
    rounds: 4,
    savbPoll: '1s',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    const int = () => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0) throw new Error(`${arg} needs a whole number`);
      return n;
    };
    switch (arg) {
      case '--count':
        o.count = int();
        break;
      case '--concurrency': {
        // One value, or several (5,10,20,40): a lifecycle run for each on the same stack.
        const list = value().split(',').map(Number);
        if (!list.every((n) => Number.isInteger(n) && n > 0)) throw new Error('--concurrency needs whole numbers');
        o.concurrencies = list;
        o.concurrency = Math.max(...list);
        break;
      }
      case '--mode': {
        const m = value();
        if (m !== 'lifecycle' && m !== 'open') throw new Error('--mode is lifecycle or open');
        o.mode = m;
        break;
      }
      case '--open':
        o.open = int();
        break;
      case '--partners':
        o.partners = Math.max(1, int());
        break;
      case '--poll-ms':
        o.pollMs = Math.max(10, int());
        break;
      case '--warmup':
        o.warmup = int();
        break;
      case '--no-floor':
        o.floor = false;
        break;
      case '--in-memory':
        o.inMemory = true;
        break;
      case '--attach':
        o.attach = true;
        break;
      case '--server': {
        const s = value();
        if (s !== 'dev' && s !== 'production') throw new Error('--server is dev or production');
        o.server = s;
        break;
      }
      case '--worker-entry':
        o.workerEntry = value();
        break;
      case '--samples':
        o.samples = Math.max(1, int());
        break;
      case '--open-concurrency':
        o.openConcurrency = Math.max(1, int());
        break;
      case '--rounds':
        o.rounds = Math.max(1, int());
        break;
      case '--savb-poll':
        o.savbPoll = value();
        break;
      case '--out':
        o.out = value();
        break;
      case '--help':
      case '-h':
        process.stderr.write(`${readHeader()}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg} (see --help)`);
    }
  }
  o.warmupGiven = o.warmup >= 0;
  if (o.warmup < 0) o.warmup = defaultWarmup(o.concurrency);
  return o;
}

function readHeader(): string {
  return 'npm run bench -- [--count 500] [--concurrency 20] [--mode lifecycle|open] [--open 10000] [--partners 10] [--poll-ms 250] [--warmup N] [--rounds 4] [--no-floor] [--in-memory] [--server dev|production] [--attach] [--worker-entry file] [--samples 50] [--out file.jsonl]';
}

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

// ---------------------------------------------------------------------------------------------
// the target: a started stack or an attached one

interface Target {
  temporalAddress: string;
  namespace: string;
  apiUrl: string;
  savbUrl: string;
  backofficeToken: string;
  partnerTokens: Record<string, string>;
  /** What the JSON line names as the server measured. */
  serverName: string;
  workerPid?: () => number | undefined;
  apiPid?: () => number | undefined;
  floorPid?: () => number | undefined;
  stack?: Stack;
  restartWorker?: () => Promise<void>;
}

async function attachTarget(options: Options): Promise<Target> {
  const need = (name: string) => {
    const v = process.env[name];
    if (!v) throw new Error(`--attach needs ${name}`);
    return v;
  };
  const temporalAddress = need('BENCH_TEMPORAL_ADDRESS');
  const tokens = need('API_TOKENS')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
    .map((e) => ({ token: e.slice(0, e.indexOf('=')), role: e.slice(e.indexOf('=') + 1) }));
  const backoffice = tokens.find((t) => t.role === 'backoffice');
  const partners = tokens.filter((t) => t.role.startsWith('partner:'));
  if (!backoffice || partners.length === 0)
    throw new Error('API_TOKENS must hold a backoffice token and at least one partner token');
  const pid = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  const target: Target = {
    temporalAddress,
    namespace: process.env.BENCH_TEMPORAL_NAMESPACE ?? 'default',
    apiUrl: need('BENCH_API_URL'),
    serverName: process.env.BENCH_SERVER_NAME ?? `attached: Temporal at ${temporalAddress}`,
    savbUrl: need('BENCH_SAVB_URL'),
    backofficeToken: backoffice.token,
    partnerTokens: Object.fromEntries(
      partners.slice(0, options.partners).map((p) => [p.role.slice('partner:'.length), p.token]),
    ),
    workerPid: () => pid('BENCH_WORKER_PID'),
    apiPid: () => pid('BENCH_API_PID'),
  };
  if (options.floor && options.mode === 'lifecycle') {
    const dir = mkdtempSync(join(tmpdir(), 'pso-bench-'));
    const floor = startChild(dir, 'floor-worker', process.execPath, tsxArgs('bench/floor-worker.ts'), {
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: target.namespace,
      BENCH_FLOOR_TASK_QUEUE: FLOOR_TASK_QUEUE,
    });
    await waitFor('the floor worker polling', floor, 180_000, () =>
      workerPolling(temporalAddress, target.namespace, FLOOR_TASK_QUEUE, floor.pid),
    );
    target.floorPid = () => floor.pid;
  }
  return target;
}

async function startTarget(options: Options): Promise<Target> {
  const partnerIds = Array.from({ length: options.partners }, (_, i) => `bench-p${i}`);
  const stack = await startStack({
    partnerIds,
    floor: options.floor && options.mode === 'lifecycle',
    inMemory: options.inMemory,
    workerEntry: options.workerEntry,
    server: options.server,
    log,
    env: { SAVB_POLL_INTERVAL: options.savbPoll },
  });
  log(`stack up in ${stack.dir} (Temporal ${stack.temporalAddress}, API ${stack.apiUrl}, SAVB ${stack.savbUrl})`);
  return {
    temporalAddress: stack.temporalAddress,
    namespace: stack.namespace,
    apiUrl: stack.apiUrl,
    savbUrl: stack.savbUrl,
    serverName: stack.serverName,
    backofficeToken: stack.tokens.backoffice,
    partnerTokens: stack.tokens.partners,
    workerPid: () => stack.worker?.pid,
    apiPid: () => stack.api?.pid,
    floorPid: () => stack.floorWorker?.pid,
    stack,
    restartWorker: () => stack.restartWorker(),
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP

class HttpFailure extends Error {
  constructor(
    readonly route: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${route}: HTTP ${status} ${body.slice(0, 300)}`);
  }
}

async function call(
  target: Target,
  latencies: Latencies | undefined,
  route: string,
  method: string,
  path: string,
  token: string,
  body: unknown,
  expect: number[],
): Promise<any> {
  const started = performance.now();
  let status: number;
  let text: string;
  try {
    const response = await fetch(`${target.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    status = response.status;
    text = await response.text();
  } catch (err) {
    throw new HttpFailure(route, 0, (err as Error).message);
  }
  latencies?.add(route, performance.now() - started);
  if (!expect.includes(status)) throw new HttpFailure(route, status, text);
  return text ? JSON.parse(text) : undefined;
}

const PM_EMAIL = 'pm@fabrikam.example';

function partnerProfile(partnerId: string) {
  return {
    name: `Bench partner ${partnerId}`,
    locations: [{ locationId: 'LOC-US', country: 'US' }],
    competencies: [{ area: 'Windows and Devices', level: 'Gold', expiresAt: '2099-12-31' }],
    consultants: [
      {
        consultantId: 'C-1',
        name: 'Ada',
        exams: [{ code: 'MD-100', area: 'Windows and Devices', passedAt: '2020-01-01' }],
      },
    ],
  };
}

async function setUpPartners(target: Target): Promise<void> {
  for (const partnerId of Object.keys(target.partnerTokens)) {
    await call(
      target,
      undefined,
      'partner',
      'PUT',
      `/v1/partners/${partnerId}`,
      target.backofficeToken,
      partnerProfile(partnerId),
      [200, 201],
    );
    await call(
      target,
      undefined,
      'enroll',
      'POST',
      `/v1/partners/${partnerId}/enrollments`,
      target.backofficeToken,
      { offering: 'DDPS' },
      [201, 409],
    );
    const response = await fetch(`${target.savbUrl}/_admin/registrations`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        ...(process.env.SAVB_SIM_ADMIN_TOKEN ? { authorization: `Bearer ${process.env.SAVB_SIM_ADMIN_TOKEN}` } : {}),
      },
      body: JSON.stringify({ partnerId, offering: 'DDPS' }),
    });
    if (!response.ok) throw new Error(`SAVB registration of ${partnerId}: ${response.status} ${await response.text()}`);
  }
}

function startBody(voucherId: string) {
  return {
    voucherId,
    offering: 'DDPS',
    engagementType: 'DDPS-WINDOWS-OFFICE',
    days: 1,
    assignedAt: new Date().toISOString(),
    customer: {
      agreementNumber: `AGR-${voucherId}`,
      name: 'Fabrikam Ltd',
      country: 'US',
      projectManagerEmail: PM_EMAIL,
      enrollmentEndsAt: '2099-12-31',
    },
  };
}

function reportBody(day: string) {
  return {
    consultantId: 'C-1',
    deliveredFrom: day,
    deliveredTo: day,
    onSiteDays: 1,
    offSiteDays: 0,
    deliverables: [
      {
        kind: 'COMPLETION_REPORT',
        title: 'Completion report',
        uri: 'https://files.example/report.pdf',
        sha256: 'a'.repeat(64),
      },
      {
        kind: 'CUSTOMER_PLANNING_DELIVERABLE',
        title: 'Vision and scope',
        uri: 'https://files.example/vision.pdf',
        sha256: 'b'.repeat(64),
      },
    ],
  };
}

const PARTNER_ROUTES = ['forwarding', 'reservation', 'completion-report', 'redemption'];
const PAID_TIMEOUT_MS = 120_000;

/** One engagement through the whole lifecycle over HTTP; its time from start to PAID seen. */
async function lifecycle(
  target: Target,
  latencies: Latencies | undefined,
  voucherId: string,
  partnerId: string,
  pollMs: number,
): Promise<number> {
  const token = target.partnerTokens[partnerId];
  const base = `/v1/engagements/${voucherId}`;
  const started = performance.now();
  await call(
    target,
    latencies,
    'start',
    'POST',
    '/v1/engagements',
    target.backofficeToken,
    startBody(voucherId),
    [201],
  );
  const forwarded = await call(
    target,
    latencies,
    'forwarding',
    'POST',
    `${base}/forwarding`,
    token,
    { partnerId, projectManagerEmail: PM_EMAIL },
    [200],
  );
  if (!forwarded.eligibility?.eligible)
    throw new HttpFailure('forwarding', 200, `not eligible: ${JSON.stringify(forwarded.eligibility)}`);
  const day = dateOf(Date.now());
  await call(
    target,
    latencies,
    'reservation',
    'POST',
    `${base}/reservation`,
    token,
    { locationId: 'LOC-US', consultantId: 'C-1', startDate: day, endDate: day, deliveryCountry: 'US' },
    [200],
  );
  await call(
    target,
    latencies,
    'completion-report',
    'POST',
    `${base}/completion-report`,
    token,
    reportBody(day),
    [200],
  );
  await call(target, latencies, 'redemption', 'POST', `${base}/redemption`, token, {}, [200]);
  const deadline = Date.now() + PAID_TIMEOUT_MS;
  for (;;) {
    await sleep(pollMs);
    const state = await call(target, latencies, 'get', 'GET', base, token, undefined, [200]);
    if (state.status === 'PAID') break;
    if (!['REDEEMED', 'INVOICE_SUBMITTED'].includes(state.status))
      throw new HttpFailure('get', 200, `unexpected status ${state.status}`);
    if (Date.now() > deadline)
      throw new HttpFailure('get', 200, `not PAID after ${PAID_TIMEOUT_MS / 1000}s (status ${state.status})`);
  }
  const total = performance.now() - started;
  latencies?.add('engagement', total);
  return total;
}

// ---------------------------------------------------------------------------------------------
// the floor

async function floorRun(
  client: Client,
  latencies: Latencies | undefined,
  workflowId: string,
  shape: FloorShape,
): Promise<void> {
  const started = performance.now();
  let t = performance.now();
  const handle = await client.workflow.start('floorWorkflow', {
    taskQueue: FLOOR_TASK_QUEUE,
    workflowId,
    args: [shape],
  });
  latencies?.add('start', performance.now() - t);
  for (let u = 0; u < shape.updates; u++) {
    t = performance.now();
    await handle.executeUpdate(floorStep, { args: [u] });
    latencies?.add('update', performance.now() - t);
  }
  await handle.result();
  latencies?.add('engagement', performance.now() - started);
}

/** Bytes held in Uint8Arrays (payload data, tokens) anywhere in an event. */
function bytesIn(value: unknown, depth = 0): number {
  if (value instanceof Uint8Array) return value.length;
  if (!value || typeof value !== 'object' || depth > 12) return 0;
  let total = 0;
  for (const v of Object.values(value)) total += bytesIn(v, depth + 1);
  return total;
}

/** What the histories of some finished workflows hold, as means per workflow. */
async function historyCounts(client: Client, workflowIds: string[], dumpSuffix = ''): Promise<Record<string, number>> {
  const totals: Record<string, number> = {};
  const bump = (key: string, by = 1) => (totals[key] = (totals[key] ?? 0) + by);
  for (const workflowId of workflowIds) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    // BENCH_HISTORY_DUMP=file: the events of one history (the floor's in file.floor), each with its
    // time from the first, to see where the tasks and the time go.
    if (process.env.BENCH_HISTORY_DUMP && workflowId === workflowIds[0]) {
      const events = history.events ?? [];
      const t0 = optionalTsToDate(events[0]?.eventTime)?.getTime() ?? 0;
      const lines = events.map(
        (e) => `${e.eventId} +${(optionalTsToDate(e.eventTime)?.getTime() ?? t0) - t0}ms ${e.eventType}`,
      );
      writeFileSync(`${process.env.BENCH_HISTORY_DUMP}${dumpSuffix}`, lines.join('\n'));
    }
    for (const event of history.events ?? []) {
      const type = event.activityTaskScheduledEventAttributes?.activityType?.name;
      if (type) bump(`activity:${type}`);
      if (event.workflowExecutionUpdateAcceptedEventAttributes) bump('updates');
      if (event.timerStartedEventAttributes) bump('timers');
      if (event.upsertWorkflowSearchAttributesEventAttributes) bump('searchAttributeUpserts');
      if (event.workflowTaskCompletedEventAttributes) bump('workflowTasks');
      bump('events');
      bump('payloadBytes', bytesIn(event));
    }
  }
  return Object.fromEntries(
    Object.entries(totals).map(([k, v]) => [k, Math.round((v / workflowIds.length) * 10) / 10]),
  );
}

/** The shape of a real engagement, from the histories of finished ones (rounded means). */
async function shapeOf(
  client: Client,
  voucherIds: string[],
  pollMs: number,
): Promise<{ shape: FloorShape; counts: Record<string, number> }> {
  const counts = await historyCounts(client, voucherIds.map(engagementWorkflowId));
  const c = (k: string) => Math.round(counts[k] ?? 0);
  const shape: FloorShape = {
    updates: c('updates'),
    activitiesInUpdates: c('activity:checkEligibility') + c('activity:claimFifteenDaySlot'),
    // The pump's activities: notifications, with the record store each change is also written (records/).
    notifies: c('activity:notify') + c('activity:recordAndNotify') + c('activity:recordEngagement'),
    tailActivities: c('activity:submitInvoice') + c('activity:getPaymentStatus'),
    // Each payment status poll follows a timer of the poll interval; the product's other timers
    // (expiry and invoice deadlines, waited on with condition timeouts) are not floor operations.
    polls: c('activity:getPaymentStatus'),
    pollMs,
  };
  return { shape, counts };
}

// ---------------------------------------------------------------------------------------------
// lifecycle mode

interface Failure {
  route: string;
  status: number;
  body: string;
}

async function runLifecycle(
  options: Options,
  target: Target,
  client: Client,
  sampler: RssSampler,
  cpu: CpuMeter,
  runId: string,
) {
  const partnerIds = Object.keys(target.partnerTokens);
  const errors: Failure[] = [];
  const onError = (err: unknown) => {
    const failure =
      err instanceof HttpFailure
        ? { route: err.route, status: err.status, body: err.body.slice(0, 300) }
        : { route: '?', status: 0, body: String((err as Error)?.message ?? err) };
    errors.push(failure);
    if (errors.length <= 5) log(`error: ${JSON.stringify(failure)}`);
  };

  // Warm-up: the product and the floor, not measured; its histories give the floor its shape.
  const pollMs = ms(options.savbPoll as StringValue);
  const warmIds: string[] = [];
  log(`warm-up: ${options.warmup} engagements through the product`);
  await pool(options.warmup, options.concurrency, async (i) => {
    const voucherId = `${runId}-w${i}`;
    await lifecycle(target, undefined, voucherId, partnerIds[i % partnerIds.length], options.pollMs).then(
      () => warmIds.push(voucherId),
      onError,
    );
  });
  if (warmIds.length === 0)
    throw new Error(`no warm-up engagement reached PAID; errors: ${JSON.stringify(errors.slice(0, 3))}`);
  const { shape, counts } = await shapeOf(client, warmIds.slice(0, 10), pollMs);
  log(`a real engagement's history (mean of ${Math.min(10, warmIds.length)}): ${JSON.stringify(counts)}`);
  log(`floor shape: ${JSON.stringify(shape)}`);

  if (options.floor) {
    log(`floor warm-up: ${options.warmup} workflows`);
    await pool(options.warmup, options.concurrency, (i) =>
      floorRun(client, undefined, `floor-${runId}-w${i}`, shape).catch(onError),
    );
  }

  // Measured: floor and product in alternating batches (the order flips every round), so the noise
  // of a shared machine falls on both alike.
  const latencies = new Latencies();
  const floorLatencies = new Latencies();
  let seconds = 0;
  let floorSeconds = 0;
  let done = 0;
  let floorDone = 0;
  let productErrors = 0;
  let floorErrors = 0;
  const rounds = Math.max(1, Math.min(options.rounds, options.count));
  log(
    `measuring: ${options.count} engagements at concurrency ${options.concurrency}, in ${rounds} round(s)${options.floor ? ' alternating with the floor' : ''}`,
  );
  sampler.reset();
  let nextIndex = 0;
  for (let round = 0; round < rounds; round++) {
    const batch = Math.floor(options.count / rounds) + (round < options.count % rounds ? 1 : 0);
    const first = nextIndex;
    nextIndex += batch;
    const product = () =>
      cpu.measure('product', async () => {
        const before = errors.length;
        const t0 = performance.now();
        await pool(batch, options.concurrency, async (k) => {
          const i = first + k;
          await lifecycle(target, latencies, `${runId}-${i}`, partnerIds[i % partnerIds.length], options.pollMs).then(
            () => done++,
            onError,
          );
        });
        seconds += (performance.now() - t0) / 1000;
        productErrors += errors.length - before;
      });
    const floorBatch = () =>
      cpu.measure('floor', async () => {
        if (!options.floor) return;
        const before = errors.length;
        const t0 = performance.now();
        await pool(batch, options.concurrency, (k) =>
          floorRun(client, floorLatencies, `floor-${runId}-${first + k}`, shape).then(() => void floorDone++, onError),
        );
        floorSeconds += (performance.now() - t0) / 1000;
        floorErrors += errors.length - before;
      });
    if (round % 2 === 0) {
      await floorBatch();
      await product();
    } else {
      await product();
      await floorBatch();
    }
    sampler.sample();
    log(
      `round ${round + 1}/${rounds}: product ${done} PAID in ${round2(seconds)} s${options.floor ? `, floor ${floorDone} in ${round2(floorSeconds)} s` : ''}`,
    );
  }
  const floorThroughput = floorDone / floorSeconds;
  const floorUpdateP99 = floorLatencies.summary('update').p99;
  const floor = options.floor
    ? {
        engagementsPerSec: round2(floorThroughput),
        durationS: round2(floorSeconds),
        errors: floorErrors,
        latencyMs: floorLatencies.all(),
        workerRssMiB: sampler.get('floorWorker'),
        cpuMsPerEngagement: cpu.perUnit('floor', floorDone),
        historyPerWorkflow: await historyCounts(
          client,
          Array.from({ length: Math.min(10, options.count) }, (_, i) => `floor-${runId}-${i}`),
          '.floor',
        ).catch(() => undefined),
        shape,
      }
    : undefined;
  const throughput = done / seconds;
  const partnerActions = latencies.summary(...PARTNER_ROUTES);

  const ratios = options.floor
    ? {
        throughputVsFloor: round2(throughput / floorThroughput),
        cpuPerEngagementVsFloor: round2(cpu.perUnit('product', done).total / cpu.perUnit('floor', floorDone).total),
        partnerActionP99VsFloorUpdateP99: round2(partnerActions.p99 / floorUpdateP99),
      }
    : undefined;
  return {
    mode: 'lifecycle',
    count: options.count,
    concurrency: options.concurrency,
    partners: partnerIds.length,
    savbPollInterval: options.savbPoll,
    getPollMs: options.pollMs,
    engagementsPerSec: round2(throughput),
    durationS: round2(seconds),
    rounds,
    errors: productErrors,
    otherErrors: { warmup: errors.length - productErrors - floorErrors, floor: floorErrors },
    latencyMs: { ...latencies.all(), partnerActions },
    workerRssMiB: sampler.get('worker'),
    apiRssMiB: sampler.get('api'),
    cpuMsPerEngagement: cpu.perUnit('product', done),
    historyPerEngagement: counts,
    floor,
    ratios,
    targets: ratios
      ? {
          throughputAtLeast0_8xFloor: ratios.throughputVsFloor >= 0.8,
          partnerActionP99AtMost1_5xFloorUpdateP99: ratios.partnerActionP99VsFloorUpdateP99 <= 1.5,
          zeroErrors: errors.length === 0,
        }
      : { zeroErrors: errors.length === 0 },
    errorSamples: errors.slice(0, 5),
  };
}

// ---------------------------------------------------------------------------------------------
// open mode

async function metricTotal(url: string, name: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).text();
    let total = 0;
    let seen = false;
    for (const line of text.split('\n')) {
      if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{')) {
        total += Number(line.slice(line.lastIndexOf(' ') + 1));
        seen = true;
      }
    }
    return seen ? total : undefined;
  } catch {
    return undefined;
  }
}

async function runOpen(options: Options, target: Target, client: Client, sampler: RssSampler, runId: string) {
  const errors: string[] = [];
  const ids: string[] = [];
  log(`open: starting ${options.open} engagements (Temporal client, concurrency ${options.openConcurrency})`);
  const bytesBefore = await target.stack?.databaseBytes();
  sampler.reset();
  const t0 = performance.now();
  await pool(options.open, options.openConcurrency, async (i) => {
    const voucherId = `${runId}-o${i}`;
    // Exactly as the API starts one (input, search attributes).
    const { input, initial } = engagementStart(startBody(voucherId), {
      savbPollInterval: options.savbPoll,
      registrationRetryInterval: '1s',
    });
    try {
      await client.workflow.start('engagementWorkflow', {
        workflowId: engagementWorkflowId(voucherId),
        taskQueue: TASK_QUEUE,
        args: [input],
        typedSearchAttributes: engagementSearchAttributes(initial),
      });
      ids.push(voucherId);
    } catch (err) {
      errors.push((err as Error).message);
    }
    if ((i + 1) % 2000 === 0) log(`open: ${i + 1} started`);
  });
  const startSeconds = (performance.now() - t0) / 1000;
  log(
    `open: ${ids.length} started in ${round2(startSeconds)} s; waiting for every first workflow task and notification`,
  );

  // Every engagement runs its first task and one notification, then waits on its timers. The
  // worker's metrics count the notifications; visibility is the fallback.
  const metricsUrl = target.stack?.workerMetricsUrl;
  const deadline = Date.now() + 30 * 60_000;
  let settledAt = performance.now();
  for (;;) {
    const activities = metricsUrl
      ? await metricTotal(metricsUrl, 'temporal_activity_execution_latency_count')
      : undefined;
    const pending = await client.workflowService
      .countWorkflowExecutions({
        namespace: target.namespace,
        query: `WorkflowType = 'engagementWorkflow' AND ExecutionStatus = 'Running' AND VoucherId STARTS_WITH '${runId}-o'`,
      })
      .then((r) => Number(r.count ?? 0))
      .catch(() => NaN);
    log(
      `open: notifications done ${activities ?? '?'} of ${ids.length}; running ${pending}; worker RSS ${sampler.get('worker')?.lastMiB ?? '?'} MiB`,
    );
    if (target.stack?.worker?.exit !== undefined) {
      errors.push(`the worker exited (code ${target.stack.worker.exit}); see ${target.stack.worker.logFile}`);
      break;
    }
    if (activities === undefined && !metricsUrl) {
      // Attached without the worker's metrics: the count of running engagements is all there is.
      settledAt = performance.now();
      break;
    }
    if (activities !== undefined && activities >= ids.length) {
      settledAt = performance.now();
      break;
    }
    if (Date.now() > deadline) {
      errors.push('the worker did not process every engagement in 30 minutes');
      break;
    }
    await sleep(2_000);
  }
  const processSeconds = (settledAt - t0) / 1000;
  await sleep(5_000);
  sampler.sample();
  const afterOpen = sampler.get('worker');
  const databaseBytesPerEngagement =
    bytesBefore && perEngagement(bytesBefore, await target.stack!.databaseBytes(), ids.length);

  // Hot: a query on a cached engagement (the most recently started are the likeliest in the cache).
  const hot = new Latencies();
  for (let i = 0; i < Math.min(options.samples, ids.length); i++) {
    const id = ids[ids.length - 1 - i];
    const t = performance.now();
    await call(
      target,
      undefined,
      'get',
      'GET',
      `/v1/engagements/${id}`,
      target.backofficeToken,
      undefined,
      [200],
    ).catch((e) => errors.push(String(e)));
    hot.add('get', performance.now() - t);
  }

  // Evict: a new worker process starts with an empty cache.
  let evicted: Record<string, unknown> = {};
  if (target.restartWorker) {
    log('open: restarting the worker (empty workflow cache)');
    await target.restartWorker();
    sampler.reset();
    await sleep(2_000);
    const cold = new Latencies();
    const picked = new Set<number>();
    while (picked.size < Math.min(options.samples * 2, ids.length)) picked.add(Math.floor(Math.random() * ids.length));
    const order = [...picked];
    const httpIds = order.slice(0, Math.ceil(order.length / 2)).map((i) => ids[i]);
    const queryIds = order.slice(Math.ceil(order.length / 2)).map((i) => ids[i]);
    for (const id of httpIds) {
      const t = performance.now();
      const state = await call(
        target,
        undefined,
        'get',
        'GET',
        `/v1/engagements/${id}`,
        target.backofficeToken,
        undefined,
        [200],
      ).catch((e) => {
        errors.push(String(e));
        return undefined;
      });
      cold.add('http', performance.now() - t);
      if (state && state.status !== 'ASSIGNED') errors.push(`${id}: status ${state.status}`);
    }
    for (const id of queryIds) {
      const t = performance.now();
      await client.workflow
        .getHandle(engagementWorkflowId(id))
        .query(engagementStateQuery)
        .catch((e) => errors.push(String(e)));
      cold.add('query', performance.now() - t);
    }
    sampler.sample();
    evicted = {
      httpGetMs: cold.summary('http'),
      clientQueryMs: cold.summary('query'),
      workerRssAfterMiB: sampler.get('worker'),
    };
  }

  const evictedGet = evicted.httpGetMs as Summary | undefined;
  return {
    mode: 'open',
    open: ids.length,
    startPerSec: round2(ids.length / startSeconds),
    processedPerSec: round2(ids.length / processSeconds),
    workerRssMiB: afterOpen,
    apiRssMiB: sampler.get('api'),
    hotGetMs: hot.summary('get'),
    evicted,
    databaseBytesPerEngagement,
    errors: errors.length,
    errorSamples: errors.slice(0, 5),
    targets: {
      workerRssBelow1GiB: afterOpen ? afterOpen.peakMiB < 1024 : undefined,
      evictedStateMedianBelow100ms: evictedGet ? evictedGet.p50 < 100 : undefined,
      zeroErrors: errors.length === 0,
    },
  };
}

/** What each database grew by, per engagement opened, and the total. */
function perEngagement(before: Record<string, number>, after: Record<string, number>, count: number) {
  const grown = Object.entries(after).map(
    ([name, bytes]) => [name, Math.round((bytes - (before[name] ?? 0)) / Math.max(1, count))] as const,
  );
  return { ...Object.fromEntries(grown), total: grown.reduce((sum, [, bytes]) => sum + bytes, 0) };
}

// ---------------------------------------------------------------------------------------------

const round2 = (x: number) => Math.round(x * 100) / 100;

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the stack`);
      void stopAll().finally(() => process.exit(130));
    });
  }
  const runId = `B${Date.now().toString(36)}`;
  const target = options.attach ? await attachTarget(options) : await startTarget(options);
  const connection = await Connection.connect({ address: target.temporalAddress });
  // With PAYLOAD_KEYS set, the stack's worker encrypts payloads: the bench's client reads them with the same keys.
  const dataConverter = dataConverterOf({
    PAYLOAD_KEYS: process.env.PAYLOAD_KEYS,
    PAYLOAD_KEY_ID: process.env.PAYLOAD_KEY_ID,
  });
  const client = new Client({ connection, namespace: target.namespace, dataConverter });
  const sampler = new RssSampler(() => ({
    worker: target.workerPid?.(),
    api: target.apiPid?.(),
    floorWorker: target.floorPid?.(),
  }));
  sampler.start();
  const newCpuMeter = () =>
    new CpuMeter(
      () => ({
        temporal: target.stack?.temporalPid(),
        savb: target.stack?.savb?.pid,
        worker: target.workerPid?.(),
        api: target.apiPid?.(),
        floorWorker: target.floorPid?.(),
      }),
      () => ({ postgres: target.stack?.postgresPid() }),
    );
  const emit = (result: object) => {
    const line = JSON.stringify({
      bench: 'planning-services',
      at: new Date().toISOString(),
      code: CODE_VERSION,
      ...result,
      machine: {
        nproc: cpus().length,
        loadAvg: loadavg().map(round2),
        memGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        temporal: target.serverName,
      },
    });
    process.stdout.write(`${line}\n`);
    if (options.out) appendFileSync(options.out, `${line}\n`);
  };
  try {
    if (options.mode === 'open') emit(await runOpen(options, target, client, sampler, runId));
    // One stack, one lifecycle run (its own warm-up, floor and line) per concurrency asked for.
    if (options.mode === 'lifecycle') {
      log(
        `setting up ${Object.keys(target.partnerTokens).length} partners (profile, DDPS enrollment, SAVB registration)`,
      );
      await setUpPartners(target);
    }
    for (const concurrency of options.mode === 'lifecycle' ? options.concurrencies : []) {
      const warmup = options.warmupGiven ? options.warmup : defaultWarmup(concurrency);
      const run = { ...options, concurrency, warmup };
      emit(await runLifecycle(run, target, client, sampler, newCpuMeter(), `${runId}c${concurrency}`));
    }
  } finally {
    sampler.stop();
    await connection.close().catch(() => undefined);
    await stopAll();
  }
}

main().then(
  () => process.exit(0),
  async (err) => {
    log(`failed: ${(err as Error).stack ?? String(err)}`);
    await stopAll().catch(() => undefined);
    process.exit(1);
  },
);
