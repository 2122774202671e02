// The record store the history recorders' workers write: the tests' PostgreSQL when given
// (PSO_TEST_PG_ADMIN_URL), else a scratch embedded one, removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../records/embedded';

/** Runs `record` with PSO_TEST_PG_ADMIN_URL pointing at a record store server. */
export async function withScratchRecordStore(record: () => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pso-histories-pg-'));
  const records = process.env.PSO_TEST_PG_ADMIN_URL ? undefined : await startEmbeddedPostgres({ dataDir });
  if (records) process.env.PSO_TEST_PG_ADMIN_URL = records.adminUrl;
  try {
    await record();
  } finally {
    await records?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
