// Makes sure the pinned Temporal binaries are installed before any suite starts a server, and
// starts one embedded PostgreSQL for the run (each stack creates its own database in it:
// test/support/record-db.ts). Its address travels in PSO_TEST_PG_ADMIN_URL.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../records/embedded';

export const TEST_PG_ENV = 'PSO_TEST_PG_ADMIN_URL';

export default async function globalSetup(): Promise<void> {
  execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'install-temporal.mjs')], { stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'pso-test-pg-'));
  const server = await startEmbeddedPostgres({ dataDir });
  (globalThis as { __recordServer?: EmbeddedPostgres }).__recordServer = server;
  process.env[TEST_PG_ENV] = server.adminUrl;
}
