// A production topology on this machine: a scratch PostgreSQL cluster, the Temporal server built from its Go module, and the product's own processes.
//
// The server runs with the committed configuration docker-compose.yml mounts
// (deploy/temporal/config/production.yaml, deploy/temporal/dynamicconfig/production.yaml); its schema
// is set up and its namespace and search attributes registered by the same scripts compose runs
// (deploy/temporal/setup-schema.sh, setup-namespace.sh). Processes are started as an operator
// starts them (`npm run worker`, `npm run api`, `npm run savb-sim`), each in its own process group,
// so SIGKILL reaches npm and node alike.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { SA } from '../../workflows/search-attributes';
import { freePort, until } from './reliability-harness';

export const ROOT = join(__dirname, '..', '..');
export const TEMPORAL_CONFIG_DIR = join(ROOT, 'deploy', 'temporal', 'config');
export const DYNAMIC_CONFIG_FILE = join(ROOT, 'deploy', 'temporal', 'dynamicconfig', 'production.yaml');
export const SETUP_SCHEMA_SCRIPT = join(ROOT, 'deploy', 'temporal', 'setup-schema.sh');
export const SETUP_NAMESPACE_SCRIPT = join(ROOT, 'deploy', 'temporal', 'setup-namespace.sh');

const isRoot = process.getuid?.() === 0;

/** The last characters of a log file, for failure messages. */
export function tail(file: string, chars = 3000): string {
  try {
    return readFileSync(file, 'utf8').slice(-chars);
  } catch {
    return '(no log)';
  }
}

const alive = (proc: ChildProcess | undefined): boolean => !!proc && proc.exitCode === null && proc.signalCode === null;

async function exited(proc: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (!alive(proc)) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

// Process groups this test started; if jest ends without stopping them, they go too.
const groups = new Set<number>();
process.once('exit', () => {
  for (const pid of groups) signalGroup(pid, 'SIGKILL');
});
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** A long-running child in its own process group (npm and the node it starts die together). */
export class GroupProcess {
  proc?: ChildProcess;

  constructor(
    readonly name: string,
    readonly command: string,
    readonly args: string[],
    readonly env: NodeJS.ProcessEnv,
    readonly logFile: string,
  ) {}

  start(): void {
    if (alive(this.proc)) throw new Error(`${this.name} is already running`);
    const log = openSync(this.logFile, 'a');
    const proc = spawn(this.command, this.args, {
      cwd: ROOT,
      env: this.env,
      stdio: ['ignore', log, log],
      detached: true,
    });
    closeSync(log);
    if (proc.pid) groups.add(proc.pid);
    proc.once('exit', () => groups.delete(proc.pid!));
    this.proc = proc;
  }

  isAlive(): boolean {
    return alive(this.proc);
  }

  /** Polls like `until` while the process lives; fails at once, with the log's tail, if it ends. */
  async waitFor<T>(
    what: string,
    probe: () => Promise<T>,
    accept: (value: T) => boolean,
    options: { timeoutMs?: number; intervalMs?: number } = {},
  ): Promise<T> {
    const exited = Symbol('exited');
    const result = await until<T | typeof exited>(
      what,
      () => (this.isAlive() ? probe() : Promise.resolve(exited)),
      (value) => value === exited || accept(value),
      options,
    );
    if (result === exited) {
      throw new Error(
        `${this.name} exited (${this.proc?.exitCode ?? this.proc?.signalCode}): ${tail(this.logFile, 1500)}`,
      );
    }
    return result;
  }

  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc?.pid || !alive(proc)) return;
    signalGroup(proc.pid, 'SIGKILL');
    await exited(proc, 10_000);
  }

  async stop(graceMs = 15_000): Promise<void> {
    const proc = this.proc;
    if (!proc?.pid || !alive(proc)) return;
    signalGroup(proc.pid, 'SIGTERM');
    if (!(await exited(proc, graceMs))) await this.kill();
  }
}

/**
 * A free port below 32768. Temporal stores each service's membership port in a PostgreSQL smallint,
 * so the kernel's ephemeral ports (port 0, 32768 and up) do not fit.
 */
