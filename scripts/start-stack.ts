// `npm start`: the whole product on embedded defaults, in one terminal, kept running.
//
//   PostgreSQL record store (embedded, data under .data/postgres; none when DATABASE_URL is set)
//   → Temporal dev server (SQLite under .data/, UI on 8233, search attributes registered)
//   → SAVB simulator (fast approval and payment) → worker + API.
//
// Every child's output is prefixed ([temporal] [savb] [worker] [api]); JSON log lines are shown
// compactly (STACK_RAW_LOGS=1 shows them as they are). A child that crashes is restarted with
// backoff while the rest stay up (scripts/stack/supervisor.ts); after 5 crashes of one child within
// 60 s the stack stops everything and exits non-zero. Ctrl-C or SIGTERM stops the API and the worker
// first, then the simulator, then Temporal, and waits for each.
//
// Environment (besides the app's own, see config/env.ts):
//   STACK_DATA_DIR          where state lives (default .data, relative to the repository)
//   STACK_TEMPORAL_PORT     Temporal gRPC port (default 7233)
//   STACK_TEMPORAL_UI_PORT  Temporal UI port (default 8233)
//   STACK_RAW_LOGS=1        print child log lines unchanged
//   STACK_POSTGRES_PORT     the embedded PostgreSQL's port (default 55432)
// PORT, SAVB_SIM_PORT, WORKER_METRICS_PORT, API_TOKENS, SAVB_POLL_INTERVAL,
// SAVB_REGISTRATION_RETRY_INTERVAL, LOG_LEVEL, ... are passed to the children.
import { mkdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ConfigError, loadConfig, type Config } from '../config/env';
import { WORKER_NODE_ARGS } from '../worker/node-options';
import { devSecretsEnv } from './stack/dev-secrets';
import { devTokens, type DevTokens } from './stack/dev-tokens';
import { complain, say, StackError } from './stack/output';
import { checkPorts, portFromEnv } from './stack/ports';
import { embeddedPostgres, postgresAnswers } from './stack/postgres';
import { Supervisor } from './stack/supervisor';
import {
  devServerArgs,
  ensureRetention,
  ensureSearchAttributes,
  ensureTemporalCli,
  temporalAnswers,
  workerPolling,
} from './stack/temporal';

const ROOT = resolve(__dirname, '..');

// Stack defaults: SAVB intervals of seconds so an engagement reaches PAID in about a minute.
const STACK_DEFAULTS: Record<string, string> = {
  SAVB_POLL_INTERVAL: '3s',
  SAVB_REGISTRATION_RETRY_INTERVAL: '5s',
  // Only this machine talks to the simulator (it approves after 1s and pays after 2s by default;
  // SAVB_SIM_APPROVE_AFTER_MS and SAVB_SIM_PAY_AFTER_MS change that).
  SAVB_SIM_HOST: '127.0.0.1',
};

const TIMEOUTS = {
  temporalReady: 90_000,
  savbReady: 60_000,
  workerReady: 180_000,
  apiReady: 90_000,
  stopApiWorker: 40_000,
  stopSavb: 10_000,
  stopTemporal: 20_000,
  postgresReady: 120_000,
  stopPostgres: 30_000,
};

// ---------------------------------------------------------------------------------------------
// stopping

