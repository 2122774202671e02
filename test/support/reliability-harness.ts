// The fault-injection harness of the reliability suites (test/reliability/**).
//
// Everything runs as it does in production, in real time, so it can be killed:
//   - a Temporal dev server as a child process (the pinned CLI), on its own port and SQLite file,
//     with the product's search attributes registered: SIGKILL it and start it again on the same
//     file and port;
//   - the product's worker process (`node --import tsx worker/main.ts`, configured by environment
//     variables like in production) as a child process: SIGKILL it and start another;
//   - the SAVB simulator in this process, whose faults (errorRate, latencyMs, acceptThenTimeout,
//     down) the suites switch on and off;
//   - a Temporal client in this process that plays the back-office and the partners.
//
// Waiting is always a bounded poll on observable state (a query, a describe, the SAVB records);
// sleeps only ever decide *when* to inject a fault, never whether something has happened.
//
// Counts scale with SOAK=1 (`npm run soak`): see `scaled`.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Client,
  Connection,
  WorkflowHandle,
  WorkflowUpdateFailedError,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/client';
import { ApplicationFailure, type SignalDefinition, type UpdateDefinition } from '@temporalio/common';
import { dateOf } from '../../domain/dates';
import type { EngagementInput, EngagementMessage, EngagementState, EngagementStatus } from '../../domain/engagement';
import type { CompletionReport, PartnerProfile, Reservation } from '../../domain/schemas';
import { startSavbSimulator, type SavbSimulator, type SavbSimulatorOptions } from '../../savb-simulator/server';
import { temporalCliPath } from '../../scripts/temporal-binaries';
import {
  TASK_QUEUE,
  engagementSignals,
  engagementStateQuery,
  engagementUpdates,
  engagementWorkflowId,
  enrollmentRequestedUpdate,
  partnerWorkflowId,
  profileReplacedUpdate,
} from '../../workflows/messages';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/search-attributes';
import { createRecordDatabase, type RecordDatabase } from './record-db';

export const ROOT = join(__dirname, '..', '..');
export const SOAK = process.env.SOAK === '1' || process.env.SOAK === 'true';
export const PM_EMAIL = 'pm@fabrikam.example';
export const NAMESPACE = 'default';

/** A default count, or a larger one for soak runs. */
export const scaled = (normal: number, soak: number): number => (SOAK ? soak : normal);

// ---------------------------------------------------------------------------------------------
// small utilities

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A seeded PRNG (mulberry32) so a failing run can be repeated with RELIABILITY_SEED. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function runSeed(): number {
  const fromEnv = Number(process.env.RELIABILITY_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.floor(Math.random() * 2 ** 31) + 1;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until `accept` holds (errors count as "not yet"); bounded, never a fixed sleep. */
export async function until<T>(
  what: string,
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  { timeoutMs = 60_000, intervalMs = 250 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      lastError = undefined;
      if (accept(last)) return last;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const seen = lastError
        ? `last error: ${(lastError as Error).message}`
        : `last value: ${JSON.stringify(last)?.slice(0, 1500)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${seen})`);
    }
    await sleep(intervalMs);
  }
}

function tail(file: string, chars = 3000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-chars);
  } catch {
    return '(no log)';
  }
}

async function exited(proc: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (proc.exitCode !== null || proc.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

const alive = (proc: ChildProcess | undefined): boolean => !!proc && proc.exitCode === null && proc.signalCode === null;

// Children this process started; if it ends without stopping them (jest killed, a crash), they go too.
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) if (alive(child)) child.kill('SIGKILL');
});
function track(proc: ChildProcess): ChildProcess {
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return proc;
}

// ---------------------------------------------------------------------------------------------
// the Temporal dev server, as a child process that can be killed and started again

export class DevServer {
  proc?: ChildProcess;
  starts = 0;
  kills = 0;
  readonly dbFile: string;
  readonly logFile: string;

