// The production topology under `npm run bench -- --server production`: PostgreSQL 15 in a scratch
// cluster, the pinned Temporal server on it with SQL visibility, set up by the scripts compose runs
// (schema, namespace, search attributes), and the record store's own database on the same server.
// The same pieces as the production-topology test (test/support/temporal-cluster.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import versions from '../deploy/versions.json';
import { temporalCliPath } from '../scripts/temporal-binaries';
import {
  ScratchPostgres,
  TemporalServer,
  buildProduct,
  createRecordsDatabase,
  setupNamespace,
  setupSchema,
  temporalServerBinaries,
  waitUntilWorkflowsStart,
} from '../test/support/temporal-cluster';

export const PRODUCTION_NAMESPACE = 'planning-services';
const HISTORY_SHARDS = 16;
/** What the JSON line names as the server measured: the versions compose and the cluster test pin. */
export const PRODUCTION_SERVER_NAME = `Temporal server ${versions.temporalServer} on PostgreSQL ${versions.postgresMajor} (SQL visibility, ${HISTORY_SHARDS} shards)`;

export interface ProductionTemporal {
  address: string;
  namespace: string;
  /** The record store's database on the same PostgreSQL. */
  databaseUrl: string;
  /** The PostgreSQL server's maintenance database (to measure every database's size). */
  postgresAdminUrl: string;
  temporalPid(): number | undefined;
  /** The postmaster: every PostgreSQL process is its child. */
  postgresPid(): number | undefined;
  stop(): Promise<void>;
}

/** Builds the product (the compiled processes the topology runs) and starts PostgreSQL and Temporal. */
export async function startProductionTemporal(dir: string, log: (m: string) => void): Promise<ProductionTemporal> {
  const binaries = temporalServerBinaries();
  log('building the product (npm run build)');
  buildProduct();
  const postgres = new ScratchPostgres(dir);
  await postgres.start();
  let server: TemporalServer | undefined;
  try {
    setupSchema(postgres, binaries);
    const databaseUrl = await createRecordsDatabase(postgres);
    server = await TemporalServer.create(binaries['temporal-server'], postgres, dir, {
      NUM_HISTORY_SHARDS: String(HISTORY_SHARDS),
    });
    await server.startAndWait();
    setupNamespace(server.address, PRODUCTION_NAMESPACE, temporalCliPath());
    await waitUntilWorkflowsStart(server.address, PRODUCTION_NAMESPACE);
    const running = server;
    return {
      address: running.address,
      namespace: PRODUCTION_NAMESPACE,
      databaseUrl,
      postgresAdminUrl: databaseUrl.replace(/\/pso_records$/, '/postgres'),
      temporalPid: () => running.proc?.pid,
      postgresPid: () => postmasterPid(postgres.dataDir),
      async stop() {
        await running.stop();
        await postgres.stop();
      },
    };
  } catch (err) {
    await server?.stop();
    await postgres.stop();
    throw err;
  }
}

/** The postmaster's pid, from the first line of its data directory's postmaster.pid. */
function postmasterPid(dataDir: string): number | undefined {
  try {
    return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}
