// The secrets of `npm start` besides the API tokens: the payload key and the simulator's admin token, kept in the data directory.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newPayloadKey } from '../../worker/payload-codec';

/**
 * The stack's secrets besides the tokens, generated once into .data/dev-secrets.json and kept: the
 * payload encryption key (the Temporal state under .data/ is encrypted with it; losing it makes those
 * workflows unreadable) and the SAVB simulator's admin token. PAYLOAD_KEYS or SAVB_SIM_ADMIN_TOKEN
 * in the environment win. Plus the settings that let the dev server's UI decode through the API.
 */
export function devSecretsEnv(dataDir: string, uiPort: number): NodeJS.ProcessEnv {
  const file = join(dataDir, 'dev-secrets.json');
  let stored: { payloadKeys?: string; savbAdminToken?: string } = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as typeof stored;
  if (!stored.payloadKeys || !stored.savbAdminToken) {
    stored = {
      payloadKeys: stored.payloadKeys ?? newPayloadKey('dev-1'),
      savbAdminToken: stored.savbAdminToken ?? `dev-${randomBytes(18).toString('base64url')}`,
    };
    const note =
      'Secrets of `npm start`: keep this file as long as .data/temporal.sqlite (its payloads are encrypted with payloadKeys).';
    writeFileSync(file, `${JSON.stringify({ note, ...stored }, null, 2)}\n`, { mode: 0o600 });
  }
  return {
    PAYLOAD_KEYS: process.env.PAYLOAD_KEYS || stored.payloadKeys,
    SAVB_SIM_ADMIN_TOKEN: process.env.SAVB_SIM_ADMIN_TOKEN || stored.savbAdminToken,
    CODEC_CORS_ORIGINS: process.env.CODEC_CORS_ORIGINS || `http://localhost:${uiPort},http://127.0.0.1:${uiPort}`,
    // The dev server's UI has no login to pass on: the codec answers this machine without a token.
    CODEC_ALLOW_LOCAL_UNAUTHENTICATED: process.env.CODEC_ALLOW_LOCAL_UNAUTHENTICATED || 'true',
  };
}
