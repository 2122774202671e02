// `npm start`: the whole product on embedded defaults, in one terminal.
//
//   Temporal dev server (SQLite under .data/, UI on 8233, search attributes registered)
//   → SAVB simulator (fast approval and payment) → worker + API.
//
// Every child's output is prefixed ([temporal] [savb] [worker] [api]); JSON log lines are shown
// compactly (STACK_RAW_LOGS=1 shows them as they are). Ctrl-C or SIGTERM stops the API and the
// worker first, then the simulator, then Temporal, and waits for each; if a child dies on its own,
// the rest are stopped and the stack exits non-zero.
//
// Environment (besides the app's own, see config/env.ts):
//   STACK_DATA_DIR          where state lives (default .data, relative to the repository)
//   STACK_TEMPORAL_PORT     Temporal gRPC port (default 7233)
//   STACK_TEMPORAL_UI_PORT  Temporal UI port (default 8233)
//   STACK_RAW_LOGS=1        print child log lines unchanged
// PORT, SAVB_SIM_PORT, WORKER_METRICS_PORT, API_TOKENS, SAVB_POLL_INTERVAL,
// SAVB_REGISTRATION_RETRY_INTERVAL, LOG_LEVEL, ... are passed to the children.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { parseTokens as parseApiTokens, TokenConfigError } from '../api/auth';
import { ConfigError, loadConfig, type Config } from '../config/env';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/search-attributes';
import { WORKER_NODE_ARGS } from '../worker/node-options';
import { newPayloadKey } from '../worker/payload-codec';
import { temporalCliPath } from './temporal-binaries';

const ROOT = resolve(__dirname, '..');
const execFileAsync = promisify(execFile);

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
};

// ---------------------------------------------------------------------------------------------
// output

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const COLORS: Record<string, string> = { stack: '1', temporal: '35', savb: '33', worker: '36', api: '32' };
const rawLogs = process.env.STACK_RAW_LOGS === '1' || process.env.STACK_RAW_LOGS === 'true';

function prefix(name: string): string {
  const label = `[${name}]`.padEnd(10);
  return useColor ? `\x1b[${COLORS[name] ?? '0'}m${label}\x1b[0m` : label;
}

function say(message: string): void {
  for (const line of message.split('\n')) process.stdout.write(`${prefix('stack')} ${line}\n`);
}

function complain(message: string): void {
  for (const line of message.split('\n')) process.stderr.write(`${prefix('stack')} ${line}\n`);
}

const PINO_LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** A pino/JSON log line as `12:00:01.123 INFO  message {fields}`; anything else unchanged. */
export function formatLogLine(line: string): string {
  if (rawLogs || !line.startsWith('{')) return line;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (typeof entry.msg !== 'string') return line;
    const { time, level, msg, pid: _pid, hostname: _hostname, service: _service, ...rest } = entry;
    const when =
      typeof time === 'string'
        ? time.slice(11, 23)
        : typeof time === 'number'
          ? new Date(time).toISOString().slice(11, 23)
          : '';
    const levelName =
      typeof level === 'number' ? (PINO_LEVELS[level] ?? String(level)) : String(level ?? '').toUpperCase();
    const fields = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
    return `${when} ${levelName.padEnd(5)} ${msg}${fields}`;
  } catch {
    return line;
  }
}

// ---------------------------------------------------------------------------------------------
// children

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Child {
  name: string;
  proc: ChildProcess;
  exit?: Exit;
  exited: Promise<Exit>;
  /** Its output pipes are drained. */
  closed: Promise<void>;
}

const children: Child[] = [];
let stopping = false;

