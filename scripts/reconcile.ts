// `npm run reconcile`: repairs the record store from Temporal (records/reconcile.ts) and prints what
// it found. Configuration as the worker's (TEMPORAL_*, DATABASE_URL); `--closed-within-days N`
// (default 30, the retention of `npm start`) sets how far back closed engagements are compared.
// Exit code 0 when everything was reconciled, 1 when some engagement or partner could not be.
import { ConfigError, loadConfig, requireDatabaseUrl } from '../config/env';
import { migrateRecords } from '../records/migrate';
import { createRecordPool } from '../records/pool';
import { reconcile } from '../records/reconcile';
import { connectClient, temporalConnectionSettings } from '../worker/connection';
import { dataConverterOf } from '../worker/data-converter';

function closedWithinDays(argv: string[]): number {
  const at = argv.indexOf('--closed-within-days');
  if (at < 0) return 30;
  const days = Number(argv[at + 1]);
  if (!Number.isInteger(days) || days < 0) throw new ConfigError('--closed-within-days needs a whole number of days');
  return days;
}

async function main(): Promise<number> {
  let databaseUrl: string;
  let config: ReturnType<typeof loadConfig>;
  let days: number;
  try {
    config = loadConfig();
    databaseUrl = requireDatabaseUrl(config);
    days = closedWithinDays(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return 1;
  }
  await migrateRecords(databaseUrl);
  const db = createRecordPool(databaseUrl);
  const temporal = temporalConnectionSettings();
  const client = await connectClient(temporal, dataConverterOf(config));
  try {
    console.log(
      `reconciling ${temporal.address}/${temporal.namespace} (open engagements, closed within ${days} days, partners) with the record store`,
    );
    const summary = await reconcile(client, db, { closedWithinDays: days, report: (line) => console.log(line) });
    console.log(
      `engagements: ${summary.engagementsChecked} checked, ${summary.engagementsMissing} missing and ${summary.engagementsBehind} behind (written); ` +
        `partners: ${summary.partnersChecked} checked, ${summary.partnersWritten} written; failures: ${summary.failures}`,
    );
    return summary.failures ? 1 : 0;
  } finally {
    await client.connection.close();
    await db.end();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