let stopPromise: Promise<never> | undefined;
const supervisor = new Supervisor(ROOT, (message) => {
  complain(message);
  void stopAll(1);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function stopAll(code: number): Promise<never> {
  if (stopPromise) return stopPromise;
  supervisor.beginStop();
  stopPromise = (async () => {
    const children = supervisor.children();
    if (children.some((c) => !c.exit)) say('stopping: api and worker, then savb, then temporal, then postgres ...');
    await supervisor.stop(['api', 'worker'], 'SIGTERM', TIMEOUTS.stopApiWorker);
    await supervisor.stop(['savb'], 'SIGTERM', TIMEOUTS.stopSavb);
    await supervisor.stop(['temporal'], 'SIGTERM', TIMEOUTS.stopTemporal);
    await supervisor.stop(['postgres'], 'SIGTERM', TIMEOUTS.stopPostgres);
    // Let the last lines of their output through.
    await Promise.race([Promise.all(children.map((c) => c.closed)), sleep(1_000)]);
    const exitCode = code === 0 && supervisor.forced ? 1 : code;
    if (children.length > 0) say(exitCode === 0 ? 'stopped; nothing left running.' : 'stopped.');
    process.exit(exitCode);
  })();
  return stopPromise;
}

// Last resort if this script dies with children still running.
process.on('exit', () => supervisor.killAll());

let firstSignalAt = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    const now = Date.now();
    if (!stopPromise) {
      firstSignalAt = now;
      say(`${signal} received (press Ctrl-C again to kill everything at once).`);
      void stopAll(0);
    } else if (now - firstSignalAt > 1_500) {
      // A repeat right after the first is the same Ctrl-C relayed by npm or tsx; later ones mean "now".
      complain('killing everything now.');
      supervisor.killAll();
      process.exit(130);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// settings

interface Settings {
  dataDir: string;
  shownDir: string;
  temporalPort: number;
  uiPort: number;
  temporalAddress: string;
  config: Config;
  /** The environment every child gets. */
  baseEnv: NodeJS.ProcessEnv;
  savbUrl: string;
  postgresPort: number;
}

function dropEmpty(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}

function noteIgnoredAddress(temporalAddress: string, temporalPort: number): void {
  const given = process.env.TEMPORAL_ADDRESS;
  if (given && given !== temporalAddress && given !== `localhost:${temporalPort}`) {
    say(`note: TEMPORAL_ADDRESS=${given} is ignored; the stack runs its own Temporal on ${temporalAddress}.`);
  }
}

/** Everything the children will get, validated before anything starts. */
function settings(): Settings {
  const dataDir = resolve(ROOT, process.env.STACK_DATA_DIR || '.data');
  const temporalPort = portFromEnv('STACK_TEMPORAL_PORT', 7233);
  const uiPort = portFromEnv('STACK_TEMPORAL_UI_PORT', 8233);
  const temporalAddress = `127.0.0.1:${temporalPort}`;
  noteIgnoredAddress(temporalAddress, temporalPort);
  const baseEnv = { ...STACK_DEFAULTS, ...dropEmpty(process.env), TEMPORAL_ADDRESS: temporalAddress };
  let config: Config;
  try {
    config = loadConfig(baseEnv);
  } catch (err) {
    if (err instanceof ConfigError) throw new StackError(err.message);
    throw err;
  }
  const rel = relative(ROOT, dataDir);
  const shownDir = isAbsolute(rel) || rel.startsWith('..') ? dataDir : rel;
  const savbUrl = `http://127.0.0.1:${config.SAVB_SIM_PORT}`;
  const postgresPort = portFromEnv('STACK_POSTGRES_PORT', 55432);
  return { dataDir, shownDir, temporalPort, uiPort, temporalAddress, config, baseEnv, savbUrl, postgresPort };
}

// ---------------------------------------------------------------------------------------------
// the children

async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer().catch(() => undefined);
  return response.ok;
}

async function startTemporal(s: Settings, cli: string): Promise<void> {
  say(`starting Temporal (state in ${join(s.shownDir, 'temporal.sqlite')}) ...`);
  const args = devServerArgs({
    dbFile: join(s.dataDir, 'temporal.sqlite'),
    port: s.temporalPort,
    uiPort: s.uiPort,
    namespace: s.config.TEMPORAL_NAMESPACE,
    codecEndpoint: `http://localhost:${s.config.PORT}/codec`,
  });
  supervisor.start({
    name: 'temporal',
    command: { command: cli, args, env: { ...process.env } },
    ready: () => temporalAnswers(s.temporalAddress),
    readyTimeoutMs: TIMEOUTS.temporalReady,
  });
  await supervisor.waitReady('temporal', `Temporal on ${s.temporalAddress}`);
  await ensureSearchAttributes(cli, s.temporalAddress, s.config.TEMPORAL_NAMESPACE);
  await ensureRetention(cli, s.temporalAddress, s.config.TEMPORAL_NAMESPACE);
}

/** The record store: DATABASE_URL when given, else an embedded PostgreSQL under the data folder. */
async function startRecordStore(s: Settings): Promise<string> {
  if (process.env.DATABASE_URL) {
    say('record store: DATABASE_URL (no embedded PostgreSQL)');
    return process.env.DATABASE_URL;
  }
  say(`starting PostgreSQL, the record store (data in ${join(s.shownDir, 'postgres')}) ...`);
  const postgres = embeddedPostgres(ROOT, s.dataDir, s.postgresPort);
  supervisor.start({
    name: 'postgres',
    command: postgres.command,
    ready: () => postgresAnswers(postgres.url),
    readyTimeoutMs: TIMEOUTS.postgresReady,
  });
  await supervisor.waitReady('postgres', `PostgreSQL on port ${s.postgresPort}`);
  return postgres.url;
}

const tsx = (file: string) => ['--import', 'tsx', join(ROOT, file)];

async function startSavb(s: Settings, env: NodeJS.ProcessEnv): Promise<void> {
  supervisor.start({
    name: 'savb',
    command: { command: process.execPath, args: tsx('savb-simulator/main.ts'), env },
    ready: () => httpOk(`${s.savbUrl}/healthz`),
    readyTimeoutMs: TIMEOUTS.savbReady,
  });
  await supervisor.waitReady('savb', `the SAVB simulator on ${s.savbUrl}`);
}

async function startWorkerAndApi(s: Settings, env: NodeJS.ProcessEnv): Promise<void> {
  const { TEMPORAL_NAMESPACE: namespace, TEMPORAL_TASK_QUEUE: taskQueue, PORT: port } = s.config;
  supervisor.start({
    name: 'worker',
    command: { command: process.execPath, args: [...WORKER_NODE_ARGS, ...tsx('worker/main.ts')], env },
    ready: (pid) => workerPolling(s.temporalAddress, namespace, taskQueue, pid),
    readyTimeoutMs: TIMEOUTS.workerReady,
  });
  supervisor.start({
    name: 'api',
    command: { command: process.execPath, args: tsx('api/main.ts'), env },
    ready: () => httpOk(`http://127.0.0.1:${port}/readyz`),
    readyTimeoutMs: TIMEOUTS.apiReady,
  });
  await Promise.all([
    supervisor.waitReady('worker', `the worker polling task queue ${taskQueue}`),
    supervisor.waitReady('api', `the API on http://localhost:${port}/readyz`),
  ]);
}

function banner(s: Settings, tokens: DevTokens, secrets: NodeJS.ProcessEnv): string {
  const { config } = s;
  const apiUrl = `http://localhost:${config.PORT}`;
  const width = Math.max(...tokens.entries.map((e) => e.role.length));
  return [
    '',
    'ready.',
    `  Temporal UI     http://localhost:${s.uiPort}`,
    `  Temporal gRPC   ${s.temporalAddress} (namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TEMPORAL_TASK_QUEUE})`,
    `  API             ${apiUrl}/v1`,
    `  API docs        ${apiUrl}/docs   (OpenAPI: ${apiUrl}/openapi.json)`,
    `  SAVB simulator  ${s.savbUrl}   (/_admin: Authorization: Bearer ${secrets.SAVB_SIM_ADMIN_TOKEN})`,
    `  codec server    ${apiUrl}/codec   (payloads encrypted; the Temporal UI decodes through it)`,
    `  worker metrics  http://localhost:${config.WORKER_METRICS_PORT}/metrics`,
    `  record store    ${process.env.DATABASE_URL ? 'DATABASE_URL' : `PostgreSQL on port ${s.postgresPort} (${join(s.shownDir, 'postgres')})`}`,
    `  data            ${s.shownDir}/`,
    `  SAVB intervals  poll ${config.SAVB_POLL_INTERVAL}, registration retry ${config.SAVB_REGISTRATION_RETRY_INTERVAL}`,
    `  API tokens (${tokens.source}):`,
    ...tokens.entries.map((e) => `    ${e.role.padEnd(width)}  ${e.token}`),
    `  e.g. curl -H "Authorization: Bearer ${tokens.entries[0]?.token ?? '<token>'}" ${apiUrl}/v1/catalog`,
    'A child that crashes is restarted; Ctrl-C stops everything.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const s = settings();
  await checkPorts([
    { port: s.temporalPort, what: 'Temporal gRPC', env: 'STACK_TEMPORAL_PORT' },
    { port: s.uiPort, what: 'Temporal UI', env: 'STACK_TEMPORAL_UI_PORT' },
    { port: s.config.PORT, what: 'API', env: 'PORT' },
    { port: s.config.SAVB_SIM_PORT, what: 'SAVB simulator', env: 'SAVB_SIM_PORT' },
    { port: s.config.WORKER_METRICS_PORT, what: 'worker metrics', env: 'WORKER_METRICS_PORT' },
    ...(process.env.DATABASE_URL ? [] : [{ port: s.postgresPort, what: 'PostgreSQL', env: 'STACK_POSTGRES_PORT' }]),
  ]);
  const cli = ensureTemporalCli(ROOT);
  mkdirSync(s.dataDir, { recursive: true });
  const tokens = devTokens(s.dataDir);
  const secrets = devSecretsEnv(s.dataDir, s.uiPort);
  const databaseUrl = await startRecordStore(s);
  await startTemporal(s, cli);
  const childEnv: NodeJS.ProcessEnv = {
    ...s.baseEnv,
    SAVB_URL: s.savbUrl,
    SAVB_SIM_DATA_FILE: s.baseEnv.SAVB_SIM_DATA_FILE ?? join(s.dataDir, 'savb.json'),
    API_TOKENS: tokens.apiTokens,
    DATABASE_URL: databaseUrl,
    ...secrets,
  };
  await startSavb(s, childEnv);
  await startWorkerAndApi(s, childEnv);
  say(banner(s, tokens, secrets));
}

main().catch((err) => {
  if (stopPromise) return; // already stopping (a signal, or a child gave up): that path reports and exits
  complain(err instanceof StackError ? err.message : `failed: ${(err as Error).stack ?? String(err)}`);
  void stopAll(1);
});
