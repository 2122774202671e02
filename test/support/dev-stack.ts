// A whole product in one test process, for suites that need visibility (lists, search attributes)
// and real time: a Temporal dev server (the pinned CLI binary) with the search attributes
// registered, the product's real worker (every workflow and activity), a SAVB simulator, and the
// HTTP API listening on a free port, all writing and reading a fresh record database
// (test/support/record-db.ts).
//
//   const stack = await startDevStack();
//   const res = await fetch(`${stack.baseUrl}/v1/catalog`, { headers: stack.auth('backoffice') });
//   ...
//   await stack.stop();
//
// Visibility on the dev server is eventually consistent: poll with `eventually`, never a fixed sleep.
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import type express from 'express';
import type pino from 'pino';
import { createApp } from '../../api/app';
import { loadConfig, loadRateCard, type Config } from '../../config/env';
import { temporalCliPath } from '../../scripts/temporal-binaries';
import { createPinoLogger } from '../../worker/logging';
import { dataConverterOf } from '../../worker/data-converter';
import { createWorker } from '../../worker/worker';
import { SA } from '../../workflows/search-attributes';
import { createRecordDatabase, type RecordDatabase } from './record-db';

/** The SAVB simulator's surface the stack uses (savb-simulator/server.ts). */
export interface SavbLike {
  url: string;
  close(): Promise<void>;
  register?(partnerId: string, offering: string): unknown;
  deny?(voucherId: string, reason: string): void;
}

export interface DevStackOptions {
  /** Partners that get a token (default: contoso, fabrikam, northwind). */
  partnerIds?: string[];
  /** Extra configuration (environment variable names of config/env.ts). */
  env?: Record<string, string>;
  /** Start the worker (default true). */
  worker?: boolean;
  /** Start a SAVB simulator when savb-simulator/server.ts exists (default true). */
  savb?: boolean;
  /** The record store's admin URL (a server the test runs itself); default: the run's server. */
  recordServerUrl?: string;
  /** Log level of the API (default: TEST_LOG_LEVEL or silent). */
  logLevel?: Config['LOG_LEVEL'];
}

export interface DevStackTokens {
  backoffice: string;
  operator: string;
  /** partnerId → token */
  partners: Record<string, string>;
}

export interface DevStack {
  env: TestWorkflowEnvironment;
  client: Client;
  worker?: Worker;
  savb?: SavbLike;
  /** The stack's record database (its pool is the one worker and API use). */
  records: RecordDatabase;
  config: Config;
  app: express.Express;
  server: Server;
  baseUrl: string;
  tokens: DevStackTokens;
  logger: pino.Logger;
  /** Authorization header for a role: 'backoffice', 'operator' or a partner ID. */
  auth(who: string): Record<string, string>;
  /** One more API instance (its own client and in-memory state) on the same Temporal and database. */
  anotherApi(): Promise<Pick<DevStack, 'baseUrl' | 'auth'>>;
  stop(): Promise<void>;
}