  constructor(
    readonly dir: string,
    readonly port: number,
  ) {
    this.dbFile = join(dir, 'temporal.sqlite');
    this.logFile = join(dir, 'temporal.log');
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts the server on the same port and SQLite file as before; resolves once it answers. */
  async start(): Promise<void> {
    if (alive(this.proc)) throw new Error('the dev server is already running');
    const log = openSync(this.logFile, 'a');
    const args = [
      'server',
      'start-dev',
      '--headless',
      '--ip',
      '127.0.0.1',
      '--port',
      String(this.port),
      '--db-filename',
      this.dbFile,
      '--log-level',
      'error',
      ...Object.entries(SEARCH_ATTRIBUTE_TYPES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    ];
    const proc = track(spawn(temporalCliPath(), args, { stdio: ['ignore', log, log] }));
    closeSync(log);
    this.proc = proc;
    this.starts += 1;
    await until(
      `the Temporal dev server on ${this.address}`,
      async () => {
        if (!alive(proc))
          throw new Error(`the dev server exited (${proc.exitCode ?? proc.signalCode}): ${tail(this.logFile, 1500)}`);
        const connection = await Connection.connect({ address: this.address, connectTimeout: 1_000 });
        try {
          await connection.workflowService.describeNamespace({ namespace: NAMESPACE });
          return true;
        } finally {
          await connection.close();
        }
      },
      (ok) => ok,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  }

  /** SIGKILL: no shutdown, no flush; what SQLite holds is what survives. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || !alive(proc)) return;
    proc.kill('SIGKILL');
    await exited(proc, 10_000);
    this.kills += 1;
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || !alive(proc)) return;
    proc.kill('SIGTERM');
    if (!(await exited(proc, 10_000))) {
      proc.kill('SIGKILL');
      await exited(proc, 5_000);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// the product's worker process

export interface WorkerProcessOptions {
  temporalAddress: string;
  savbUrl: string;
  env?: Record<string, string>;
  logFile: string;
}

export class WorkerProcess {
  proc?: ChildProcess;
  starts = 0;
  kills = 0;
  /** Time from spawn to polling, per start. */
  readonly startMs: number[] = [];

  constructor(private readonly options: WorkerProcessOptions) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  isAlive(): boolean {
    return alive(this.proc);
  }

  /** Spawns `worker/main.ts` and resolves once it polls the task queue (its SDK identity is `<pid>@host`). */
  async start(): Promise<void> {
    if (alive(this.proc)) throw new Error('the worker is already running');
    const log = openSync(this.options.logFile, 'a');
    const began = Date.now();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: this.options.temporalAddress,
      TEMPORAL_NAMESPACE: NAMESPACE,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      SAVB_URL: this.options.savbUrl,
      SAVB_POLL_INTERVAL: '1s',
      SAVB_REGISTRATION_RETRY_INTERVAL: '2s',
      SAVB_TIMEOUT_MS: '3000',
      WORKER_METRICS_PORT: String(await freePort()),
      LOG_LEVEL: process.env.RELIABILITY_WORKER_LOG_LEVEL ?? 'warn',
      NOTIFY_WEBHOOK_URL: '',
      NOTIFY_WEBHOOK_SECRET: '',
      ...this.options.env,
    };
    const proc = track(
      spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'worker', 'main.ts')], {
        cwd: ROOT,
        env,
        stdio: ['ignore', log, log],
      }),
    );
    closeSync(log);
    this.proc = proc;
    this.starts += 1;
    await until(
      `the worker (pid ${proc.pid}) polling ${TASK_QUEUE}`,
      async () => {
        if (!alive(proc))
          throw new Error(
            `the worker exited (${proc.exitCode ?? proc.signalCode}): ${tail(this.options.logFile, 1500)}`,
          );
        return this.polling();
      },
      (ok) => ok,
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    this.startMs.push(Date.now() - began);
  }

