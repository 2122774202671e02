// Encrypts every Temporal payload (workflow inputs, messages, results, memos, failure details) with
// AES-256-GCM, so customer names and e-mails are unreadable to anyone with access to Temporal but
// not to the keys. Keys come from configuration with an ID (PAYLOAD_KEYS = `id=<base64 32 bytes>,...`):
// the current key encrypts, any configured key decrypts (rotation), plain payloads pass through.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface PayloadKeys {
  /** The key new payloads are encrypted with. */
  currentKeyId: string;
  keys: Map<string, Buffer>;
}

export class PayloadKeyError extends Error {}

/** Parses PAYLOAD_KEYS (and PAYLOAD_KEY_ID, the current key; default the first). Never repeats key material in errors. */
export function parsePayloadKeys(value: string, currentKeyId?: string): PayloadKeys {
  const keys = new Map<string, Buffer>();
  const problems: string[] = [];
  value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .forEach((entry, index) => {
      const at = entry.indexOf('=');
      const id = at > 0 ? entry.slice(0, at) : '';
      const key = Buffer.from(entry.slice(at + 1), 'base64');
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) problems.push(`entry ${index + 1}: expected <keyId>=<base64 key>`);
      else if (key.length !== 32) problems.push(`key ${id}: must be 32 bytes (base64), got ${key.length}`);
      else if (keys.has(id)) problems.push(`key ${id}: listed twice`);
      else keys.set(id, key);
    });
  const current = currentKeyId ?? keys.keys().next().value;
  if (keys.size === 0 && problems.length === 0) problems.push('no key listed');
  else if (current !== undefined && !keys.has(current))
    problems.push(`PAYLOAD_KEY_ID ${current} is not in PAYLOAD_KEYS`);
  if (problems.length) throw new PayloadKeyError(`Invalid PAYLOAD_KEYS:\n  ${problems.join('\n  ')}`);
  return { currentKeyId: current!, keys };
}

/** A fresh random key in PAYLOAD_KEYS form (for development stacks and key rotation). */
export const newPayloadKey = (id: string) => `${id}=${randomBytes(32).toString('base64')}`;

export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keys: PayloadKeys) {}

  encode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((payload) => this.encrypt(payload))));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((payload) => this.decrypt(payload))));
  }

  private encrypt(payload: Payload): Payload {
    const keyId = this.keys.currentKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.keys.get(keyId)!, iv);
    // The key ID is authenticated too: a payload cannot be passed off as another key's.
    cipher.setAAD(Buffer.from(keyId));
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: Buffer.from(keyId),
      },
      data,
    };
  }

  private decrypt(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    // Payloads written before encryption was switched on stay readable.
    if (!encoding || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
    const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
    const keyId = keyIdBytes ? Buffer.from(keyIdBytes).toString() : '';
    const key = this.keys.keys.get(keyId);
    if (!key) throw new ValueError(`payload encrypted with key "${keyId}", which is not configured (PAYLOAD_KEYS)`);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new ValueError('encrypted payload too short');
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    return temporal.api.common.v1.Payload.decode(plain);
  }
}
