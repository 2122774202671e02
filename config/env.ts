// Configuration: environment variables validated by zod at start-up, with a clear message on error.
// Every process (worker, API, SAVB simulator, the stack) reads the part it needs from here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ms, { type StringValue } from 'ms';
import { z } from 'zod';
import { SAVB_INTERVAL_FLOOR_MS } from '../domain/engagement';
import { RateCard } from '../domain/schemas';
import { catalogData } from '../domain/catalog';
import { parseCatalog } from '../domain/catalog-file';

const Duration = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d|seconds?|minutes?|hours?|days?)$/, 'a duration such as "30s", "5m", "1 day"');
/** SAVB intervals: a duration of at least SAVB_INTERVAL_FLOOR_MS, so an engagement's history grows slowly. */
const SavbInterval = Duration.refine((value) => ms(value as StringValue) >= SAVB_INTERVAL_FLOOR_MS, {
  message: `at least ${SAVB_INTERVAL_FLOOR_MS / 1000} s (shorter re-tries only fill the engagement's history)`,
});
const Port = z.coerce.number().int().min(1).max(65535);

export const ConfigSchema = z.object({
  TEMPORAL_ADDRESS: z.string().default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('planning-services'),
  // The Temporal connection itself is read by worker/connection.ts (@temporalio/envconfig); these
  // entries only name the variables it reads, so a misspelt one in a deployment file is caught.
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_PROFILE: z.string().optional(),
  TEMPORAL_CONFIG_FILE: z.string().optional(),
  /** Former names of TEMPORAL_TLS_CLIENT_CERT_PATH, _CLIENT_KEY_PATH, _SERVER_CA_CERT_PATH; still read. */
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_CA_PATH: z.string().optional(),
  PORT: Port.default(3000),
  API_TOKENS: z.string().default(''),
  API_BODY_LIMIT: z.string().default('100kb'),
  SAVB_URL: z.url().default('http://localhost:4010'),
  SAVB_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  SAVB_POLL_INTERVAL: SavbInterval.default('1 hour'),
  SAVB_REGISTRATION_RETRY_INTERVAL: SavbInterval.default('1 day'),
  SAVB_SIM_PORT: Port.default(4010),
  SAVB_SIM_DATA_FILE: z.string().optional(),
  RATE_CARD_PATH: z.string().default(join(__dirname, 'rate-card.sample.json')),
  NOTIFY_WEBHOOK_URL: z.url().optional(),
  NOTIFY_WEBHOOK_SECRET: z.string().min(16).optional(),
  WORKER_METRICS_PORT: Port.default(9464),
  /** The record store (SPEC §8): postgres://user:password@host:port/database. Required by the worker and the API. */
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'a PostgreSQL URL: postgres://user:password@host:5432/database' })
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset, as shells and compose files often leave them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  if (config.NOTIFY_WEBHOOK_URL && !config.NOTIFY_WEBHOOK_SECRET) {
    throw new ConfigError(
      'Invalid configuration:\n  NOTIFY_WEBHOOK_SECRET: required when NOTIFY_WEBHOOK_URL is set (webhooks are signed)',
    );
  }
  return config;
}

/** The record store's URL; the worker and the API cannot run without one. */
export function requireDatabaseUrl(config: Config): string {
  if (!config.DATABASE_URL)
    throw new ConfigError(
      'Invalid configuration:\n  DATABASE_URL: required (the record store, e.g. postgres://pso:secret@localhost:5432/pso_records)',
    );
  return config.DATABASE_URL;
}

/** The shipped catalog (config/catalog.json) must be valid before any workflow reads it. */
export function checkCatalog(raw: unknown = catalogData): void {
  try {
    parseCatalog(raw);
  } catch (err) {
    throw new ConfigError(`config/catalog.json: ${(err as Error).message}`);
  }
}

export function loadRateCard(path: string): RateCard {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`Cannot read the rate card at ${path}: ${(err as Error).message}`);
  }
  const parsed = RateCard.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid rate card ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