function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Child {
  // Each child leads its own process group: a Ctrl-C in the terminal reaches only this script,
  // which then stops the children in order (and can signal a child's whole group).
  const proc = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let resolveExit!: (exit: Exit) => void;
  const child: Child = {
    name,
    proc,
    exited: new Promise<Exit>((r) => (resolveExit = r)),
    closed: new Promise<void>((r) => proc.once('close', () => r())),
  };
  const pipe = (stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream) => {
    if (!stream) return;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      for (const part of formatLogLine(line).split('\n')) out.write(`${prefix(name)} ${part}\n`);
    });
  };
  pipe(proc.stdout, process.stdout);
  pipe(proc.stderr, process.stderr);
  const finished = (exit: Exit) => {
    if (child.exit) return;
    child.exit = exit;
    resolveExit(exit);
    if (!stopping) {
      complain(`${name} exited unexpectedly (${describeExit(exit)}); stopping the rest.`);
      void stopAll(1);
    }
  };
  proc.on('exit', (code, signal) => finished({ code, signal }));
  proc.on('error', (err) => {
    complain(`${name} could not be started: ${err.message}`);
    finished({ code: 127, signal: null });
  });
  children.push(child);
  return child;
}

function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

function signalGroup(child: Child, signal: NodeJS.Signals): void {
  const pid = child.proc.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      child.proc.kill(signal);
    } catch {
      // already gone
    }
  }
}

function groupAlive(child: Child): boolean {
  const pid = child.proc.pid;
  if (pid === undefined) return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stop(names: string[], signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  const targets = children.filter((c) => names.includes(c.name));
  await Promise.all(
    targets.map(async (child) => {
      if (!child.exit) {
        signalGroup(child, signal);
        const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
        if ((await Promise.race([child.exited, timer])) === 'timeout') {
          complain(`${child.name} did not stop within ${timeoutMs / 1000}s; killing it.`);
          forced = true;
          signalGroup(child, 'SIGKILL');
          await child.exited;
        }
      }
      // Anything the child left behind in its process group goes too.
      if (groupAlive(child)) signalGroup(child, 'SIGKILL');
    }),
  );
}

let stopPromise: Promise<never> | undefined;
let forced = false;

function stopAll(code: number): Promise<never> {
  if (stopPromise) return stopPromise;
  stopping = true;
  stopPromise = (async () => {
    if (children.some((c) => !c.exit)) say('stopping: api and worker, then savb, then temporal ...');
    await stop(['api', 'worker'], 'SIGTERM', TIMEOUTS.stopApiWorker);
    await stop(['savb'], 'SIGTERM', TIMEOUTS.stopSavb);
    await stop(['temporal'], 'SIGTERM', TIMEOUTS.stopTemporal);
    // Let the last lines of their output through.
    await Promise.race([Promise.all(children.map((c) => c.closed)), sleep(1_000)]);
    const exitCode = code === 0 && forced ? 1 : code;
    if (children.length > 0) say(exitCode === 0 ? 'stopped; nothing left running.' : 'stopped.');
    process.exit(exitCode);
  })();
  return stopPromise;
}

// Last resort if this script dies with children still running.
process.on('exit', () => {
  for (const child of children) if (!child.exit || groupAlive(child)) signalGroup(child, 'SIGKILL');
});

let firstSignalAt = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    const now = Date.now();
    if (!stopping) {
      firstSignalAt = now;
      say(`${signal} received (press Ctrl-C again to kill everything at once).`);
      void stopAll(0);
    } else if (now - firstSignalAt > 1_500) {
      // A repeat right after the first is the same Ctrl-C relayed by npm or tsx; later ones mean "now".
      complain('killing everything now.');
      for (const child of children) signalGroup(child, 'SIGKILL');
      process.exit(130);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// waiting

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true, the child exits, or the time is up. */
async function waitFor(what: string, child: Child, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exit || stopping) throw new StackError(`${child.name} stopped before ${what}.`);
    if (await check().catch(() => false)) return;
    await sleep(250);
  }
  throw new StackError(`${what}: no answer within ${timeoutMs / 1000}s.`);
}

async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer().catch(() => undefined);
  return response.ok;
}

class StackError extends Error {}

// ---------------------------------------------------------------------------------------------
// ports

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen({ port, exclusive: true }, () => server.close(() => resolvePort(true)));
  });
}

