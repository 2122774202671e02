// The record store under `npm start`: DATABASE_URL when given, else an embedded PostgreSQL (data in
// the stack's data folder), run as a supervised child like the others.
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { embeddedUrl } from '../../records/embedded';

/** True once PostgreSQL at `url` accepts a connection. */
export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new PgClient({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** How the stack runs the embedded PostgreSQL: the child's command and the URL it will answer on. */
export function embeddedPostgres(root: string, dataDir: string, port: number) {
  return {
    url: embeddedUrl(port),
    command: {
      command: process.execPath,
      args: [join(root, 'records', 'embedded-server.mjs'), join(dataDir, 'postgres'), String(port)],
      env: { ...process.env },
    },
  };
}
