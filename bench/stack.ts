// The stack a benchmark runs against, every part a child process of the benchmark so its memory can
// be measured: a Temporal dev server (SQLite file in a temporary directory, search attributes
// registered), the SAVB simulator, the product's worker (worker/main.ts), the product's API
// (api/main.ts) and the floor's worker (bench/floor-worker.ts). Children lead their own process
// group and are stopped by their pid only. Output goes to files in the run's directory.
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client as PgClient } from 'pg';
import { embeddedUrl } from '../records/embedded';
import { postgresDatabaseBytes, procStat, processTreeCpuMs, sqliteBytes, ticksToMs } from './databases';
import { temporalAnswers, workerPolling } from '../scripts/stack/temporal';
import { temporalCliPath } from '../scripts/temporal-binaries';
import { WORKER_NODE_ARGS } from '../worker/node-options';
import { PRODUCTION_SERVER_NAME, startProductionTemporal } from './production-temporal';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/search-attributes';

export const ROOT = resolve(__dirname, '..');

/** Extra command-line arguments from an environment variable (space-separated), for experiments. */
const argsFromEnv = (name: string): string[] => (process.env[name] ?? '').split(/\s+/).filter(Boolean);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  logFile: string;
  exited: Promise<number | null>;
  exit?: number | null;
}

const started: Child[] = [];

/** Starts a child in its own process group, stdout and stderr to `<dir>/<name>.log`. */
export function startChild(dir: string, name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const logFile = join(dir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const proc = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  if (proc.pid === undefined) throw new Error(`${name} could not be started (${command})`);
  const child: Child = {
    name,
    proc,
    pid: proc.pid,
    logFile,
    exited: new Promise((r) => proc.once('exit', (code, signal) => r(code ?? (signal ? 128 : null)))),
  };
  void child.exited.then((code) => (child.exit = code));
  started.push(child);
  return child;
}

export const tsxArgs = (file: string) => ['--import', 'tsx', join(ROOT, file)];

/** Stops a child we started: SIGTERM to its group, SIGKILL after `graceMs`. */
export async function stopChild(child: Child, graceMs = 15_000): Promise<void> {
  if (child.exit !== undefined) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      try {
        process.kill(child.pid, sig);
      } catch {
        // gone
      }
    }
  };
  signal('SIGTERM');
  const timeout = sleep(graceMs).then(() => 'timeout' as const);
  if ((await Promise.race([child.exited, timeout])) === 'timeout') {
    signal('SIGKILL');
    await child.exited;
  }
  const index = started.indexOf(child);
  if (index >= 0) started.splice(index, 1);
}

/** Stopped after every child: servers not started as a Child (the production topology's). */
const afterChildren: (() => Promise<void>)[] = [];

export async function stopAll(): Promise<void> {
  // API and workers first, then the simulator, then Temporal, then the record store.
  const order = (c: Child) =>
    c.name.startsWith('postgres') ? 3 : c.name.startsWith('temporal') ? 2 : c.name.startsWith('savb') ? 1 : 0;
  for (const rank of [0, 1, 2, 3]) await Promise.all(started.filter((c) => order(c) === rank).map((c) => stopChild(c)));
  for (const stop of afterChildren.splice(0)) await stop();
}

