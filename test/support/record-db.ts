// A fresh, migrated record database for one stack, in the run's embedded PostgreSQL
// (test/global-setup.ts), or in a server a test started itself.
import { Client } from 'pg';
import { migrateRecords } from '../../records/migrate';
import { createRecordPool, type RecordDb } from '../../records/pool';

export interface RecordDatabase {
  url: string;
  db: RecordDb;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

let counter = 0;

/** The admin URL of the run's server (postgres://…/postgres). */
export function testServerUrl(): string {
  const url = process.env.PSO_TEST_PG_ADMIN_URL;
  if (!url) throw new Error('PSO_TEST_PG_ADMIN_URL is not set: run the tests through jest (test/global-setup.ts)');
  return url;
}

/** Creates `records_<pid>_<n>` on the server of `adminUrl` and migrates it. */
export async function createRecordDatabase(adminUrl = testServerUrl()): Promise<RecordDatabase> {
  counter += 1;
  const name = `records_${process.pid}_${counter}_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  await migrateRecords(url);
  const db = createRecordPool(url);
  return {
    url,
    db,
    async drop() {
      await db.end().catch(() => undefined);
      const client = new Client({ connectionString: adminUrl });
      await client.connect().catch(() => undefined);
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}
