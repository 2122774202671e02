// Brings a record database's schema up to date with the checked-in migrations (records/migrations,
// SQL files run in order by node-pg-migrate, which records what ran and holds a lock while it runs;
// a process that finds the lock taken waits for it, so several processes starting at once all come up).
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

export const MIGRATIONS_DIR = join(__dirname, 'migrations');
const run = promisify(execFile);

/** Runs every pending migration against `databaseUrl`. */
export async function migrateRecords(databaseUrl: string): Promise<void> {
  // The tool is an ES module and a CLI: run as a child process it works from any caller (tsx, jest, dist).
  const cli = join(dirname(require.resolve('node-pg-migrate/package.json')), 'bin', 'node-pg-migrate.js');
  try {
    await run(
      process.execPath,
      [
        cli,
        'up',
        '--migrations-dir',
        MIGRATIONS_DIR,
        '--migrations-table',
        'pgmigrations',
        // Processes starting together (workers, the API) wait for the one migrating instead of failing.
        '--advisory-lock-mode',
        'wait',
        '--no-verbose',
      ],
      { env: { ...process.env, DATABASE_URL: databaseUrl }, cwd: join(__dirname, '..') },
    );
  } catch (err) {
    const { stderr, stdout } = err as { stderr?: string; stdout?: string };
    throw new Error(`record store migrations failed: ${(stderr || stdout || (err as Error).message).trim()}`, {
      cause: err,
    });
  }
}