// Last resort: never leave our children running.
process.on('exit', () => {
  for (const child of started) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

/** True once PostgreSQL at `url` accepts a connection. */
async function postgresAnswers(url: string): Promise<boolean> {
  const client = new PgClient({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function tail(child: Child, lines = 30): string {
  try {
    return readFileSync(child.logFile, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Polls `check` until true; fails when the child exits or time is up. */
export async function waitFor(
  what: string,
  child: Child | undefined,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exit !== undefined)
      throw new Error(`${child.name} exited (code ${child.exit}) before ${what}; its log:\n${tail(child)}`);
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(
    `${what}: not ready within ${timeoutMs / 1000}s${child ? `; ${child.name} log:\n${tail(child)}` : ''}`,
  );
}

// ---------------------------------------------------------------------------------------------
// memory

export interface RssSample {
  /** Highest VmRSS seen by the sampler since the last reset, MiB. */
  peakMiB: number;
  /** The last VmRSS read, MiB. */
  lastMiB: number;
  /** VmHWM: the kernel's peak RSS over the process's whole life (start-up included), MiB. */
  hwmMiB: number;
}

function readStatusKiB(pid: number, field: string): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Samples VmRSS of some pids every `intervalMs`; peaks are per pid name. */
export class RssSampler {
  private peaks = new Map<string, number>();
  private last = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  constructor(
    private readonly pids: () => Record<string, number | undefined>,
    private readonly intervalMs = 200,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }

  reset(): void {
    this.peaks.clear();
    this.sample();
  }

  sample(): void {
    for (const [name, pid] of Object.entries(this.pids())) {
      if (pid === undefined) continue;
      const kib = readStatusKiB(pid, 'VmRSS');
      if (kib === undefined) continue;
      this.last.set(name, kib);
      this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, kib));
    }
  }

  get(name: string): RssSample | undefined {
    const pid = this.pids()[name];
    const peak = this.peaks.get(name);
    if (pid === undefined || peak === undefined) return undefined;
    const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10;
    return {
      peakMiB: mib(peak),
      lastMiB: mib(this.last.get(name) ?? 0),
      hwmMiB: mib(readStatusKiB(pid, 'VmHWM') ?? 0),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// the stack

export interface StackOptions {
  /** Extra environment for the worker and the API (e.g. SAVB_POLL_INTERVAL). */
  env?: Record<string, string>;
  /** The product's worker entry (default worker/main.ts). */
  workerEntry?: string;
  /** Start the floor's worker (default true). */
  floor?: boolean;
  /** In-memory Temporal instead of a SQLite file. */
  inMemory?: boolean;
  /** Partners that get a token. */
  partnerIds: string[];
  /** The dev server (default), or the production topology with the compiled product (bench/production-temporal.ts). */
  server?: 'dev' | 'production';
  log?: (message: string) => void;
}

export interface Stack {
  dir: string;
  temporalAddress: string;
  namespace: string;
  /** What the JSON line names as the server measured. */
  serverName: string;
  temporalPid(): number | undefined;
  postgresPid(): number | undefined;
  databaseBytes(): Promise<Record<string, number>>;
  apiUrl: string;
  savbUrl: string;
  workerMetricsUrl: string;
  tokens: { backoffice: string; operator: string; partners: Record<string, string> };
  savb?: Child;
  worker?: Child;
  api?: Child;
  floorWorker?: Child;
  /** Environment the product's worker was started with (to restart it). */
  workerEnv: NodeJS.ProcessEnv;
  workerEntry: string;
  restartWorker(): Promise<void>;
  stop(): Promise<void>;
}

export const FLOOR_TASK_QUEUE = 'bench-floor';

// The readiness probes are the ones npm start uses (scripts/stack/temporal.ts).
export { workerPolling };

async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer().catch(() => undefined);
  return response.ok;
}

export function makeTokens(partnerIds: string[]): Stack['tokens'] {
  const stamp = Date.now().toString(36);
  return {
    backoffice: `bench-backoffice-${stamp}-0001`,
    operator: `bench-operator-${stamp}-00001`,
    partners: Object.fromEntries(
      partnerIds.map((id, i) => [id, `bench-partner-${stamp}-${String(i).padStart(5, '0')}`]),
    ),
  };
}

export function apiTokensOf(tokens: Stack['tokens']): string {
  return [
    `${tokens.backoffice}=backoffice`,
    `${tokens.operator}=operator`,
    ...Object.entries(tokens.partners).map(([id, token]) => `${token}=partner:${id}`),
  ].join(',');
}

interface StackTemporal {
  temporalAddress: string;
  namespace: string;
  databaseUrl: string;
  serverName: string;
  temporalPid(): number | undefined;
  /** The record store's PostgreSQL (on the production topology also Temporal's): the root of its processes. */
  postgresPid(): number | undefined;
  /** Bytes on disk of each database: Temporal's (SQLite file or PostgreSQL databases) and the record store's. */
  databaseBytes(): Promise<Record<string, number>>;
}

/** The dev server (a SQLite file, or in memory) and the embedded record store, as `npm start` runs them. */
async function devTemporal(
  dir: string,
  options: StackOptions,
  temporalPort: number,
  postgresPort: number,
): Promise<StackTemporal> {
  const temporalAddress = `127.0.0.1:${temporalPort}`;
  const sqliteFile = join(dir, 'temporal.sqlite');
  const temporal = startChild(
    dir,
    'temporal',
    temporalCliPath(),
    [
      'server',
      'start-dev',
      '--headless',
      ...(options.inMemory ? [] : ['--db-filename', sqliteFile]),
      '--ip',
      '127.0.0.1',
      '--port',
      String(temporalPort),
      '--log-level',
      'error',
      '--dynamic-config-value',
      'frontend.enableExecuteMultiOperation=true',
      ...Object.entries(SEARCH_ATTRIBUTE_TYPES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
      ...argsFromEnv('BENCH_TEMPORAL_ARGS'),
    ],
    { ...process.env },
  );
  await waitFor(`Temporal on ${temporalAddress}`, temporal, 90_000, () => temporalAnswers(temporalAddress));
  // The record store the worker writes and the API reads (records/), embedded as in `npm start`.
  const postgres = startChild(
    dir,
    'postgres',
    process.execPath,
    [join(ROOT, 'records', 'embedded-server.mjs'), join(dir, 'postgres'), String(postgresPort)],
    { ...process.env },
  );
  const databaseUrl = embeddedUrl(postgresPort);
  await waitFor('PostgreSQL', postgres, 120_000, () => postgresAnswers(databaseUrl));
  return {
    temporalAddress,
    namespace: 'default',
    databaseUrl,
    serverName: options.inMemory ? 'dev server (in memory)' : 'dev server (SQLite file)',
    temporalPid: () => temporal.pid,
    postgresPid: () => postgres.pid,
    async databaseBytes() {
      const records = await postgresDatabaseBytes(databaseUrl);
      return options.inMemory ? records : { ...records, 'temporal.sqlite': sqliteBytes(sqliteFile) };
    },
  };
}

/** The production topology (bench/production-temporal.ts), stopped after the product's processes. */
async function productionTemporal(dir: string, log: (message: string) => void): Promise<StackTemporal> {
  const production = await startProductionTemporal(dir, log);
  afterChildren.push(() => production.stop());
  return {
    temporalAddress: production.address,
    namespace: production.namespace,
    databaseUrl: production.databaseUrl,
    serverName: PRODUCTION_SERVER_NAME,
    temporalPid: () => production.temporalPid(),
    postgresPid: () => production.postgresPid(),
    databaseBytes: () => postgresDatabaseBytes(production.postgresAdminUrl),
  };
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'pso-bench-'));
  const [temporalPort, apiPort, savbPort, metricsPort, floorMetricsPort, postgresPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const tokens = makeTokens(options.partnerIds);
  const temporal =
    options.server === 'production'
      ? await productionTemporal(dir, options.log ?? (() => undefined))
      : await devTemporal(dir, options, temporalPort, postgresPort);
  const { temporalAddress, namespace, databaseUrl } = temporal;
  // The production topology runs the compiled product (npm run worker / api / savb-sim), the dev one tsx.
  const entry = (file: string) =>
    options.server === 'production' ? [join(ROOT, 'dist', file.replace(/\.ts$/, '.js'))] : tsxArgs(file);

  const savbUrl = `http://127.0.0.1:${savbPort}`;
  // The simulator's /_admin needs a token (bench.ts registers partners there with it).
  process.env.SAVB_SIM_ADMIN_TOKEN ||= randomBytes(24).toString('base64url');
  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: namespace,
    SAVB_URL: savbUrl,
    SAVB_SIM_PORT: String(savbPort),
    SAVB_SIM_HOST: '127.0.0.1',
    SAVB_SIM_APPROVE_AFTER_MS: '0',
    SAVB_SIM_PAY_AFTER_MS: '0',
    SAVB_SIM_DATA_FILE: '',
    SAVB_POLL_INTERVAL: '1s',
    SAVB_REGISTRATION_RETRY_INTERVAL: '1s',
    PORT: String(apiPort),
    API_TOKENS: apiTokensOf(tokens),
    API_RATE_LIMIT: '0', // the bench measures throughput, far above one token's limit
    WORKER_METRICS_PORT: String(metricsPort),
    NOTIFY_WEBHOOK_URL: '',
    NOTIFY_WEBHOOK_SECRET: '',
    ...options.env,
  };
  const savb = startChild(dir, 'savb', process.execPath, entry('savb-simulator/main.ts'), {
    ...baseEnv,
    LOG_LEVEL: 'warn',
  });
  await waitFor(`the SAVB simulator on ${savbUrl}`, savb, 60_000, () => httpOk(`${savbUrl}/healthz`));

  if (options.workerEntry && options.server === 'production')
    throw new Error('--worker-entry runs with tsx on the dev server only; the production topology runs dist/');
  const workerEntry = options.workerEntry ?? 'worker/main.ts';
  const workerEnv = { ...baseEnv };
  // The worker runs as shipped (WORKER_NODE_ARGS); BENCH_WORKER_NODE_ARGS (e.g. "--cpu-prof
  // --cpu-prof-dir=/tmp/prof") are added for the product's worker only.
  const workerArgs = [...WORKER_NODE_ARGS, ...argsFromEnv('BENCH_WORKER_NODE_ARGS'), ...entry(workerEntry)];
  const stack: Stack = {
    dir,
    temporalAddress,
    namespace,
    serverName: temporal.serverName,
    temporalPid: temporal.temporalPid,
    postgresPid: temporal.postgresPid,
    databaseBytes: temporal.databaseBytes,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    savbUrl,
    workerMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    tokens,
    savb,
    workerEnv,
    workerEntry,
    async restartWorker() {
      if (stack.worker) await stopChild(stack.worker, 40_000);
      stack.worker = startChild(dir, 'worker', process.execPath, workerArgs, workerEnv);
      const worker = stack.worker;
      await waitFor('the worker polling', worker, 180_000, () =>
        workerPolling(temporalAddress, namespace, 'planning-services', worker.pid),
      );
    },
    async stop() {
      await stopAll();
    },
  };
  try {
    stack.worker = startChild(dir, 'worker', process.execPath, workerArgs, workerEnv);
    // BENCH_API_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof-api") go to the API's node.
    const apiArgs = [...argsFromEnv('BENCH_API_NODE_ARGS'), ...entry('api/main.ts')];
    stack.api = startChild(dir, 'api', process.execPath, apiArgs, baseEnv);
    if (options.floor !== false) {
      stack.floorWorker = startChild(dir, 'floor-worker', process.execPath, tsxArgs('bench/floor-worker.ts'), {
        ...baseEnv,
        WORKER_METRICS_PORT: String(floorMetricsPort),
        BENCH_FLOOR_TASK_QUEUE: FLOOR_TASK_QUEUE,
      });
    }
    const worker = stack.worker;
    const floorWorker = stack.floorWorker;
    await Promise.all([
      waitFor('the worker polling', worker, 180_000, () =>
        workerPolling(temporalAddress, namespace, 'planning-services', worker.pid),
      ),
      waitFor('the API ready', stack.api, 90_000, () => httpOk(`${stack.apiUrl}/readyz`)),
      floorWorker
        ? waitFor('the floor worker polling', floorWorker, 180_000, () =>
            workerPolling(temporalAddress, namespace, FLOOR_TASK_QUEUE, floorWorker.pid),
          )
        : Promise.resolve(),
    ]);
  } catch (err) {
    await stopAll();
    throw err;
  }
  return stack;
}

// ---------------------------------------------------------------------------------------------
// CPU

/** CPU time (user + system, all threads) of a process so far, in ms; undefined when it is gone. */
export function cpuMs(pid: number): number | undefined {
  const stat = procStat(pid);
  return stat && ticksToMs(stat.ownTicks);
}

/**
 * Accumulates the CPU time processes spend inside measured phases, per phase and process; `trees`
 * are measured with their descendants (PostgreSQL's processes are its postmaster's children).
 */
export class CpuMeter {
  private readonly totals = new Map<string, Map<string, number>>();
  constructor(
    private readonly pids: () => Record<string, number | undefined>,
    private readonly trees: () => Record<string, number | undefined> = () => ({}),
  ) {}

  private snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids())) {
      if (pid === undefined) continue;
      const ms = cpuMs(pid);
      if (ms !== undefined) out[name] = ms;
    }
    for (const [name, pid] of Object.entries(this.trees())) {
      const ms = pid === undefined ? undefined : processTreeCpuMs(pid);
      if (ms !== undefined) out[name] = ms;
    }
    const self = process.cpuUsage();
    out.bench = (self.user + self.system) / 1000;
    return out;
  }

  async measure<T>(phase: string, fn: () => Promise<T>): Promise<T> {
    const before = this.snapshot();
    try {
      return await fn();
    } finally {
      const after = this.snapshot();
      let totals = this.totals.get(phase);
      if (!totals) this.totals.set(phase, (totals = new Map()));
      for (const [name, ms] of Object.entries(after)) {
        if (before[name] === undefined) continue;
        totals.set(name, (totals.get(name) ?? 0) + ms - before[name]);
      }
    }
  }

  /** CPU ms per unit of work in a phase, per process, and their sum. */
  perUnit(phase: string, units: number): Record<string, number> {
    const totals = this.totals.get(phase) ?? new Map<string, number>();
    const out: Record<string, number> = {};
    let sum = 0;
    for (const [name, ms] of totals) {
      out[name] = Math.round((ms / Math.max(1, units)) * 10) / 10;
      sum += ms;
    }
    out.total = Math.round((sum / Math.max(1, units)) * 10) / 10;
    return out;
  }
}
