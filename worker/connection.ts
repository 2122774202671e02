// Connections to Temporal by the SDK's own conventions (@temporalio/envconfig): environment variables, an optional TOML profile, API key or mTLS.
//
// Read: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS (true/false),
// TEMPORAL_TLS_CLIENT_CERT_PATH/_DATA, TEMPORAL_TLS_CLIENT_KEY_PATH/_DATA,
// TEMPORAL_TLS_SERVER_CA_CERT_PATH/_DATA, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_GRPC_META_*, and a profile
// (TEMPORAL_PROFILE) of the TOML file TEMPORAL_CONFIG_FILE (default ~/.config/temporalio/temporal.toml).
// Environment variables win over the profile. The project's former names TEMPORAL_TLS_CERT_PATH,
// TEMPORAL_TLS_KEY_PATH and TEMPORAL_TLS_CA_PATH still work. TLS settings that cannot work stop the
// process at start-up with a message (TemporalConnectionError); nothing falls back to plaintext.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile } from '@temporalio/envconfig';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';

export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

/** The project's former variable → the SDK's name for the same setting. */
export const RENAMED_TLS_VARIABLES: Record<string, string> = {
  TEMPORAL_TLS_CERT_PATH: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY_PATH: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_CA_PATH: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
};

/** A Temporal connection setting that cannot work; the message names the variable and what to do. */
export class TemporalConnectionError extends Error {}

/** Where and how to connect, resolved once at start-up. */
export interface TemporalConnectionSettings {
  address: string;
  namespace: string;
  /** Options for Connection.connect and NativeConnection.connect (same shape). */
  connectionOptions: NativeConnectionOptions;
  /** For logs: 'plaintext', 'TLS', 'mTLS', 'API key over TLS'; never a secret. */
  security: string;
}

/** Environment with the former names mapped to the SDK's, refusing two different values for one setting. */
function withSdkNames(env: NodeJS.ProcessEnv): Record<string, string> {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
  for (const [old, current] of Object.entries(RENAMED_TLS_VARIABLES)) {
    if (cleaned[old] === undefined) continue;
    if (cleaned[current] !== undefined && cleaned[current] !== cleaned[old]) {
      throw new TemporalConnectionError(`${old} and ${current} name the same file and differ; set only ${current}`);
    }
    cleaned[current] = cleaned[old];
  }
  return cleaned;
}

function loadProfile(env: Record<string, string>): ClientConfigProfile {
  try {
    return loadClientConfigProfile({ overrideEnvVars: env });
  } catch (err) {
    throw new TemporalConnectionError(`Temporal client profile: ${(err as Error).message}`);
  }
}

/** Reads a TLS file or inline data through envconfig's own loader, naming the setting on failure. */
function pemOf(source: { path: string } | { data: string | Uint8Array } | undefined, what: string): Buffer | undefined {
  if (!source) return undefined;
  if ('data' in source) return Buffer.from(source.data);
  try {
    return readFileSync(source.path);
  } catch (err) {
    throw new TemporalConnectionError(
      `${what}: cannot read ${source.path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}

/** The TLS material, checked as far as it can be without the server: present in pairs, parseable, matching, not expired. */
function checkTls(profile: ClientConfigProfile, now: Date): void {
  const tls = profile.tls;
  if (!tls) return;
  const cert = pemOf(tls.clientCert, 'TEMPORAL_TLS_CLIENT_CERT_PATH (client certificate)');
  const key = pemOf(tls.clientKey, 'TEMPORAL_TLS_CLIENT_KEY_PATH (client key)');
  const ca = pemOf(tls.serverCACert, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH (server CA certificate)');
  if (tls.disabled && (cert || key || ca || tls.serverName)) {
    throw new TemporalConnectionError(
      'TEMPORAL_TLS=false, but TLS certificates or a server name are set: remove one or the other',
    );
  }
  if (!!cert !== !!key) {
    throw new TemporalConnectionError(
      `mTLS needs both a client certificate and its key: ${cert ? 'TEMPORAL_TLS_CLIENT_KEY_PATH' : 'TEMPORAL_TLS_CLIENT_CERT_PATH'} is missing`,
    );
  }
  if (cert && key) {
    const certificate = parse(() => new X509Certificate(cert), 'the client certificate is not a PEM certificate');
    const privateKey = parse(() => createPrivateKey(key), 'the client key is not a PEM private key');
    if (!certificate.checkPrivateKey(privateKey)) {
      throw new TemporalConnectionError('the client key does not belong to the client certificate');
    }
    if (new Date(certificate.validTo) < now) {
      throw new TemporalConnectionError(
        `the client certificate expired on ${new Date(certificate.validTo).toISOString()}`,
      );
    }
  }
  if (ca) parse(() => new X509Certificate(ca), 'the server CA certificate is not a PEM certificate');
}

function parse<T>(read: () => T, message: string): T {
  try {
    return read();
  } catch {
    throw new TemporalConnectionError(message);
  }
}

/** Resolves the connection settings from the environment (and a profile), or throws TemporalConnectionError. */
export function temporalConnectionSettings(
  env: NodeJS.ProcessEnv = process.env,
  now = new Date(),
): TemporalConnectionSettings {
  const sdkEnv = withSdkNames(env);
  if (sdkEnv.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION === 'true') {
    throw new TemporalConnectionError(
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is not supported by the TypeScript SDK; set TEMPORAL_TLS_SERVER_NAME to the name in the server certificate instead',
    );
  }
  const profile = loadProfile(sdkEnv);
  checkTls(profile, now);
  if (profile.apiKey && profile.tls?.disabled) {
    throw new TemporalConnectionError(
      'TEMPORAL_API_KEY is set but TEMPORAL_TLS=false: an API key is only sent over TLS',
    );
  }
  const { connectionOptions, namespace } = toClientOptions(profile);
  const address = connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS;
  const tls = connectionOptions.tls;
  const mutual = typeof tls === 'object' && tls !== null && !!tls.clientCertPair;
  const security = !tls ? 'plaintext' : profile.apiKey ? 'API key over TLS' : mutual ? 'mTLS' : 'TLS';
  return {
    address,
    namespace: namespace ?? DEFAULT_TEMPORAL_NAMESPACE,
    connectionOptions: { ...connectionOptions, address },
    security,
  };
}

/** A client for the API and the activities; `dataConverter` encrypts payloads (worker/data-converter.ts). */
export async function connectClient(
  settings: TemporalConnectionSettings,
  dataConverter?: DataConverter,
): Promise<Client> {
  const { apiKey, metadata, tls, address } = settings.connectionOptions;
  const connection = await Connection.connect({ address, tls, apiKey, metadata });
  return new Client({ connection, namespace: settings.namespace, dataConverter });
}

/** The worker's native connection. */
export async function connectWorker(settings: TemporalConnectionSettings): Promise<NativeConnection> {
  return NativeConnection.connect(settings.connectionOptions);
}