  /** True when this process polls both the workflow and the activity task queue. */
  async polling(): Promise<boolean> {
    const pid = this.proc?.pid;
    if (!pid) return false;
    const connection = await Connection.connect({ address: this.options.temporalAddress, connectTimeout: 1_000 });
    try {
      for (const taskQueueType of [1, 2]) {
        const { pollers } = await connection.workflowService.describeTaskQueue({
          namespace: NAMESPACE,
          taskQueue: { name: TASK_QUEUE },
          taskQueueType,
        });
        if (!(pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`))) return false;
      }
      return true;
    } finally {
      await connection.close();
    }
  }

  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || !alive(proc)) return;
    proc.kill('SIGKILL');
    await exited(proc, 10_000);
    this.kills += 1;
  }

  /** Graceful stop (SIGTERM drains), SIGKILL if it takes too long. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || !alive(proc)) return;
    proc.kill('SIGTERM');
    if (!(await exited(proc, 40_000))) {
      proc.kill('SIGKILL');
      await exited(proc, 5_000);
    }
  }

  logTail(chars = 3000): string {
    return tail(this.options.logFile, chars);
  }
}

// ---------------------------------------------------------------------------------------------
// the whole stack of a suite

export interface ReliabilityStack {
  dir: string;
  server: DevServer;
  worker: WorkerProcess;
  savb: SavbSimulator;
  /** The record database the worker process writes (DATABASE_URL). */
  records: RecordDatabase;
  connection: Connection;
  client: Client;
  /** ID prefix of this run, so every voucher, partner and agreement is new. */
  run: string;
  stop(): Promise<void>;
}

export interface ReliabilityStackOptions {
  name: string;
  savb?: SavbSimulatorOptions;
  workerEnv?: Record<string, string>;
}

export async function startReliabilityStack(options: ReliabilityStackOptions): Promise<ReliabilityStack> {
  const dir = mkdtempSync(join(tmpdir(), `reliability-${options.name}-`));
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // keep stopping the rest
      }
    }
    if (process.env.RELIABILITY_KEEP_DIR !== '1') rmSync(dir, { recursive: true, force: true });
  };
  try {
    const server = new DevServer(dir, await freePort());
    cleanups.push(() => server.stop());
    await server.start();

    const savb = await startSavbSimulator({ port: 0, approveAfterMs: 300, payAfterMs: 600, ...options.savb });
    cleanups.push(() => savb.close());

    const records = await createRecordDatabase();
    cleanups.push(() => records.drop());

    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: NAMESPACE });

    const worker = new WorkerProcess({
      temporalAddress: server.address,
      savbUrl: savb.url,
      env: { DATABASE_URL: records.url, ...options.workerEnv },
      logFile: join(dir, 'worker.log'),
    });
    cleanups.push(() => worker.stop());
    await worker.start();

    const run = `${options.name.toUpperCase().slice(0, 6)}${Date.now().toString(36).toUpperCase()}`;
    return { dir, server, worker, savb, records, connection, client, run, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// partners and engagements, in real time

export function partnerProfile(overrides: Partial<PartnerProfile> = {}): PartnerProfile {
  return {
    name: 'Contoso Consulting',
    locations: [
      { locationId: 'LOC-US', country: 'US' },
      { locationId: 'LOC-DE', country: 'DE' },
    ],
    competencies: [{ area: 'Windows and Devices', level: 'Gold', expiresAt: '2099-12-31' }],
    consultants: [
      {
        consultantId: 'C-1',
        name: 'Ada',
        exams: [{ code: 'MD-100', area: 'Windows and Devices', passedAt: '2020-01-01' }],
      },
    ],
    ...overrides,
  };
}

/** Creates a partner entity and enrolls it, through the partner workflow's updates (as the API does). */
export async function createPartner(client: Client, partnerId: string, offerings = ['DDPS']): Promise<void> {
  const handle = await client.workflow.start('partnerWorkflow', {
    taskQueue: TASK_QUEUE,
    workflowId: partnerWorkflowId(partnerId),
    args: [{ partnerId }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  await handle.executeUpdate(profileReplacedUpdate, { args: [{ ...partnerProfile(), actor: 'backoffice' }] });
  for (const offering of offerings)
    await handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering, actor: 'backoffice' }] });
}

export const today = () => dateOf(Date.now());

/**
 * A voucher that can be walked to PAID in real time: 1 day, reserved for today and delivered today
 * (a reservation starts today or later, a delivery ends today or earlier). SAVB intervals in seconds.
 */
export function engagementInput(
  voucherId: string,
  agreementNumber: string,
  overrides: Partial<EngagementInput> = {},
): EngagementInput {
  return {
    voucherId,
    offering: 'DDPS',
    engagementType: 'DDPS-WINDOWS-OFFICE',
    days: 1,
    assignedAt: new Date().toISOString(),
    customer: {
      agreementNumber,
      name: 'Fabrikam',
      country: 'US',
      projectManagerEmail: PM_EMAIL,
      enrollmentEndsAt: '2099-12-31',
    },
    settings: { savbPollInterval: '1s', registrationRetryInterval: '2s' },
    ...overrides,
  };
}

export function reservationToday(overrides: Partial<Reservation> = {}): Reservation {
  const d = today();
  return { locationId: 'LOC-US', consultantId: 'C-1', startDate: d, endDate: d, deliveryCountry: 'US', ...overrides };
}

export function reportFor(res: Pick<Reservation, 'startDate'>): CompletionReport {
  return {
    consultantId: 'C-1',
    deliveredFrom: res.startDate,
    deliveredTo: res.startDate,
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

/** Starts an engagement; safe to repeat after an unknown outcome (the same workflow ID is reused). */
export async function startEngagement(
  client: Client,
  input: EngagementInput,
  { retryForMs = 120_000 } = {},
): Promise<WorkflowHandle> {
  const deadline = Date.now() + retryForMs;
  for (;;) {
    try {
      return await client.workflow.start('engagementWorkflow', {
        taskQueue: TASK_QUEUE,
        workflowId: engagementWorkflowId(input.voucherId),
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        return client.workflow.getHandle(engagementWorkflowId(input.voucherId));
      if (Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
}

export type UpdateOutcome =
  | { accepted: true; state: EngagementState; tries: number }
  | { accepted: false; type: string; codes: string[]; tries: number };

/**
 * Sends a message as an Update. Transport trouble (server restarting, a worker gone) is retried with
 * the same update ID, which Temporal deduplicates, so a message is applied at most once however often
 * it is sent; a refusal is returned, not thrown.
 */
export async function sendUpdate<K extends EngagementMessage>(
  handle: WorkflowHandle,
  name: K,
  payload: unknown,
  { updateId, retryForMs = 180_000 }: { updateId?: string; retryForMs?: number } = {},
): Promise<UpdateOutcome> {
  const deadline = Date.now() + retryForMs;
  for (let tries = 1; ; tries++) {
    try {
      const update: UpdateDefinition<EngagementState, [unknown]> = engagementUpdates[name];
      const state = await handle.executeUpdate(update, { args: [payload], ...(updateId ? { updateId } : {}) });
      return { accepted: true, state, tries };
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        const refusals = (err.cause.details ?? []) as { code: string }[];
        return { accepted: false, type: err.cause.type ?? '', codes: refusals.map((r) => r.code), tries };
      }
      if (Date.now() > deadline) throw err;
      await sleep(300);
    }
  }
}

export async function sendSignal<K extends EngagementMessage>(
  handle: WorkflowHandle,
  name: K,
  payload: unknown,
  { retryForMs = 120_000 } = {},
): Promise<void> {
  const deadline = Date.now() + retryForMs;
  for (;;) {
    try {
      const signal: SignalDefinition<[unknown]> = engagementSignals[name];
      await handle.signal(signal, payload);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(300);
    }
  }
}

export const stateOf = (handle: WorkflowHandle): Promise<EngagementState> => handle.query(engagementStateQuery);

export interface PendingActivity {
  type: string;
  state: number;
  attempt: number;
  lastFailure?: string;
  /** The SDK identity (`<pid>@<host>`) of the worker that last started it. */
  worker?: string;
}

/** The workflow's pending activities as Temporal shows them to operators (1 scheduled, 2 started). */
export async function pendingActivities(handle: WorkflowHandle): Promise<PendingActivity[]> {
  const description = await handle.describe();
  return (description.raw.pendingActivities ?? []).map((a) => ({
    type: a.activityType?.name ?? '',
    state: Number(a.state ?? 0),
    attempt: a.attempt ?? 0,
    lastFailure: a.lastFailure?.message ?? undefined,
    worker: a.lastWorkerIdentity ?? undefined,
  }));
}

export const STARTED = 2;

/**
 * How many attempts each completed activity of a type took, from the workflow history (its started
 * event, written when the activity closes, carries the last attempt number).
 */
export async function activityAttempts(handle: WorkflowHandle, activityType: string): Promise<number[]> {
  const history = await handle.fetchHistory();
  const scheduled = new Set<string>();
  const attempts: number[] = [];
  for (const event of history.events ?? []) {
    const id = String(event.eventId ?? '');
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === activityType) scheduled.add(id);
    const started = event.activityTaskStartedEventAttributes;
    if (started && scheduled.has(String(started.scheduledEventId ?? ''))) attempts.push(started.attempt ?? 1);
  }
  return attempts;
}

/** The workflow execution's status name (RUNNING, COMPLETED, FAILED, ...). */
export async function executionStatus(handle: WorkflowHandle): Promise<string> {
  return (await handle.describe()).status.name;
}

// ---------------------------------------------------------------------------------------------
// lifecycle plans: engagements left at every stage, most driven to payment

export type Target = 'ASSIGNED' | 'FORWARDED' | 'RESERVED' | 'REPORT_SUBMITTED' | 'PAID';
export const PRE_REDEMPTION_TARGETS: Target[] = ['ASSIGNED', 'FORWARDED', 'RESERVED', 'REPORT_SUBMITTED'];

/** n targets: about a twelfth of them left at each pre-redemption stage (at least one each), the rest paid. */
export function planTargets(n: number): Target[] {
  const each = Math.max(1, Math.round(n / 12));
  const targets: Target[] = [];
  for (const t of PRE_REDEMPTION_TARGETS) for (let i = 0; i < each; i++) targets.push(t);
  while (targets.length < n) targets.push('PAID');
  return targets;
}

export interface Engagement {
  voucherId: string;
  partnerId: string;
  target: Target;
  input: EngagementInput;
  handle: WorkflowHandle;
  /** Filled by drive(): refusals met on the way (must stay empty). */
  refusals: string[];
  /** Update sends that needed more than one try (transport trouble). */
  retriedSends: number;
}

export interface DriveOptions {
  /** A pause between steps, so engagements are spread over the fault window. */
  pause?: () => Promise<void>;
  /** Awaited before redemption (e.g. a wave gate). */
  beforeRedeem?: () => Promise<void>;
}

/**
 * Walks an engagement to its target with Updates (forward, reserve, report, redeem). Each step has a
 * stable update ID, so a resend after a crash or an outage is deduplicated by Temporal. A step that is
 * refused as a state conflict is checked against the state: already done is fine (its first send
 * landed), anything else is recorded as a refusal the suite fails on.
 */
export async function drive(e: Engagement, options: DriveOptions = {}): Promise<void> {
  // One date for the reservation and the report, even when the drive runs across midnight (UTC).
  const day = today();
  const steps: { name: EngagementMessage; after: EngagementStatus; payload: () => unknown }[] = [
    {
      name: 'voucherForwarded',
      after: 'FORWARDED',
      payload: () => ({ partnerId: e.partnerId, projectManagerEmail: PM_EMAIL, actor: `partner:${e.partnerId}` }),
    },
    {
      name: 'voucherReserved',
      after: 'RESERVED',
      payload: () => ({ ...reservationToday({ startDate: day, endDate: day }), actor: `partner:${e.partnerId}` }),
    },
    {
      name: 'completionReportSubmitted',
      after: 'REPORT_SUBMITTED',
      payload: () => ({ ...reportFor({ startDate: day }), actor: `partner:${e.partnerId}` }),
    },
    { name: 'voucherRedeemed', after: 'REDEEMED', payload: () => ({ actor: `partner:${e.partnerId}` }) },
  ];
  const stopAfter = e.target === 'PAID' ? 'REDEEMED' : e.target;
  if (e.target === 'ASSIGNED') return;
  for (const step of steps) {
    await options.pause?.();
    if (step.name === 'voucherRedeemed') await options.beforeRedeem?.();
    // Reports are dated by the reservation's day, so a run across midnight still reports inside the window.
    const payload =
      step.name === 'completionReportSubmitted'
        ? {
            ...reportFor({ startDate: (await retryQuery(e.handle)).reservation!.startDate }),
            actor: `partner:${e.partnerId}`,
          }
        : step.payload();
    const outcome = await sendUpdate(e.handle, step.name, payload, { updateId: `${e.voucherId}-${step.name}` });
    if (outcome.tries > 1) e.retriedSends += 1;
    if (!outcome.accepted) e.refusals.push(`${step.name}: ${outcome.type} ${outcome.codes.join(',')}`);
    if (step.after === stopAfter) return;
  }
}

/** A query, retried while the worker or the server is away. */
export async function retryQuery(handle: WorkflowHandle, timeoutMs = 180_000): Promise<EngagementState> {
  return until(
    `a state query of ${handle.workflowId}`,
    () => stateOf(handle),
    () => true,
    { timeoutMs, intervalMs: 300 },
  );
}

// ---------------------------------------------------------------------------------------------
// the verdict: what each engagement ended as, what SAVB holds

export interface Verdict {
  engagements: number;
  redeemed: number;
  paid: number;
  /** Payment requests SAVB holds for the run's vouchers. */
  paymentRequests: number;
  /** Vouchers with more than one payment request (must be 0). */
  duplicatePayments: number;
  /** Engagements whose workflow is gone, failed or terminated (must be 0). */
  lost: number;
  /** Engagements not in their expected status by the deadline (must be 0). */
  wrongState: number;
  problems: string[];
}

/**
 * Waits (bounded) until every engagement is in its expected status, then checks the workflow
 * executions and SAVB's records: one payment request per redeemed voucher, none for the others.
 */
export async function verify(
  stack: ReliabilityStack,
  engagements: Engagement[],
  { timeoutMs = 240_000 } = {},
): Promise<Verdict> {
  const problems: string[] = [];
  const deadline = Date.now() + timeoutMs;
  const finals = new Map<string, EngagementState>();
  let lost = 0;
  let wrongState = 0;
  for (const e of engagements) {
    const expected = e.target;
    try {
      const state = await until(
        `${e.voucherId} to be ${expected}`,
        () => stateOf(e.handle),
        (s) => s.status === expected,
        { timeoutMs: Math.max(5_000, deadline - Date.now()), intervalMs: 500 },
      );
      finals.set(e.voucherId, state);
    } catch (err) {
      wrongState += 1;
      let status = 'unknown';
      try {
        status = await executionStatus(e.handle);
      } catch {
        // gone
      }
      problems.push(
        `${e.voucherId} (target ${expected}, execution ${status}): ${(err as Error).message.slice(0, 600)}`,
      );
    }
    try {
      const status = await executionStatus(e.handle);
      const okStatus = expected === 'PAID' ? ['COMPLETED', 'RUNNING'] : ['RUNNING'];
      if (!okStatus.includes(status)) {
        lost += 1;
        problems.push(`${e.voucherId}: execution ${status}`);
      }
    } catch (err) {
      lost += 1;
      problems.push(`${e.voucherId}: cannot describe (${(err as Error).message})`);
    }
    if (e.refusals.length) problems.push(`${e.voucherId}: refused on the way: ${e.refusals.join('; ')}`);
  }
  const requests = stack.savb.requests();
  let duplicatePayments = 0;
  let paymentRequests = 0;
  for (const e of engagements) {
    const mine = requests.filter((r) => r.voucherId === e.voucherId);
    paymentRequests += mine.length;
    if (mine.length > 1) {
      duplicatePayments += 1;
      problems.push(
        `${e.voucherId}: ${mine.length} payment requests (${mine.map((r) => `${r.referenceNumber}/${r.idempotencyKey}/${r.status}`).join(', ')})`,
      );
    }
    if (e.target === 'PAID') {
      const state = finals.get(e.voucherId);
      if (mine.length === 0) problems.push(`${e.voucherId}: redeemed but SAVB holds no payment request`);
      if (state && mine.length === 1) {
        if (state.invoice?.referenceNumber !== mine[0].referenceNumber)
          problems.push(
            `${e.voucherId}: state says ${state.invoice?.referenceNumber}, SAVB holds ${mine[0].referenceNumber}`,
          );
        if (mine[0].idempotencyKey !== e.voucherId)
          problems.push(`${e.voucherId}: idempotency key ${mine[0].idempotencyKey}`);
        if (mine[0].status !== 'PAID') problems.push(`${e.voucherId}: SAVB status ${mine[0].status}`);
      }
    } else if (mine.length > 0) {
      problems.push(`${e.voucherId}: not redeemed, yet SAVB holds ${mine.length} payment request(s)`);
    }
  }
  const redeemed = engagements.filter((e) => e.target === 'PAID').length;
  return {
    engagements: engagements.length,
    redeemed,
    paid: [...finals.values()].filter((s) => s.status === 'PAID').length,
    paymentRequests,
    duplicatePayments,
    lost,
    wrongState,
    problems,
  };
}

/**
 * Liveness of the engagements left before redemption: each still answers and accepts a message (a
 * back-office cancellation) and then completes as CANCELLED. Returns the ones that did not.
 */
export async function cancelLeftBehind(engagements: Engagement[]): Promise<string[]> {
  const stuck: string[] = [];
  await Promise.all(
    engagements
      .filter((e) => e.target !== 'PAID')
      .map(async (e) => {
        try {
          const outcome = await sendUpdate(
            e.handle,
            'engagementCancelled',
            { reason: 'reliability run over', actor: 'backoffice' },
            { updateId: `${e.voucherId}-cancel`, retryForMs: 60_000 },
          );
          if (!outcome.accepted) throw new Error(`cancellation refused: ${outcome.type} ${outcome.codes.join(',')}`);
          const result = (await e.handle.result()) as { status: string };
          if (result.status !== 'CANCELLED') throw new Error(`ended ${result.status}`);
        } catch (err) {
          stuck.push(`${e.voucherId}: ${(err as Error).message}`);
        }
      }),
  );
  return stuck;
}

/** Counts engagement workflows by a visibility query (eventually consistent: polled until equal). */
export async function visibleCount(
  client: Client,
  query: string,
  expected: number,
  timeoutMs = 30_000,
): Promise<number> {
  try {
    const { count } = await until(
      `${expected} workflows for ${query}`,
      () => client.workflow.count(query),
      (c) => c.count === expected,
      { timeoutMs, intervalMs: 500 },
    );
    return count;
  } catch {
    return (await client.workflow.count(query)).count;
  }
}

// ---------------------------------------------------------------------------------------------
// the fault table: every suite records what it tried and what was lost

export interface FaultRow {
  suite: string;
  fault: string;
  engagements: number;
  redeemed: number;
  paid: number;
  paymentRequests: number;
  duplicatePayments: number;
  lost: number;
  stuck: number;
  wrongState: number;
  injected: string;
  durationS: number;
  seed?: number;
  soak: boolean;
}

const RESULTS_DIR = join(ROOT, 'test', 'reliability', 'results');

export class FaultTable {
  readonly rows: FaultRow[] = [];
  constructor(private readonly file: string) {}

  add(row: Omit<FaultRow, 'soak'>): void {
    this.rows.push({ ...row, soak: SOAK });
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, `${this.file}.json`), `${JSON.stringify(this.rows, null, 2)}\n`);
  }

  print(): void {
    if (this.rows.length) process.stdout.write(`\n${renderTable(this.rows)}\n`);
  }
}

export function renderTable(rows: FaultRow[]): string {
  const header = [
    'suite',
    'fault',
    'engagements',
    'redeemed',
    'paid',
    'payment requests',
    'duplicates',
    'lost',
    'stuck',
    'wrong state',
    'injected',
    's',
  ];
  const lines = rows.map((r) => [
    r.suite,
    r.fault,
    r.engagements,
    r.redeemed,
    r.paid,
    r.paymentRequests,
    r.duplicatePayments,
    r.lost,
    r.stuck,
    r.wrongState,
    r.injected,
    r.durationS,
  ]);
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...lines.map((l) => `| ${l.join(' | ')} |`),
  ].join('\n');
}

export function readAllResults(): FaultRow[] {
  const rows: FaultRow[] = [];
  try {
    for (const file of readdirSync(RESULTS_DIR)) {
      if (!file.endsWith('.json')) continue;
      rows.push(...(JSON.parse(readFileSync(join(RESULTS_DIR, file), 'utf8')) as FaultRow[]));
    }
  } catch {
    // no results yet
  }
  return rows;
}