/** What listens on a TCP port: "pid 123: node api/main.ts", best effort (Linux /proc, then lsof). */
function portUser(port: number): string | undefined {
  try {
    const inodes = new Set<string>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      if (!existsSync(table)) continue;
      for (const row of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const cols = row.trim().split(/\s+/);
        if (cols.length < 10 || cols[3] !== '0A') continue; // 0A = LISTEN
        if (parseInt(cols[1].split(':').pop() ?? '', 16) === port) inodes.add(cols[9]);
      }
    }
    if (inodes.size > 0) {
      for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
        let fds: string[];
        try {
          fds = readdirSync(`/proc/${pid}/fd`);
        } catch {
          continue;
        }
        for (const fd of fds) {
          let link = '';
          try {
            link = readlinkSync(`/proc/${pid}/fd/${fd}`);
          } catch {
            continue;
          }
          const match = /^socket:\[(\d+)\]$/.exec(link);
          if (match && inodes.has(match[1])) {
            const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
            return `pid ${pid}: ${cmd.length > 160 ? `${cmd.slice(0, 157)}...` : cmd}`;
          }
        }
      }
      return 'a process of another user (try `sudo lsof -i :' + port + '`)';
    }
  } catch {
    // not Linux, or /proc not readable
  }
  try {
    const out = execFileSync('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const pid = /^p(\d+)$/m.exec(out)?.[1];
    const cmd = /^c(.+)$/m.exec(out)?.[1];
    if (pid) return `pid ${pid}: ${cmd ?? '?'}`;
  } catch {
    // no lsof
  }
  return undefined;
}

