// The connection pool of the record store (node-postgres), one per process.
import { Pool } from 'pg';

export type RecordDb = Pool;

/**
 * A pool for `databaseUrl`. Idle clients whose server went away emit 'error' on the pool; that must
 * not crash the process (the next query reconnects or fails, and its caller retries).
 */
export function createRecordPool(databaseUrl: string, onError?: (err: Error) => void): RecordDb {
  const pool = new Pool({ connectionString: databaseUrl, max: 5, connectionTimeoutMillis: 5_000 });
  pool.on('error', (err) => onError?.(err));
  return pool;
}
