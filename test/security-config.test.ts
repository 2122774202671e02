// The security settings checked at start-up, and the payload codec's encryption: round trip, key
// rotation (encrypt with the current key, decrypt with any configured one), plain old payloads,
// tampering and unknown keys refused.
import { defaultPayloadConverter } from '@temporalio/common';
import { ConfigError, loadConfig } from '../config/env';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, newPayloadKey, parsePayloadKeys } from '../worker/payload-codec';

const customer = { name: 'Fabrikam Ltd', projectManagerEmail: 'pm@fabrikam.example' };
const plain = () => defaultPayloadConverter.toPayload(customer);
const codecWith = (keys: string, current?: string) => new AesGcmPayloadCodec(parsePayloadKeys(keys, current));
const text = (payload: { data?: Uint8Array | null }) => Buffer.from(payload.data ?? []).toString('utf8');

describe('payload codec (AES-256-GCM)', () => {
  const old = newPayloadKey('2026-01');
  const current = newPayloadKey('2026-07');

  it('encrypts payloads so no customer data is readable, and decrypts them back', async () => {
    const codec = codecWith(current);
    const [encrypted] = await codec.encode([plain()]);
    expect(Buffer.from(encrypted.metadata!.encoding).toString()).toBe(ENCRYPTED_ENCODING);
    expect(text(encrypted)).not.toContain('Fabrikam');
    expect(text(encrypted)).not.toContain('pm@fabrikam');
    const [decrypted] = await codec.decode([encrypted]);
    expect(defaultPayloadConverter.fromPayload(decrypted)).toEqual(customer);
  });

  it('rotates keys: encrypts with the current key, still decrypts with an older configured one', async () => {
    const [byOld] = await codecWith(old).encode([plain()]);
    const rotated = codecWith(`${current},${old}`);
    const [byCurrent] = await rotated.encode([plain()]);
    expect(Buffer.from(byCurrent.metadata!['encryption-key-id']).toString()).toBe('2026-07');
    for (const payload of await rotated.decode([byOld, byCurrent]))
      expect(defaultPayloadConverter.fromPayload(payload)).toEqual(customer);
    // PAYLOAD_KEY_ID picks another current key.
    const [pinned] = await codecWith(`${current},${old}`, '2026-01').encode([plain()]);
    expect(Buffer.from(pinned.metadata!['encryption-key-id']).toString()).toBe('2026-01');
  });

  it('passes plain payloads written before encryption through unchanged', async () => {
    const [decoded] = await codecWith(current).decode([plain()]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual(customer);
  });

  it('refuses a payload of a key no longer configured, and a tampered one', async () => {
    const [byOld] = await codecWith(old).encode([plain()]);
    await expect(codecWith(current).decode([byOld])).rejects.toThrow(/key "2026-01".*not configured/);
    const [encrypted] = await codecWith(current).encode([plain()]);
    const tampered = Buffer.from(encrypted.data!);
    tampered[20] ^= 1;
    await expect(codecWith(current).decode([{ ...encrypted, data: tampered }])).rejects.toThrow();
    // The key ID is authenticated: relabelling a payload as another key's fails too.
    const relabelled = {
      ...encrypted,
      metadata: { ...encrypted.metadata, 'encryption-key-id': Buffer.from('2026-01') },
    };
    await expect(codecWith(`${current},${old}`).decode([relabelled])).rejects.toThrow();
  });
});

describe('security configuration, checked at start-up', () => {
  const fail = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error(`accepted ${JSON.stringify(env)}`);
  };

  it('refuses malformed payload keys without repeating them', () => {
    const secret = Buffer.alloc(16, 7).toString('base64');
    const message = fail({ PAYLOAD_KEYS: `k1=${secret}` });
    expect(message).toMatch(/PAYLOAD_KEYS[\s\S]*32 bytes/);
    expect(message).not.toContain(secret);
    expect(fail({ PAYLOAD_KEYS: newPayloadKey('a'), PAYLOAD_KEY_ID: 'b' })).toMatch(/PAYLOAD_KEY_ID b/);
    expect(fail({ PAYLOAD_KEY_ID: 'a' })).toMatch(/no key/);
    expect(loadConfig({ PAYLOAD_KEYS: `${newPayloadKey('a')},${newPayloadKey('b')}` }).PAYLOAD_KEYS).toBeDefined();
  });

  it('validates API_BODY_LIMIT: a size between 1kb and 10mb', () => {
    expect(loadConfig({ API_BODY_LIMIT: '256kb' }).API_BODY_LIMIT).toBe('256kb');
    expect(loadConfig({ API_BODY_LIMIT: '1mb' }).API_BODY_LIMIT).toBe('1mb');
    for (const bad of ['lots', '-1kb', '100gb', '20mb', '10', '1 kilo'])
      expect(fail({ API_BODY_LIMIT: bad })).toMatch(/API_BODY_LIMIT/);
  });

  it('needs the JWKS URL, issuer and audience together', () => {
    expect(fail({ AUTH_JWKS_URL: 'https://idp.example/jwks.json' })).toMatch(/AUTH_ISSUER/);
    const auth = {
      AUTH_JWKS_URL: 'https://idp.example/jwks.json',
      AUTH_ISSUER: 'https://idp.example',
      AUTH_AUDIENCE: 'pso',
    };
    expect(loadConfig(auth).AUTH_ROLES_CLAIM).toBe('roles');
    expect(fail({ ...auth, AUTH_JWKS_URL: 'not a url' })).toMatch(/AUTH_JWKS_URL/);
  });

  it('binds the worker metrics and the SAVB simulator to 127.0.0.1 unless configured', () => {
    const config = loadConfig({});
    expect(config.WORKER_METRICS_HOST).toBe('127.0.0.1');
    expect(config.SAVB_SIM_HOST).toBe('127.0.0.1');
    expect(loadConfig({ WORKER_METRICS_HOST: '0.0.0.0' }).WORKER_METRICS_HOST).toBe('0.0.0.0');
  });

  it('refuses a malformed Standard Webhooks secret', () => {
    const url = { NOTIFY_WEBHOOK_URL: 'https://hooks.example/pso' };
    expect(fail({ ...url, NOTIFY_WEBHOOK_SECRET: 'whsec_not base64 at all!!!' })).toMatch(/NOTIFY_WEBHOOK_SECRET/);
    const secret = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
    expect(loadConfig({ ...url, NOTIFY_WEBHOOK_SECRET: secret }).NOTIFY_WEBHOOK_SECRET).toBe(secret);
  });
});