async function checkPorts(ports: Array<{ port: number; what: string; env: string }>): Promise<void> {
  const seen = new Map<number, string>();
  for (const p of ports) {
    const other = seen.get(p.port);
    if (other) throw new StackError(`${p.env} and ${other} are both ${p.port}; give each its own port.`);
    seen.set(p.port, p.env);
  }
  const busy: string[] = [];
  for (const p of ports) {
    if (await portFree(p.port)) continue;
    const user = portUser(p.port);
    busy.push(`  port ${p.port} (${p.what}, ${p.env}) is in use${user ? ` by ${user}` : ''}`);
  }
  if (busy.length > 0) {
    throw new StackError(
      `cannot start, ports in use:\n${busy.join('\n')}\n` +
        'Stop what uses them (an earlier `npm start`?) or choose other ports with the variables named.',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// binaries, tokens, search attributes

function ensureTemporalCli(): string {
  if (!process.env.TEMPORAL_CLI_PATH) {
    try {
      execFileSync(process.execPath, [join(ROOT, 'scripts', 'install-temporal.mjs')], { stdio: 'inherit', cwd: ROOT });
    } catch {
      complain('installing the Temporal binaries failed; looking for an existing `temporal` CLI instead.');
    }
  }
  try {
    return temporalCliPath();
  } catch (err) {
    throw new StackError((err as Error).message);
  }
}

interface DevTokens {
  apiTokens: string;
  source: string;
  entries: Array<{ role: string; token: string }>;
}

function parseTokens(apiTokens: string): Array<{ role: string; token: string }> {
  return apiTokens
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf('=');
      return { token: entry.slice(0, at), role: entry.slice(at + 1) };
    });
}

// The partner of the README's walkthrough.
export const DEV_PARTNER_ID = 'P-CONTOSO';

function devTokens(dataDir: string): DevTokens {
  if (process.env.API_TOKENS) {
    try {
      parseApiTokens(process.env.API_TOKENS); // the API's own check, before anything starts
    } catch (err) {
      if (err instanceof TokenConfigError) throw new StackError(err.message);
      throw err;
    }
    return { apiTokens: process.env.API_TOKENS, source: 'API_TOKENS', entries: parseTokens(process.env.API_TOKENS) };
  }
  const file = join(dataDir, 'dev-tokens.json');
  if (existsSync(file)) {
    try {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as { apiTokens?: unknown };
      if (typeof stored.apiTokens === 'string' && stored.apiTokens) {
        return { apiTokens: stored.apiTokens, source: file, entries: parseTokens(stored.apiTokens) };
      }
    } catch {
      // regenerate below
    }
  }
  const make = () => `dev-${randomBytes(18).toString('base64url')}`;
  const entries = [
    { role: 'backoffice', token: make() },
    { role: 'operator', token: make() },
    { role: `partner:${DEV_PARTNER_ID}`, token: make() },
  ];
  const apiTokens = entries.map((e) => `${e.token}=${e.role}`).join(',');
  writeFileSync(
    file,
    `${JSON.stringify({ note: 'Development tokens of `npm start`; set API_TOKENS to use others.', apiTokens, tokens: entries }, null, 2)}\n`,
    { mode: 0o600 },
  );
  return { apiTokens, source: `${file} (new)`, entries };
}

/**
 * The stack's secrets besides the tokens, generated once into .data/dev-secrets.json and kept: the
 * payload encryption key (the Temporal state under .data/ is encrypted with it; losing it makes those
 * workflows unreadable) and the SAVB simulator's admin token. PAYLOAD_KEYS or SAVB_SIM_ADMIN_TOKEN
 * in the environment win. Plus the settings that let the dev server's UI decode through the API.
 */
function devSecretsEnv(dataDir: string, uiPort: number): NodeJS.ProcessEnv {
  const file = join(dataDir, 'dev-secrets.json');
  let stored: { payloadKeys?: string; savbAdminToken?: string } = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as typeof stored;
  if (!stored.payloadKeys || !stored.savbAdminToken) {
    stored = {
      payloadKeys: stored.payloadKeys ?? newPayloadKey('dev-1'),
      savbAdminToken: stored.savbAdminToken ?? `dev-${randomBytes(18).toString('base64url')}`,
    };
    const note =
      'Secrets of `npm start`: keep this file as long as .data/temporal.sqlite (its payloads are encrypted with payloadKeys).';
    writeFileSync(file, `${JSON.stringify({ note, ...stored }, null, 2)}\n`, { mode: 0o600 });
  }
  return {
    PAYLOAD_KEYS: process.env.PAYLOAD_KEYS || stored.payloadKeys,
    SAVB_SIM_ADMIN_TOKEN: process.env.SAVB_SIM_ADMIN_TOKEN || stored.savbAdminToken,
    CODEC_CORS_ORIGINS: process.env.CODEC_CORS_ORIGINS || `http://localhost:${uiPort},http://127.0.0.1:${uiPort}`,
    // The dev server's UI has no login to pass on: the codec answers this machine without a token.
    CODEC_ALLOW_LOCAL_UNAUTHENTICATED: process.env.CODEC_ALLOW_LOCAL_UNAUTHENTICATED || 'true',
  };
}

const INDEXED_TYPE: Record<string, string> = {
  INDEXED_VALUE_TYPE_TEXT: 'Text',
  INDEXED_VALUE_TYPE_KEYWORD: 'Keyword',
  INDEXED_VALUE_TYPE_INT: 'Int',
  INDEXED_VALUE_TYPE_DOUBLE: 'Double',
  INDEXED_VALUE_TYPE_BOOL: 'Bool',
  INDEXED_VALUE_TYPE_DATETIME: 'Datetime',
  INDEXED_VALUE_TYPE_KEYWORD_LIST: 'KeywordList',
};

/**
 * `start-dev --search-attribute` registers attributes only when it creates the database; on an
 * existing .data/temporal.sqlite new ones are ignored. So: list them, create what is missing.
 */
async function ensureSearchAttributes(cli: string, address: string, namespace: string): Promise<void> {
  const common = ['--address', address, '--namespace', namespace];
  const { stdout } = await execFileAsync(cli, ['operator', 'search-attribute', 'list', ...common, '-o', 'json']);
  const existing = (JSON.parse(stdout) as { customAttributes?: Record<string, string> }).customAttributes ?? {};
  const missing = new Map<string, string[]>();
  const wrong: string[] = [];
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES)) {
    const have = existing[name];
    if (have === undefined) missing.set(type, [...(missing.get(type) ?? []), name]);
    else if ((INDEXED_TYPE[have] ?? have) !== type)
      wrong.push(`${name} is ${INDEXED_TYPE[have] ?? have}, expected ${type}`);
  }
  if (wrong.length > 0) {
    throw new StackError(
      `search attributes with the wrong type in namespace ${namespace}: ${wrong.join('; ')}. Delete the data directory or fix them with \`temporal operator search-attribute\`.`,
    );
  }
  for (const [type, names] of missing) {
    await execFileAsync(cli, [
      'operator',
      'search-attribute',
      'create',
      ...common,
      '--type',
      type,
      ...names.flatMap((n) => ['--name', n]),
    ]);
    say(`registered search attributes ${names.join(', ')} (${type}).`);
  }
}

