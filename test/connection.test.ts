// The Temporal connection settings: the SDK's variables and profiles, the former names, and TLS settings that cannot work stopping the start with a message.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TemporalConnectionError, temporalConnectionSettings } from '../worker/connection';

let dir: string;
const file = (name: string) => join(dir, name);

/** A self-signed certificate and its key (P-256), written by openssl. */
function makeCertificate(name: string): { cert: string; key: string } {
  const cert = file(`${name}.crt`);
  const key = file(`${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-subj',
      `/CN=${name}`,
      '-days',
      '30',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

let client: { cert: string; key: string };
let other: { cert: string; key: string };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'connection-test-'));
  client = makeCertificate('client');
  other = makeCertificate('other');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Settings from exactly these variables (no profile file of the machine's user). */
const settings = (env: Record<string, string>, now?: Date) =>
  temporalConnectionSettings({ HOME: dir, XDG_CONFIG_HOME: dir, ...env }, now);

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TemporalConnectionError);
    return (err as Error).message;
  }
  throw new Error('expected the settings to be refused');
}

describe('Temporal connection settings', () => {
  it('defaults to a local plaintext server and the default namespace', () => {
    const s = settings({});
    expect({ address: s.address, namespace: s.namespace, security: s.security }).toEqual({
      address: 'localhost:7233',
      namespace: 'default',
      security: 'plaintext',
    });
    expect(s.connectionOptions.tls).toBeUndefined();
  });

  it('an API key turns TLS on (Temporal Cloud)', () => {
    const s = settings({
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'planning.a1b2c',
      TEMPORAL_API_KEY: 'key-123',
    });
    expect(s).toMatchObject({ address: 'eu-west-1.aws.api.temporal.io:7233', namespace: 'planning.a1b2c' });
    expect(s.connectionOptions).toMatchObject({ apiKey: 'key-123', tls: true });
    expect(s.security).toBe('API key over TLS');
  });

  it('mTLS with the SDK names, and with the former names of this project', () => {
    const sdk = settings({ TEMPORAL_TLS_CLIENT_CERT_PATH: client.cert, TEMPORAL_TLS_CLIENT_KEY_PATH: client.key });
    const former = settings({ TEMPORAL_TLS_CERT_PATH: client.cert, TEMPORAL_TLS_KEY_PATH: client.key });
    for (const s of [sdk, former]) {
      expect(s.security).toBe('mTLS');
      const tls = s.connectionOptions.tls as { clientCertPair?: { crt: Uint8Array; key: Uint8Array } };
      expect(Buffer.from(tls.clientCertPair!.crt).toString()).toMatch(/BEGIN CERTIFICATE/);
      expect(Buffer.from(tls.clientCertPair!.key).toString()).toMatch(/BEGIN PRIVATE KEY/);
    }
  });

  it('a profile of the TOML file, with environment variables winning over it', () => {
    const toml = file('temporal.toml');
    writeFileSync(toml, '[profile.prod]\naddress = "temporal.prod.internal:7233"\nnamespace = "planning"\n');
    const s = settings({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'prod' });
    expect({ address: s.address, namespace: s.namespace }).toEqual({
      address: 'temporal.prod.internal:7233',
      namespace: 'planning',
    });
    expect(
      settings({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'other' }).namespace,
    ).toBe('other');
    expect(messageOf(() => settings({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'staging' }))).toMatch(
      /Profile 'staging' not found/,
    );
  });

  it.each([
    [
      'a certificate without its key',
      { TEMPORAL_TLS_CLIENT_CERT_PATH: 'CLIENT_CERT' },
      /TEMPORAL_TLS_CLIENT_KEY_PATH is missing/,
    ],
    [
      'a key without its certificate',
      { TEMPORAL_TLS_CLIENT_KEY_PATH: 'CLIENT_KEY' },
      /TEMPORAL_TLS_CLIENT_CERT_PATH is missing/,
    ],
    [
      'a file that does not exist',
      { TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/nonexistent/ca.pem' },
      /TEMPORAL_TLS_SERVER_CA_CERT_PATH.*\/nonexistent\/ca\.pem.*ENOENT/,
    ],
    [
      'a key of another certificate',
      { TEMPORAL_TLS_CLIENT_CERT_PATH: 'CLIENT_CERT', TEMPORAL_TLS_CLIENT_KEY_PATH: 'OTHER_KEY' },
      /does not belong to the client certificate/,
    ],
    [
      'a certificate file that holds a key',
      { TEMPORAL_TLS_CLIENT_CERT_PATH: 'CLIENT_KEY', TEMPORAL_TLS_CLIENT_KEY_PATH: 'CLIENT_KEY' },
      /not a PEM certificate/,
    ],
    [
      'a CA file that is not a certificate',
      { TEMPORAL_TLS_SERVER_CA_CERT_PATH: 'CLIENT_KEY' },
      /server CA certificate is not a PEM certificate/,
    ],
    [
      'TLS switched off with certificates set',
      {
        TEMPORAL_TLS: 'false',
        TEMPORAL_TLS_CLIENT_CERT_PATH: 'CLIENT_CERT',
        TEMPORAL_TLS_CLIENT_KEY_PATH: 'CLIENT_KEY',
      },
      /TEMPORAL_TLS=false, but TLS certificates/,
    ],
    [
      'an API key with TLS switched off',
      { TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'key-123' },
      /API key is only sent over TLS/,
    ],
    [
      'host verification switched off',
      { TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' },
      /not supported by the TypeScript SDK/,
    ],
    [
      'a former and a new name that differ',
      { TEMPORAL_TLS_CA_PATH: 'CLIENT_CERT', TEMPORAL_TLS_SERVER_CA_CERT_PATH: 'OTHER_CERT' },
      /TEMPORAL_TLS_CA_PATH and TEMPORAL_TLS_SERVER_CA_CERT_PATH/,
    ],
  ])('refuses %s with a message', (_what, env, message) => {
    const paths: Record<string, string> = {
      CLIENT_CERT: client.cert,
      CLIENT_KEY: client.key,
      OTHER_CERT: other.cert,
      OTHER_KEY: other.key,
    };
    const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, paths[v] ?? v]));
    expect(messageOf(() => settings(resolved))).toMatch(message);
  });

  it('refuses an expired client certificate', () => {
    const env = { TEMPORAL_TLS_CLIENT_CERT_PATH: client.cert, TEMPORAL_TLS_CLIENT_KEY_PATH: client.key };
    expect(settings(env).security).toBe('mTLS');
    expect(messageOf(() => settings(env, new Date('2200-01-01T00:00:00Z')))).toMatch(/client certificate expired on/);
  });

  it.each(['worker/main.ts', 'api/main.ts'])('%s stops at start-up with the message, before connecting', (entry) => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', entry], {
      cwd: join(__dirname, '..'),
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        HOME: dir,
        API_TOKENS: 'connection-test-token=backoffice',
        WORKER_METRICS_PORT: '1',
        // Required since the record store; the process stops before it is used.
        DATABASE_URL: 'postgres://pso:unused@127.0.0.1:1/pso_records',
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        TEMPORAL_TLS_CLIENT_CERT_PATH: client.cert,
      },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/TEMPORAL_TLS_CLIENT_KEY_PATH is missing/);
  });
});