export async function freeLowPort(taken: Set<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port below 32768');
}

/** PostgreSQL's programs: $PG_BIN, else the newest Debian /usr/lib/postgresql/<major>/bin. */
export function postgresBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base) ? readdirSync(base).filter((d) => /^\d+$/.test(d)) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('PostgreSQL is not installed (apt-get install postgresql, or set PG_BIN)');
  return join(base, newest, 'bin');
}

/** Runs a PostgreSQL program; as root through the `postgres` user, since PostgreSQL refuses to run as root. */
function runPostgresProgram(program: string, args: string[]): string {
  const path = join(postgresBinDir(), program);
  const [command, fullArgs] = isRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
  return execFileSync(command, fullArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A throw-away PostgreSQL cluster on a free port with one password-protected superuser. */
export class ScratchPostgres {
  readonly user = 'temporal';
  readonly password = `pw-${process.pid}-${Date.now().toString(36)}`;
  readonly dataDir: string;
  readonly logFile: string;
  port = 0;

  constructor(readonly dir: string) {
    this.dataDir = join(dir, 'pgdata');
    this.logFile = join(dir, 'postgres.log');
  }

  async start(): Promise<void> {
    const uid = isRoot ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })) : undefined;
    const gid = isRoot ? Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) : undefined;
    const passwordFile = join(this.dir, 'pgpass');
    writeFileSync(passwordFile, `${this.password}\n`, { mode: 0o600 });
    if (uid !== undefined) for (const path of [this.dir, passwordFile]) chownSync(path, uid, gid!);
    runPostgresProgram('initdb', [
      '-D',
      this.dataDir,
      '-U',
      this.user,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    this.port = await freePort();
    // fsync off: the test kills Temporal and workers, never the machine; PostgreSQL itself stops cleanly.
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    runPostgresProgram('pg_ctl', ['start', '-w', '-t', '60', '-D', this.dataDir, '-l', this.logFile, '-o', options]);
  }

  stop(): Promise<void> {
    if (existsSync(join(this.dataDir, 'postmaster.pid'))) {
      runPostgresProgram('pg_ctl', ['stop', '-D', this.dataDir, '-m', 'fast', '-w', '-t', '60']);
    }
    return Promise.resolve();
  }
}

export interface TemporalServerBinaries {
  'temporal-server': string;
  'temporal-sql-tool': string;
  schemaDir: string;
}

/** The pinned server from scripts/install-temporal-server.mjs (built on first use, cached after). */
export function temporalServerBinaries(): TemporalServerBinaries {
  const script = join(ROOT, 'scripts', 'install-temporal-server.mjs');
  // A child process, so the build's output shows while jest waits, and the ESM script loads as is.
  const out = execFileSync(process.execPath, [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.slice(out.indexOf('{'))) as TemporalServerBinaries;
}

/** Runs deploy/temporal/setup-schema.sh against the scratch cluster with the server's own SQL tool. */
export function setupSchema(postgres: ScratchPostgres, binaries: TemporalServerBinaries): string {
  return execFileSync('sh', [SETUP_SCHEMA_SCRIPT], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      SQL_HOST: '127.0.0.1',
      SQL_PORT: String(postgres.port),
      SQL_USER: postgres.user,
      SQL_PASSWORD: postgres.password,
      TEMPORAL_SQL_TOOL: binaries['temporal-sql-tool'],
      TEMPORAL_SCHEMA_DIR: binaries.schemaDir,
    },
  });
}

/** The Temporal server process with the committed configuration, on free ports. */
export class TemporalServer extends GroupProcess {
  constructor(
    binary: string,
    readonly frontendPort: number,
    env: NodeJS.ProcessEnv,
    logFile: string,
  ) {
    super(
      'the Temporal server',
      binary,
      // --config is relative to --root.
      ['--root', ROOT, '--config', relative(ROOT, TEMPORAL_CONFIG_DIR), '--env', 'production', 'start'],
      env,
      logFile,
    );
  }

