// The record store's migrations when several processes start at once (two workers and an API on a
// fresh database, as compose and Kubernetes start them): every one of them comes up, and each
// migration runs once.
import { Client } from 'pg';
import { readdirSync } from 'node:fs';
import { MIGRATIONS_DIR, migrateRecords } from '../../records/migrate';
import { testServerUrl } from '../support/record-db';

const adminUrl = testServerUrl();
const names = [1, 2, 3].map((n) => `records_migrate_${process.pid}_${n}_${Date.now().toString(36)}`);
const urlOf = (name: string) => adminUrl.replace(/\/[^/]*$/, `/${name}`);

async function query<T extends object>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  for (const name of names) await query(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

// Three fresh databases, so the processes race for the migration lock more than once.
test.each(names)(
  'four processes migrating a fresh database (%s) at once all succeed; each migration runs once',
  async (name) => {
    await query(adminUrl, `CREATE DATABASE ${name}`);
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map(() => migrateRecords(urlOf(name))));
    expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : 'ok'))).toEqual(['ok', 'ok', 'ok', 'ok']);

    const ran = await query<{ name: string }>(urlOf(name), 'SELECT name FROM pgmigrations');
    const files = readdirSync(MIGRATIONS_DIR).map((f) => f.replace(/\.[^.]+$/, ''));
    expect(ran.map((r) => r.name).sort()).toEqual(files.sort());
  },
);
