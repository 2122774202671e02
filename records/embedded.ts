// Starts and stops an embedded PostgreSQL (records/embedded-server.mjs) as a child process: the
// record store of `npm start` and the tests, with no install step beyond `npm ci`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface EmbeddedPostgres {
  /** postgres://… of the `postgres` database, to create others. */
  adminUrl: string;
  port: number;
  dataDir: string;
  /** The child process (tests SIGKILL it to simulate a crash). */
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** postgres://postgres:postgres@127.0.0.1:<port>/<database> */
export const embeddedUrl = (port: number, database = 'postgres') =>
  `postgres://postgres:postgres@127.0.0.1:${port}/${database}`;

/** Starts PostgreSQL on `dataDir` (initialised on first use) and resolves once it accepts connections. */
export async function startEmbeddedPostgres(options: { dataDir: string; port?: number }): Promise<EmbeddedPostgres> {
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const child = spawn(
    process.execPath,
    [join(__dirname, 'embedded-server.mjs'), options.dataDir, String(port), '--stop-with-stdin'],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited (${code}): ${errors.trim()}`)));
  });
  return {
    adminUrl: embeddedUrl(port),
    port,
    dataDir: options.dataDir,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
