// The API process (`npm run api`): configuration from the environment (validated at start-up), a
// Temporal client (retrying the connection while the cluster comes up), HTTP on PORT. SIGINT or
// SIGTERM stops accepting connections, lets requests in flight finish (bounded), closes the
// Temporal connection and exits 0.
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { ConfigError, checkCatalog, loadConfig, requireDatabaseUrl, type Config } from '../config/env';
import { migrateRecords } from '../records/migrate';
import { createRecordPool } from '../records/pool';
import {
  connectClient,
  TemporalConnectionError,
  temporalConnectionSettings,
  type TemporalConnectionSettings,
} from '../worker/connection';
import { dataConverterOf } from '../worker/data-converter';
import { createPinoLogger } from '../worker/logging';
import { createApp } from './app';
import { TokenConfigError, parseTokens } from './auth';

const CONNECT_ATTEMPTS = 30;
const CONNECT_RETRY_MS = 2_000;
const DRAIN_MS = 10_000;

let stopRequested = false;
let wakeUp: (() => void) | undefined;

async function main(): Promise<number> {
  let config: Config;
  let databaseUrl: string;
  let temporal: TemporalConnectionSettings;
  try {
    config = loadConfig();
    databaseUrl = requireDatabaseUrl(config);
    parseTokens(config.API_TOKENS);
    checkCatalog();
    temporal = temporalConnectionSettings();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof TokenConfigError || err instanceof TemporalConnectionError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  const log = createPinoLogger(config.LOG_LEVEL, 'api');

  let server: Server | undefined;
  let client: Client | undefined;
  const stopped = new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        if (stopRequested) return;
        stopRequested = true;
        log.info({ signal }, 'shutdown requested');
        if (!server) {
          // Still connecting to Temporal: nothing to drain.
          log.info('API stopped before it started listening');
          process.exit(0);
        }
        wakeUp?.();
        resolve();
      });
    }
  });

  for (let attempt = 1; !client && !stopRequested; attempt++) {
    try {
      client = await connectClient(temporal, dataConverterOf(config));
    } catch (err) {
      if (attempt >= CONNECT_ATTEMPTS) {
        log.fatal({ err, address: temporal.address }, 'cannot connect to Temporal; giving up');
        return 1;
      }
      log.warn(
        { address: temporal.address, attempt, error: (err as Error).message },
        'Temporal not reachable yet; retrying',
      );
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
        setTimeout(resolve, CONNECT_RETRY_MS);
      });
    }
  }
  if (!client) return 0; // stopped while connecting

  // The schema first (idempotent and locked, so the worker may be migrating at the same moment).
  await migrateRecords(databaseUrl);
  const records = createRecordPool(databaseUrl, (err) =>
    log.warn({ error: err.message }, 'record store connection lost'),
  );
  const app = createApp({ client, config, logger: log, records });
  server = app.listen(config.PORT);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  }).catch((err: Error) => {
    log.fatal({ err, port: config.PORT }, `cannot listen on port ${config.PORT}`);
    throw err;
  });
  log.info(
    { port: config.PORT, temporal: temporal.address, namespace: temporal.namespace, security: temporal.security },
    `API listening on http://localhost:${config.PORT}`,
  );

  await stopped;
  const active = server;
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => {
      log.warn('requests still in flight after the drain period; closing their connections');
      active.closeAllConnections();
    }, DRAIN_MS);
    force.unref();
    active.close(() => {
      clearTimeout(force);
      resolve();
    });
    active.closeIdleConnections();
  });
  await client.connection.close().catch(() => undefined);
  await records.end().catch(() => undefined);
  log.info('API stopped');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