const RETENTION_DAYS = 30;

/** The dev server keeps closed workflows 1 day; an engagement walked to PAID should outlive that. */
async function ensureRetention(cli: string, address: string, namespace: string): Promise<void> {
  const common = ['--address', address, '--namespace', namespace];
  const { stdout } = await execFileAsync(cli, ['operator', 'namespace', 'describe', ...common, '-o', 'json']);
  const seconds = Number(/"workflowExecutionRetentionTtl":\s*"(\d+)s"/.exec(stdout)?.[1] ?? NaN);
  if (Number.isFinite(seconds) && seconds >= RETENTION_DAYS * 86_400) return;
  await execFileAsync(cli, ['operator', 'namespace', 'update', ...common, '--retention', `${RETENTION_DAYS * 24}h`]);
  say(`namespace ${namespace}: closed workflows are kept ${RETENTION_DAYS} days (the dev server's default is 1).`);
}

async function temporalAnswers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

/** True once this worker process (SDK identity `<pid>@<host>`) polls the workflow task queue. */
async function workerPolling(
  address: string,
  namespace: string,
  taskQueue: string,
  pid: number | undefined,
): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
    });
    return (pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`));
  } finally {
    await connection.close();
  }
}

// ---------------------------------------------------------------------------------------------
// main

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new StackError(`${name} must be a port number, not "${raw}".`);
  return port;
}

async function main(): Promise<void> {
  const dataDir = resolve(ROOT, process.env.STACK_DATA_DIR || '.data');
  const temporalPort = portFromEnv('STACK_TEMPORAL_PORT', 7233);
  const uiPort = portFromEnv('STACK_TEMPORAL_UI_PORT', 8233);
  const temporalAddress = `127.0.0.1:${temporalPort}`;

  if (
    process.env.TEMPORAL_ADDRESS &&
    process.env.TEMPORAL_ADDRESS !== temporalAddress &&
    process.env.TEMPORAL_ADDRESS !== `localhost:${temporalPort}`
  ) {
    say(
      `note: TEMPORAL_ADDRESS=${process.env.TEMPORAL_ADDRESS} is ignored; the stack runs its own Temporal on ${temporalAddress}.`,
    );
  }

  // Validate the configuration every child will get before starting anything.
  const baseEnv: NodeJS.ProcessEnv = {
    ...STACK_DEFAULTS,
    ...dropEmpty(process.env),
    TEMPORAL_ADDRESS: temporalAddress,
  };
  let config: Config;
  try {
    config = loadConfig(baseEnv);
  } catch (err) {
    if (err instanceof ConfigError) throw new StackError(err.message);
    throw err;
  }
  const savbUrl = `http://127.0.0.1:${config.SAVB_SIM_PORT}`;

  await checkPorts([
    { port: temporalPort, what: 'Temporal gRPC', env: 'STACK_TEMPORAL_PORT' },
    { port: uiPort, what: 'Temporal UI', env: 'STACK_TEMPORAL_UI_PORT' },
    { port: config.PORT, what: 'API', env: 'PORT' },
    { port: config.SAVB_SIM_PORT, what: 'SAVB simulator', env: 'SAVB_SIM_PORT' },
    { port: config.WORKER_METRICS_PORT, what: 'worker metrics', env: 'WORKER_METRICS_PORT' },
  ]);

  const cli = ensureTemporalCli();
  mkdirSync(dataDir, { recursive: true });
  const tokens = devTokens(dataDir);
  const secrets = devSecretsEnv(dataDir, uiPort);
  const shownDir =
    isAbsolute(relative(ROOT, dataDir)) || relative(ROOT, dataDir).startsWith('..') ? dataDir : relative(ROOT, dataDir);

  // 1. Temporal
  say(`starting Temporal (state in ${join(shownDir, 'temporal.sqlite')}) ...`);
  const temporalArgs = [
    'server',
    'start-dev',
    '--db-filename',
    join(dataDir, 'temporal.sqlite'),
    // Write-ahead log: about 1.8x the stack's throughput (BENCHMARKS.md). A crash of the process loses
    // nothing committed; a power cut may lose the last transactions, never the file.
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    '--ip',
    '127.0.0.1',
    '--port',
    String(temporalPort),
    '--ui-port',
    String(uiPort),
    '--ui-disable-news-fetch',
    '--ui-codec-endpoint',
    `http://localhost:${config.PORT}/codec`,
    '--log-level',
    'error',
    ...(config.TEMPORAL_NAMESPACE !== 'default' ? ['--namespace', config.TEMPORAL_NAMESPACE] : []),
    ...Object.entries(SEARCH_ATTRIBUTE_TYPES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  const temporal = start('temporal', cli, temporalArgs, { ...process.env });
  await waitFor(`Temporal on ${temporalAddress}`, temporal, TIMEOUTS.temporalReady, () =>
    temporalAnswers(temporalAddress),
  );
  await ensureSearchAttributes(cli, temporalAddress, config.TEMPORAL_NAMESPACE);
  await ensureRetention(cli, temporalAddress, config.TEMPORAL_NAMESPACE);

  // 2. SAVB simulator
  const childEnv: NodeJS.ProcessEnv = {
    ...baseEnv,
    SAVB_URL: savbUrl,
    SAVB_SIM_DATA_FILE: baseEnv.SAVB_SIM_DATA_FILE ?? join(dataDir, 'savb.json'),
    API_TOKENS: tokens.apiTokens,
    ...secrets,
  };
  const tsx = (file: string) => ['--import', 'tsx', join(ROOT, file)];
  const savb = start('savb', process.execPath, tsx('savb-simulator/main.ts'), childEnv);
  await waitFor(`the SAVB simulator on ${savbUrl}`, savb, TIMEOUTS.savbReady, () => httpOk(`${savbUrl}/healthz`));

  // 3. worker and API
  const worker = start('worker', process.execPath, [...WORKER_NODE_ARGS, ...tsx('worker/main.ts')], childEnv);
  const api = start('api', process.execPath, tsx('api/main.ts'), childEnv);
  const apiUrl = `http://localhost:${config.PORT}`;
  await Promise.all([
    waitFor(`the worker polling task queue ${config.TEMPORAL_TASK_QUEUE}`, worker, TIMEOUTS.workerReady, () =>
      workerPolling(temporalAddress, config.TEMPORAL_NAMESPACE, config.TEMPORAL_TASK_QUEUE, worker.proc.pid),
    ),
    waitFor(`the API on ${apiUrl}/readyz`, api, TIMEOUTS.apiReady, () =>
      httpOk(`http://127.0.0.1:${config.PORT}/readyz`),
    ),
  ]);

  const width = Math.max(...tokens.entries.map((e) => e.role.length));
  say(
    [
      '',
      'ready.',
      `  Temporal UI     http://localhost:${uiPort}`,
      `  Temporal gRPC   ${temporalAddress} (namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TEMPORAL_TASK_QUEUE})`,
      `  API             ${apiUrl}/v1`,
      `  API docs        ${apiUrl}/docs   (OpenAPI: ${apiUrl}/openapi.json)`,
      `  SAVB simulator  ${savbUrl}   (/_admin: Authorization: Bearer ${secrets.SAVB_SIM_ADMIN_TOKEN})`,
      `  codec server    ${apiUrl}/codec   (payloads encrypted; the Temporal UI decodes through it)`,
      `  worker metrics  http://localhost:${config.WORKER_METRICS_PORT}/metrics`,
      `  data            ${shownDir}/`,
      `  SAVB intervals  poll ${config.SAVB_POLL_INTERVAL}, registration retry ${config.SAVB_REGISTRATION_RETRY_INTERVAL}`,
      `  API tokens (${tokens.source}):`,
      ...tokens.entries.map((e) => `    ${e.role.padEnd(width)}  ${e.token}`),
      `  e.g. curl -H "Authorization: Bearer ${tokens.entries[0]?.token ?? '<token>'}" ${apiUrl}/v1/catalog`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

function dropEmpty(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}

main().catch((err) => {
  if (stopping) return; // already stopping (a signal, or a child died): that path reports and exits
  complain(err instanceof StackError ? err.message : `failed: ${(err as Error).stack ?? String(err)}`);
  void stopAll(1);
});
