// The codec server the Temporal UI and CLI call to show encrypted payloads to operators
// (Temporal's remote codec protocol): POST /codec/decode and /codec/encode with
// `{ payloads: [{ metadata: { key: base64 }, data: base64 }] }`, answered in the same shape.
// Operators only (an API token or identity-provider token with the operator role), CORS for the
// UI's origins (CODEC_CORS_ORIGINS). Development only: CODEC_ALLOW_LOCAL_UNAUTHENTICATED lets the
// dev server's UI (which has no login to pass on) decode from the loopback interface.
import type { Payload, PayloadCodec } from '@temporalio/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Config } from '../config/env';
import { authenticate, requireRole, type TokenTable } from './auth';
import type { JwtVerifier } from './jwt';
import { problem, validationProblem } from './problems';

const CODEC_BODY_LIMIT = '4mb';
const Base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'base64');
const JsonPayload = z.object({
  metadata: z.record(z.string(), Base64).nullish(),
  data: Base64.nullish(),
});
const CodecBody = z.object({ payloads: z.array(JsonPayload).max(10_000) });
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

export interface CodecServerDeps {
  codec?: PayloadCodec;
  config: Pick<Config, 'CODEC_CORS_ORIGINS' | 'CODEC_ALLOW_LOCAL_UNAUTHENTICATED'>;
  tokens: TokenTable;
  jwt?: JwtVerifier;
}

export function codecRouter(deps: CodecServerDeps): express.Router {
  const router = express.Router();
  const origins = new Set(deps.config.CODEC_CORS_ORIGINS.split(',').map((o) => o.trim()));
  router.use((req: Request, res: Response, next: NextFunction) => {
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
    next();
  });
  const authenticated = authenticate(deps.tokens, deps.jwt);
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    const local = deps.config.CODEC_ALLOW_LOCAL_UNAUTHENTICATED && LOOPBACK.has(req.socket.remoteAddress ?? '');
    if (local && !req.get('authorization')) return next();
    await authenticated(req, res, (err?: unknown) => {
      if (err) return next(err);
      requireRole(req, ['operator']);
      next();
    });
  });
  router.use(express.json({ limit: CODEC_BODY_LIMIT }));
  for (const direction of ['encode', 'decode'] as const) {
    router.post(`/${direction}`, async (req: Request, res: Response) => {
      const parsed = CodecBody.safeParse(req.body);
      if (!parsed.success) throw validationProblem(parsed.error, 'body');
      if (!deps.codec) throw problem(404, 'codec-not-configured', 'No payload codec', 'PAYLOAD_KEYS is not set');
      let payloads: Payload[];
      try {
        payloads = await deps.codec[direction](parsed.data.payloads.map(fromJson));
      } catch (err) {
        throw problem(422, 'payload-not-decodable', 'Payload not decodable', (err as Error).message);
      }
      res.json({ payloads: payloads.map(toJson) });
    });
  }
  return router;
}