/** An API app listening on a free loopback port; its closing joins `cleanups`. */
async function listenApi(
  deps: Parameters<typeof createApp>[0],
  cleanups: (() => Promise<void>)[],
): Promise<{ app: express.Express; server: Server; baseUrl: string }> {
  const app = createApp(deps);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { app, server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export const DEFAULT_PARTNER_IDS = ['contoso', 'fabrikam', 'northwind'];

/** SDK and worker logs at WARN (TEST_LOG_LEVEL=debug shows more), once per process. */
function quietRuntime(): void {
  const level = (process.env.TEST_LOG_LEVEL ?? '').toUpperCase();
  try {
    Runtime.install({
      logger: new DefaultLogger(['TRACE', 'DEBUG', 'INFO'].includes(level) ? (level as 'INFO') : 'WARN'),
    });
  } catch {
    // already installed (a second stack in this process, or another harness)
  }
}

async function startSavb(): Promise<SavbLike | undefined> {
  const path = join(__dirname, '..', '..', 'savb-simulator', 'server');
  if (!existsSync(`${path}.ts`)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(path) as { startSavbSimulator: (options: Record<string, unknown>) => Promise<SavbLike> };
  return module.startSavbSimulator({ port: 0, approveAfterMs: 200, payAfterMs: 400 });
}

export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const partnerIds = options.partnerIds ?? DEFAULT_PARTNER_IDS;
  const tokens: DevStackTokens = {
    backoffice: 'test-backoffice-token-0001',
    operator: 'test-operator-token-00001',
    partners: Object.fromEntries(
      partnerIds.map((id, i) => [id, `test-partner-token-${String(i).padStart(4, '0')}-${id}`]),
    ),
  };
  const apiTokens = [
    `${tokens.backoffice}=backoffice`,
    `${tokens.operator}=operator`,
    ...Object.entries(tokens.partners).map(([id, token]) => `${token}=partner:${id}`),
  ].join(',');

  quietRuntime();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: Object.values(SA),
      ui: false,
      log: { format: 'json', level: 'error' },
      extraArgs: ['--dynamic-config-value', 'frontend.enableExecuteMultiOperation=true'],
    },
  });
  const cleanups: (() => Promise<void>)[] = [() => env.teardown()];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // keep stopping the rest
      }
    }
  };

  try {
    const savb = options.savb === false ? undefined : await startSavb();
    if (savb) cleanups.push(() => savb.close());
    const records = await createRecordDatabase(options.recordServerUrl);
    cleanups.push(() => records.drop());

    const config = loadConfig({
      API_TOKENS: apiTokens,
      TEMPORAL_NAMESPACE: env.client.options.namespace,
      SAVB_POLL_INTERVAL: '1s',
      SAVB_REGISTRATION_RETRY_INTERVAL: '1s',
      SAVB_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'warn',
      // Suites send thousands of requests per token on purpose; the limit itself is tested in test/api/security.test.ts.
      API_RATE_LIMIT: '0',
      DATABASE_URL: records.url,
      ...(savb ? { SAVB_URL: savb.url } : {}),
      ...options.env,
    });

    // With PAYLOAD_KEYS in the configuration, the worker and the API encrypt payloads as in production.
    const dataConverter = dataConverterOf(config);
    const client = dataConverter
      ? new Client({ connection: env.connection, namespace: env.client.options.namespace, dataConverter })
      : env.client;

    let worker: Worker | undefined;
    if (options.worker !== false) {
      const created = await createWorker({
        connection: env.nativeConnection,
        client,
        dataConverter,
        config,
        rateCard: loadRateCard(config.RATE_CARD_PATH),
        records: records.db,
      });
      worker = created;
      const running = created.run();
      cleanups.push(async () => {
        if (created.getState() === 'RUNNING') created.shutdown();
        await running;
      });
    }

    const logger = createPinoLogger(
      options.logLevel ?? ((process.env.TEST_LOG_LEVEL as Config['LOG_LEVEL']) || 'silent'),
      'api',
    );
    const { app, server, baseUrl } = await listenApi({ client, config, logger, records: records.db }, cleanups);

    const auth = (who: string): Record<string, string> => {
      const token =
        who === 'backoffice' ? tokens.backoffice : who === 'operator' ? tokens.operator : tokens.partners[who];
      if (!token) throw new Error(`no token for ${who}`);
      return { authorization: `Bearer ${token}` };
    };

    return {
      env,
      client,
      worker,
      savb,
      records,
      config,
      app,
      server,
      baseUrl,
      tokens,
      logger,
      auth,
      async anotherApi() {
        const ownClient = new Client({
          connection: env.connection,
          namespace: config.TEMPORAL_NAMESPACE,
          dataConverter,
        });
        const other = await listenApi({ client: ownClient, config, logger, records: records.db }, cleanups);
        return { baseUrl: other.baseUrl, auth };
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Polls `probe` until `accept` holds for its result (bounded: never a fixed sleep). */
export async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  {
    timeoutMs = 20_000,
    intervalMs = 100,
    what = 'condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const seen = lastError
        ? ` (last error: ${(lastError as Error).message})`
        : ` (last value: ${JSON.stringify(last)?.slice(0, 2000)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

// ---------- HTTP helpers ----------

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A JSON request against the stack's API. `body` undefined sends no body; a string is sent as is. */
export async function http<T = any>(
  stack: Pick<DevStack, 'baseUrl' | 'auth'>,
  method: string,
  path: string,
  { as, body, headers = {} }: { as?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const init: RequestInit = {
    method,
    headers: {
      ...(as ? stack.auth(as) : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  };
  const response = await fetch(`${stack.baseUrl}${path}`, init);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}