  static async create(
    binary: string,
    postgres: ScratchPostgres,
    dir: string,
    extraEnv: Record<string, string> = {},
  ): Promise<TemporalServer> {
    const ports: Record<string, string> = {};
    const taken = new Set<number>();
    for (const name of [
      'FRONTEND_GRPC_PORT',
      'FRONTEND_HTTP_PORT',
      'FRONTEND_MEMBERSHIP_PORT',
      'HISTORY_GRPC_PORT',
      'HISTORY_MEMBERSHIP_PORT',
      'MATCHING_GRPC_PORT',
      'MATCHING_MEMBERSHIP_PORT',
      'WORKER_GRPC_PORT',
      'WORKER_MEMBERSHIP_PORT',
    ]) {
      ports[name] = String(await freeLowPort(taken));
    }
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      POSTGRES_SEEDS: '127.0.0.1',
      DB_PORT: String(postgres.port),
      POSTGRES_USER: postgres.user,
      POSTGRES_PWD: postgres.password,
      BIND_ON_IP: '127.0.0.1',
      TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
      DYNAMIC_CONFIG_FILE_PATH: DYNAMIC_CONFIG_FILE,
      LOG_LEVEL: 'warn',
      ...ports,
      ...extraEnv,
    };
    return new TemporalServer(binary, Number(ports.FRONTEND_GRPC_PORT), env, join(dir, 'temporal-server.log'));
  }

  get address(): string {
    return `127.0.0.1:${this.frontendPort}`;
  }

  /** Starts the server and resolves once its frontend answers the health check. */
  async startAndWait(): Promise<void> {
    this.start();
    await this.waitFor(
      `the Temporal server on ${this.address}`,
      async () => {
        const connection = await Connection.connect({ address: this.address, connectTimeout: 1_000 });
        try {
          const { status } = await connection.healthService.check({});
          return Number(status) === 1; // SERVING
        } finally {
          await connection.close();
        }
      },
      (ok) => ok,
      { timeoutMs: 180_000, intervalMs: 500 },
    );
  }
}

/** Runs deploy/temporal/setup-namespace.sh with the bundled `temporal` CLI. */
export function setupNamespace(address: string, namespace: string, cliPath: string): string {
  return execFileSync('sh', [SETUP_NAMESPACE_SCRIPT], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_CLI: cliPath,
      PATH: `${dirname(cliPath)}:${process.env.PATH ?? ''}`,
    },
    timeout: 300_000,
  });
}

/** `npm run build`: the compiled processes and the prebuilt workflow bundle the production scripts run. */
export function buildProduct(): void {
  try {
    execFileSync('npm', ['run', '--silent', 'build'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: err });
  }
}

/** A scratch directory PostgreSQL (as the `postgres` user) can write to. */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A real start with every search attribute: the namespace and its attributes have reached all services. */
export async function waitUntilWorkflowsStart(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace });
    await until(
      'a workflow start with the search attributes on the new namespace',
      async () => {
        const handle = await client.workflow.start('clusterProbe', {
          taskQueue: 'cluster-probe',
          workflowId: `cluster-probe-${Date.now()}`,
          typedSearchAttributes: [
            { key: SA.VoucherId, value: 'probe' },
            { key: SA.EngagementDays, value: 1 },
            { key: SA.VoucherExpiresAt, value: new Date() },
          ],
        });
        await handle.terminate('probe');
        return true;
      },
      (ok) => ok,
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
  } finally {
    await connection.close();
  }
}

/** The record store's own database on the same PostgreSQL server, as compose sets it up (records-db). */
export async function createRecordsDatabase(pg: ScratchPostgres): Promise<string> {
  const base = `postgres://${pg.user}:${encodeURIComponent(pg.password)}@127.0.0.1:${pg.port}`;
  const client = new PgClient({ connectionString: `${base}/postgres` });
  await client.connect();
  try {
    await client.query('CREATE DATABASE pso_records');
  } finally {
    await client.end();
  }
  return `${base}/pso_records`;
}
