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
import { parsePayloadKeys } from '../worker/payload-codec';

const Duration = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d|seconds?|minutes?|hours?|days?)$/, 'a duration such as "30s", "5m", "1 day"');
/** SAVB intervals: a duration of at least SAVB_INTERVAL_FLOOR_MS, so an engagement's history grows slowly. */
const SavbInterval = Duration.refine((value) => ms(value as StringValue) >= SAVB_INTERVAL_FLOOR_MS, {
  message: `at least ${SAVB_INTERVAL_FLOOR_MS / 1000} s (shorter re-tries only fill the engagement's history)`,
});
const Port = z.coerce.number().int().min(1).max(65535);
const Flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const BODY_LIMIT_MAX_BYTES = 10 * 1024 * 1024;
const BODY_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };
/** A body limit as express reads it ("100kb", "1mb", "5000"), at most 10 MB. */
export function bodyLimitBytes(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb)?$/i.exec(value.trim());
  if (!match) return undefined;
  return Math.floor(Number(match[1]) * BODY_UNITS[(match[2] ?? 'b').toLowerCase()]);
}
const BodyLimit = z.string().refine((value) => {
  const bytes = bodyLimitBytes(value);
  return bytes !== undefined && bytes >= 1024 && bytes <= BODY_LIMIT_MAX_BYTES;
}, 'a size such as "100kb" or "1mb", between 1kb and 10mb');

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
  API_BODY_LIMIT: BodyLimit.default('100kb'),
  // Identities from an OIDC provider (JWT bearer tokens), besides API_TOKENS; see api/jwt.ts.
  AUTH_JWKS_URL: z.url().optional(),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: z.string().min(1).optional(),
  AUTH_ROLES_CLAIM: z.string().min(1).default('roles'),
  AUTH_PARTNER_CLAIM: z.string().min(1).default('partner_id'),
  AUTH_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  // Rate limit per token (each API process counts on its own); 0 switches it off.
  API_RATE_LIMIT: z.coerce.number().int().min(0).default(3000),
  API_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  // Payload encryption (activities/../codec): `keyId=<base64 of 32 bytes>,...`; the first key (or
  // PAYLOAD_KEY_ID) encrypts, every listed key decrypts.
  PAYLOAD_KEYS: z.string().optional(),
  PAYLOAD_KEY_ID: z.string().optional(),
  CODEC_CORS_ORIGINS: z.string().default('http://localhost:8233,http://127.0.0.1:8233'),
  /** Development only: the codec endpoint answers unauthenticated requests from the loopback interface. */
  CODEC_ALLOW_LOCAL_UNAUTHENTICATED: Flag.default(false),
  SAVB_URL: z.url().default('http://localhost:4010'),
  SAVB_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  SAVB_POLL_INTERVAL: SavbInterval.default('1 hour'),
  SAVB_REGISTRATION_RETRY_INTERVAL: SavbInterval.default('1 day'),
  SAVB_SIM_PORT: Port.default(4010),
  SAVB_SIM_DATA_FILE: z.string().optional(),
  /** The simulator listens on this machine only unless told (a container sets 0.0.0.0). */
  SAVB_SIM_HOST: z.string().min(1).default('127.0.0.1'),
  /** Bearer token guarding the simulator's /_admin endpoints; without it they are closed. */
  SAVB_SIM_ADMIN_TOKEN: z.string().min(16).optional(),
  RATE_CARD_PATH: z.string().default(join(__dirname, 'rate-card.sample.json')),
  NOTIFY_WEBHOOK_URL: z.url().optional(),
  // Standard Webhooks secret `whsec_<base64>`, or any string of 16+ characters (used as its UTF-8 bytes).
  NOTIFY_WEBHOOK_SECRET: z
    .string()
    .min(16)
    .refine(
      (s) => !s.startsWith('whsec_') || /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/.test(s),
      'a whsec_ secret must be base64 of at least 24 bytes',
    )
    .optional(),
  WORKER_METRICS_PORT: Port.default(9464),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
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
  if (config.PAYLOAD_KEYS || config.PAYLOAD_KEY_ID) {
    try {
      parsePayloadKeys(config.PAYLOAD_KEYS ?? '', config.PAYLOAD_KEY_ID);
    } catch (err) {
      throw new ConfigError(`Invalid configuration:\n  ${(err as Error).message}`);
    }
  }
  const auth = [config.AUTH_JWKS_URL, config.AUTH_ISSUER, config.AUTH_AUDIENCE];
  if (auth.some(Boolean) && !auth.every(Boolean)) {
    throw new ConfigError(
      'Invalid configuration:\n  AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE: set all three (JWT bearer tokens) or none',
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
