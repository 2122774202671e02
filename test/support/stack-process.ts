// `npm start` as a test runs it: scripts/start-stack.ts on free ports with its own data directory,
// its output kept, its processes found by that directory, and an engagement walked over its HTTP API.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export const STACK_PARTNER_ID = 'stack-partner';
export const STACK_TOKENS = {
  backoffice: 'stack-test-backoffice',
  operator: 'stack-test-operator',
  partner: 'stack-test-partner',
};
const API_TOKENS = `${STACK_TOKENS.backoffice}=backoffice,${STACK_TOKENS.operator}=operator,${STACK_TOKENS.partner}=partner:${STACK_PARTNER_ID}`;

export const STARTUP_MS = 240_000;
export const PAID_MS = 240_000;
export const STOP_MS = 120_000;

export interface StackPorts {
  temporal: number;
  ui: number;
  api: number;
  savb: number;
  metrics: number;
  postgres: number;
}

export type ExitResult = { code: number | null; signal: NodeJS.Signals | null };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function freePorts(): Promise<StackPorts> {
  return {
    temporal: await freePort(),
    ui: await freePort(),
    api: await freePort(),
    savb: await freePort(),
    metrics: await freePort(),
    postgres: await freePort(),
  };
}

export async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A time-out for Promise.race that does not keep Jest waiting once the race is over. */
export const deadline = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref());

/** Polls until `check` returns a value (not undefined), or fails with the last observation. */
export async function eventually<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  intervalMs = 500,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      if ((err as { fatal?: boolean }).fatal) throw err;
      last = err;
    }
    await sleep(intervalMs);
  }
  const lastText = last instanceof Error ? ` (last: ${last.message})` : '';
  throw new Error(`${what}: not within ${timeoutMs / 1000}s${lastText}`);
}

export interface StackProcessInfo {
  pid: number;
  cmdline: string;
}

/** Processes that carry this stack's data directory in their environment (the stack and its children). */
export function processesOf(dataDir: string): StackProcessInfo[] {
  const marker = `STACK_DATA_DIR=${dataDir}`;
  const found: StackProcessInfo[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker)) {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
        found.push({ pid: Number(pid), cmdline });
      }
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

/** The one process of the stack whose command line contains `marker` (e.g. 'worker/main.ts'). */
export function stackChild(dataDir: string, marker: string): number | undefined {
  const matching = processesOf(dataDir).filter((p) => p.cmdline.includes(marker));
  if (matching.length > 1) throw new Error(`more than one process with ${marker}: ${JSON.stringify(matching)}`);
  return matching[0]?.pid;
}

export class StackRun {
  readonly output: string[] = [];
  readonly proc: ChildProcess;
  readonly exit: Promise<ExitResult>;
  exited = false;

  constructor(
    readonly dataDir: string,
    readonly ports: StackPorts,
  ) {
    // What `npm start` runs (tsx scripts/start-stack.ts), without npm in between.
    const cli = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    this.proc = spawn(process.execPath, [cli, join(ROOT, 'scripts', 'start-stack.ts')], {
      cwd: ROOT,
      env: this.env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (this.output.length > 4000) this.output.splice(0, this.output.length - 4000);
    };
    this.proc.stdout!.on('data', keep);
    this.proc.stderr!.on('data', keep);
    this.exit = new Promise<ExitResult>((resolve) =>
      this.proc.on('exit', (code, signal) => {
        this.exited = true;
        resolve({ code, signal });
      }),
    );
  }

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      STACK_DATA_DIR: this.dataDir,
      STACK_TEMPORAL_PORT: String(this.ports.temporal),
      STACK_TEMPORAL_UI_PORT: String(this.ports.ui),
      PORT: String(this.ports.api),
      SAVB_SIM_PORT: String(this.ports.savb),
      WORKER_METRICS_PORT: String(this.ports.metrics),
      STACK_POSTGRES_PORT: String(this.ports.postgres),
      DATABASE_URL: '',
      API_TOKENS,
      NO_COLOR: '1',
      TEMPORAL_ADDRESS: '',
      SAVB_URL: '',
      SAVB_SIM_DATA_FILE: '',
    };
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.ports.api}`;
  }

  get savbUrl(): string {
    return `http://127.0.0.1:${this.ports.savb}`;
  }

  tail(lines = 80): string {
    return this.output.slice(-lines).join('\n');
  }

  private matchingLine(pattern: RegExp): RegExpExecArray | undefined {
    for (const line of this.output) {
      const match = pattern.exec(line);
      if (match) return match;
    }
    if (this.exited) throw Object.assign(new Error(`the stack exited:\n${this.tail()}`), { fatal: true });
    return undefined;
  }

  /** Resolves once a line of the stack's output matches. */
  async line(pattern: RegExp, timeoutMs = 120_000): Promise<RegExpExecArray> {
    const what = `a line matching ${pattern}\n${this.tail()}`;
    return eventually(what, timeoutMs, () => Promise.resolve(this.matchingLine(pattern)), 200);
  }

  async waitReady(): Promise<void> {
    await eventually(`the stack's API ready`, STARTUP_MS, async () => {
      if (this.exited) throw Object.assign(new Error(`the stack exited during start-up`), { fatal: true });
      const res = await fetch(`${this.apiUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
      return res.ok ? true : undefined;
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n--- stack output ---\n${this.tail()}`);
    });
    // The banner comes once the worker polls too.
    await this.line(/Ctrl-C stops everything/, STARTUP_MS);
  }

  /** Ctrl-C, and the stack's exit. */
  async stop(): Promise<ExitResult> {
    this.proc.kill('SIGINT');
    const result = await Promise.race([this.exit, deadline(STOP_MS)]);
    if (result === 'timeout') throw new Error(`the stack did not stop within ${STOP_MS / 1000}s:\n${this.tail()}`);
    return result;
  }

  /** After a failed test: Ctrl-C, then every process it left, by pid. */
  async kill(): Promise<void> {
    if (!this.exited) {
      this.proc.kill('SIGINT');
      await Promise.race([this.exit, deadline(STOP_MS)]);
    }
    for (const { pid } of processesOf(this.dataDir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

export function stackDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'pso-stack-'));
}
