// The codec server the Temporal UI and CLI call to show encrypted payloads to operators
// (Temporal's remote codec protocol): POST /codec/decode and /codec/encode with
// `{ payloads: [{ metadata: { key: base64 }, data: base64 }] }`, answered in the same shape.
// Operators only (an API token or identity-provider token with the operator role), CORS for the
// UI's origins (CODEC_CORS_ORIGINS). Development only: CODEC_ALLOW_LOCAL_UNAUTHENTICATED lets the
// dev server's UI (which has no login to pass on) decode from the loopback interface.
import type { Payload } from '@temporalio/common';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import type { Config } from '../config/env';
import { problem } from './problems';
import { defineRoute, type RouteDef } from './router';

const TAG = 'Operations';
const Base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'base64');
const JsonPayload = z.strictObject({
  metadata: z.record(z.string().max(256), Base64).nullish(),
  data: Base64.nullish(),
});
const CodecBody = z
  .strictObject({ payloads: z.array(JsonPayload).max(10_000) })
  .meta({ id: 'CodecPayloads', description: "Payloads in Temporal's proto JSON form (bytes as base64)" });
type JsonPayload = z.infer<typeof JsonPayload>;

const fromJson = ({ metadata, data }: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(data ?? '', 'base64'),
});
const toJson = ({ metadata, data }: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
});

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * CORS for the Temporal UI's origins (and the preflight), and in development the loopback caller
 * without a token taken as an operator. Mounted on /codec before the routes.
 */
export function codecAccess(config: Pick<Config, 'CODEC_CORS_ORIGINS' | 'CODEC_ALLOW_LOCAL_UNAUTHENTICATED'>) {
  const origins = new Set(config.CODEC_CORS_ORIGINS.split(',').map((o) => o.trim()));
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.get('origin');
    if (origin && origins.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Namespace');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    res.setHeader('Vary', 'Origin');
    if (req.method === 'OPTIONS') return res.status(204).end();
    const local = config.CODEC_ALLOW_LOCAL_UNAUTHENTICATED && LOOPBACK.has(req.socket.remoteAddress ?? '');
    if (local && !req.get('authorization')) req.principal = { role: 'operator', actor: 'operator' };
    next();
  };
}

const codecRoute = (direction: 'encode' | 'decode'): RouteDef =>
  defineRoute({
    method: 'post',
    path: `/codec/${direction}`,
    operationId: `codec${direction === 'encode' ? 'Encode' : 'Decode'}`,
    summary:
      direction === 'decode' ? 'Decrypt Temporal payloads (codec server)' : 'Encrypt Temporal payloads (codec server)',
    description:
      "Temporal's remote codec protocol, for the Temporal UI and CLI (`--codec-endpoint <api>/codec`): payloads " +
      `${direction === 'decode' ? 'decrypted with any configured key' : 'encrypted with the current key'}. Operators only.`,
    tags: [TAG],
    auth: ['operator'],
    body: CodecBody,
    responses: { 200: { description: 'The payloads, in the same order', schema: CodecBody } },
    errors: [404, 422],
    handler: async ({ body, app }) => {
      const [codec] = app.client.options.loadedDataConverter.payloadCodecs;
      if (!codec) throw problem(404, 'codec-not-configured', 'No payload codec', 'PAYLOAD_KEYS is not set');
      let payloads: Payload[];
      try {
        payloads = await codec[direction](body.payloads.map(fromJson));
      } catch (err) {
        throw problem(422, 'payload-not-decodable', 'Payload not decodable', (err as Error).message);
      }
      return { status: 200, body: { payloads: payloads.map(toJson) } };
    },
  });

export const codecRoutes: RouteDef[] = [codecRoute('decode'), codecRoute('encode')];
