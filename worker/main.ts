// The production worker process (`npm run worker`): runs every workflow and activity of the product
// against the Temporal cluster of worker/connection.ts (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, API key or mTLS).
// Structured JSON logs on stdout (pino); Prometheus metrics of the SDK on
// WORKER_METRICS_HOST:WORKER_METRICS_PORT (/metrics; 127.0.0.1 unless configured). Payloads are
// encrypted when PAYLOAD_KEYS is set. SIGTERM or SIGINT drains the worker (in-flight tasks get a
// grace period) and exits 0.
import type { Client } from '@temporalio/client';
import { NativeConnection, Runtime, type WorkerOptions } from '@temporalio/worker';
import { ConfigError, checkCatalog, loadConfig, loadRateCard, requireDatabaseUrl, type Config } from '../config/env';
import { migrateRecords } from '../records/migrate';
import { createRecordPool, type RecordDb } from '../records/pool';
import {
  connectClient,
  connectWorker,
  TemporalConnectionError,
  temporalConnectionSettings,
  type TemporalConnectionSettings,
} from './connection';
import { dataConverterOf } from './data-converter';
import { createPinoLogger, PinoTemporalLogger, temporalLogLevel } from './logging';
import { prebuiltBundleOptions } from './bundle';
import { createWorker } from './worker';

const CONNECT_ATTEMPTS = 30;
const CONNECT_RETRY_MS = 2_000;
const SHUTDOWN_GRACE = '10s';
const SHUTDOWN_FORCE = '30s';

let stopRequested = false;

/** The worker process; `tuning` adds worker options (bench/worker-variant.ts measures some). */
export async function runWorkerProcess(tuning: Partial<WorkerOptions> = {}): Promise<number> {
  let config: Config;
  let rateCard: ReturnType<typeof loadRateCard>;
  let databaseUrl: string;
  let temporal: TemporalConnectionSettings;
  try {
    config = loadConfig();
    databaseUrl = requireDatabaseUrl(config);
    rateCard = loadRateCard(config.RATE_CARD_PATH);
    checkCatalog();
    temporal = temporalConnectionSettings();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof TemporalConnectionError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }

  const log = createPinoLogger(config.LOG_LEVEL, 'worker');
  const level = temporalLogLevel(config.LOG_LEVEL);
  try {
    Runtime.install({
      logger: new PinoTemporalLogger(log),
      telemetryOptions: {
        logging: {
          filter: { core: level === 'ERROR' ? 'ERROR' : level === 'INFO' ? 'WARN' : level, other: 'ERROR' },
          forward: {},
        },
        metrics: { prometheus: { bindAddress: `${config.WORKER_METRICS_HOST}:${config.WORKER_METRICS_PORT}` } },
      },
    });
  } catch (err) {
    log.fatal({ err }, `cannot start the Temporal runtime (is port ${config.WORKER_METRICS_PORT} for metrics free?)`);
    return 1;
  }
  // The Runtime drains the worker on SIGINT/SIGTERM; this only stops the connection retries below.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!stopRequested) log.info({ signal }, 'shutdown requested, draining the worker');
      stopRequested = true;
    });
  }

  if (rateCard.sample) log.warn({ path: config.RATE_CARD_PATH }, 'the rate card is SAMPLE DATA, not the program rates');

  let connection: NativeConnection | undefined;
  let client: Client | undefined;
  let records: RecordDb | undefined;
  try {
    // The schema first (migrations are idempotent and locked); then writes can start.
    await migrateRecords(databaseUrl);
    records = createRecordPool(databaseUrl, (err) => log.warn({ error: err.message }, 'record store connection lost'));
    const connected = await withRetries(log, temporal.address, async () => {
      const nativeConnection = await connectWorker(temporal);
      try {
        return { nativeConnection, temporalClient: await connectClient(temporal, dataConverterOf(config)) };
      } catch (err) {
        await nativeConnection.close().catch(() => undefined);
        throw err;
      }
    });
    if (!connected) return 0; // stopped while still connecting
    connection = connected.nativeConnection;
    client = connected.temporalClient;

    const prebuilt = prebuiltBundleOptions();
    const worker = await createWorker({
      connection,
      client,
      namespace: temporal.namespace,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      config,
      rateCard,
      records,
      dataConverter: dataConverterOf(config),
      tuning: { shutdownGraceTime: SHUTDOWN_GRACE, shutdownForceTime: SHUTDOWN_FORCE, ...prebuilt, ...tuning },
    });
    log.info(
      {
        address: temporal.address,
        namespace: temporal.namespace,
        security: temporal.security,
        workflowCode: prebuilt.workflowBundle ? 'prebuilt bundle (npm run build)' : 'bundled at start from the sources',
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        metrics: `http://${config.WORKER_METRICS_HOST}:${config.WORKER_METRICS_PORT}/metrics`,
      },
      'worker started',
    );
    await worker.run();
    log.info('worker stopped');
    return 0;
  } catch (err) {
    log.fatal({ err }, 'worker failed');
    return 1;
  } finally {
    await client?.connection.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await records?.end().catch(() => undefined);
    log.flush();
  }
}

/** Connects with a bounded number of attempts (Temporal may still be starting); undefined if stopped. */
async function withRetries<T>(
  log: ReturnType<typeof createPinoLogger>,
  address: string,
  connect: () => Promise<T>,
): Promise<T | undefined> {
  for (let attempt = 1; ; attempt++) {
    if (stopRequested) return undefined;
    try {
      return await connect();
    } catch (err) {
      if (attempt >= CONNECT_ATTEMPTS) throw err;
      log.warn(
        { address, attempt, error: (err as Error).message },
        `Temporal not reachable, retrying in ${CONNECT_RETRY_MS / 1000}s`,
      );
      await new Promise((resolve) => setTimeout(resolve, CONNECT_RETRY_MS));
    }
  }
}

/** Runs the worker process and exits with its code. */
export function runAsMain(tuning: Partial<WorkerOptions> = {}): void {
  runWorkerProcess(tuning).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

if (require.main === module) runAsMain();
