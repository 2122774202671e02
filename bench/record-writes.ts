// The record store's write cost, apart from Temporal: the record writes a committed history made
// (every recordAndNotify and recordEngagement input, in order) replayed for many vouchers against a
// scratch embedded PostgreSQL, reporting PostgreSQL's and this process's CPU per engagement.
//   npm run bench:records -- [--count 500] [--concurrency 10] [--history test/histories/<file>.json]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { EngagementState } from '../domain/engagement';
import { startEmbeddedPostgres } from '../records/embedded';
import { migrateRecords } from '../records/migrate';
import { createRecordPool, type RecordDb } from '../records/pool';
import { writeEngagement } from '../records/write-engagement';
import { CODE_VERSION } from './code-version';
import { processTreeCpuMs } from './databases';

const RECORD_ACTIVITIES = ['recordAndNotify', 'recordEngagement'];
const WARM_UP_ENGAGEMENTS = 20;

interface RecordWrite {
  state: EngagementState;
  ended: boolean;
}

interface HistoryJson {
  events: {
    activityTaskScheduledEventAttributes?: {
      activityType: { name: string };
      input: { payloads: { data: string }[] };
    };
  }[];
}

/** The record writes of a history (plain JSON payloads, as the unencrypted committed histories have). */
function recordWritesOf(file: string): RecordWrite[] {
  const history = JSON.parse(readFileSync(file, 'utf8')) as HistoryJson;
  return history.events.flatMap(({ activityTaskScheduledEventAttributes: scheduled }) => {
    if (!scheduled || !RECORD_ACTIVITIES.includes(scheduled.activityType.name)) return [];
    const input = JSON.parse(Buffer.from(scheduled.input.payloads[0].data, 'base64').toString()) as {
      state: EngagementState;
      ended?: boolean;
    };
    return [{ state: input.state, ended: input.ended ?? false }];
  });
}

async function writeLife(db: RecordDb, writes: RecordWrite[], voucherId: string): Promise<void> {
  for (const { state, ended } of writes) await writeEngagement(db, { ...state, voucherId }, ended);
}

/** Writes the lives of vouchers `from` .. `from + count - 1`, `concurrency` at a time. */
async function writeLives(db: RecordDb, writes: RecordWrite[], from: number, count: number, concurrency: number) {
  for (let i = 0; i < count; i += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, count - i) }, (_, k) => `BENCH-RW-${from + i + k}`);
    await Promise.all(batch.map((voucherId) => writeLife(db, writes, voucherId)));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '500' },
      concurrency: { type: 'string', default: '10' },
      history: { type: 'string', default: 'test/histories/engagement-paid-v6-level.json' },
    },
  });
  const count = Number(values.count);
  const concurrency = Number(values.concurrency);
  const writes = recordWritesOf(values.history);
  const dataDir = mkdtempSync(join(tmpdir(), 'pso-bench-records-'));
  const postgres = await startEmbeddedPostgres({ dataDir });
  const db = createRecordPool(postgres.adminUrl);
  try {
    await migrateRecords(postgres.adminUrl);
    await writeLives(db, writes, -WARM_UP_ENGAGEMENTS, WARM_UP_ENGAGEMENTS, concurrency);
    const postgresBefore = processTreeCpuMs(postgres.process.pid!) ?? NaN;
    const selfBefore = process.cpuUsage();
    const started = Date.now();
    await writeLives(db, writes, 0, count, concurrency);
    const self = process.cpuUsage(selfBefore);
    const postgresMs = (processTreeCpuMs(postgres.process.pid!) ?? NaN) - postgresBefore;
    const perEngagement = (ms: number) => Math.round((ms / count) * 100) / 100;
    console.log(
      JSON.stringify({
        bench: 'record-writes',
        code: CODE_VERSION,
        history: values.history,
        writesPerEngagement: writes.length,
        engagements: count,
        postgresCpuMsPerEngagement: perEngagement(postgresMs),
        writerCpuMsPerEngagement: perEngagement((self.user + self.system) / 1000),
        wallMsPerEngagement: perEngagement(Date.now() - started),
      }),
    );
  } finally {
    await db.end();
    await postgres.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
