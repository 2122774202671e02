// What the benchmark's databases cost: the bytes each database holds on disk, and the CPU of a
// process with all its descendants (PostgreSQL serves each connection from a child process).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { Client as PgClient } from 'pg';

/** Bytes of every database of the PostgreSQL server at `url` (templates and `postgres` left out), by name. */
export async function postgresDatabaseBytes(url: string): Promise<Record<string, number>> {
  const client = new PgClient({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; bytes: string }>(
      `SELECT datname AS name, pg_database_size(datname) AS bytes FROM pg_database
        WHERE NOT datistemplate AND datname <> 'postgres'`,
    );
    return Object.fromEntries(rows.map((r) => [r.name, Number(r.bytes)]));
  } finally {
    await client.end();
  }
}

/** Bytes of a file and its SQLite companions (`-wal`, `-shm`) that exist. */
export function sqliteBytes(file: string): number {
  return ['', '-wal', '-shm'].reduce((sum, suffix) => {
    try {
      return sum + statSync(file + suffix).size;
    } catch {
      return sum;
    }
  }, 0);
}

interface ProcStat {
  ppid: number;
  /** utime + stime in clock ticks (all threads). */
  ownTicks: number;
  /** cutime + cstime in clock ticks: the children it has reaped. */
  reapedTicks: number;
}

/** The CPU fields of /proc/<pid>/stat; undefined when the process is gone. */
export function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command may hold spaces and parentheses: fields start after the last ')'.
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return { ppid: fields[1], ownTicks: fields[11] + fields[12], reapedTicks: fields[13] + fields[14] };
  } catch {
    return undefined;
  }
}

export const ticksToMs = (ticks: number) => (ticks * 1000) / 100; // CLK_TCK is 100 on Linux

/** CPU ms of a process, its live descendants and the children they reaped; undefined when it is gone. */
export function processTreeCpuMs(root: number): number | undefined {
  const all = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    const stat = Number.isInteger(pid) ? procStat(pid) : undefined;
    if (stat) all.set(pid, stat);
  }
  if (!all.has(root)) return undefined;
  const children = new Map<number, number[]>();
  for (const [pid, stat] of all) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  let ticks = 0;
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    const { ownTicks, reapedTicks } = all.get(pid)!;
    ticks += ownTicks + reapedTicks;
    todo.push(...(children.get(pid) ?? []));
  }
  return ticksToMs(ticks);
}
