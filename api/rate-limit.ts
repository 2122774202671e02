// Rate limit per token (express-rate-limit): API_RATE_LIMIT requests per API_RATE_WINDOW_SECONDS for each
// bearer token, counted in this API process (each replica counts on its own). Over the limit: 429
// problem+json with Retry-After. Runs after authentication, so only valid tokens have a budget.
import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { rateLimit, type RateLimitInfo, type RateLimitRequestHandler } from 'express-rate-limit';
import type { Config } from '../config/env';
import { problem } from './problems';

/** The token itself never sits in the limiter's memory, only its digest. */
const tokenKey = (req: Request) =>
  createHash('sha256')
    .update(req.get('authorization') ?? '')
    .digest('base64url');

export function tokenRateLimit(
  config: Pick<Config, 'API_RATE_LIMIT' | 'API_RATE_WINDOW_SECONDS'>,
): RateLimitRequestHandler | undefined {
  if (config.API_RATE_LIMIT === 0) return undefined;
  const windowMs = config.API_RATE_WINDOW_SECONDS * 1000;
  return rateLimit({
    windowMs,
    limit: config.API_RATE_LIMIT,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: tokenKey,
    handler: (req: Request, _res: Response, next: NextFunction) => {
      const info = (req as Request & { rateLimit?: RateLimitInfo }).rateLimit;
      const resetAt = info?.resetTime?.getTime() ?? Date.now() + windowMs;
      const retryAfter = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
      next(
        problem(
          429,
          'rate-limited',
          'Too many requests',
          `this token may send ${config.API_RATE_LIMIT} requests per ${config.API_RATE_WINDOW_SECONDS} s; try again in ${retryAfter} s`,
        ).withHeaders({ 'Retry-After': String(retryAfter) }),
      );
    },
  });
}
