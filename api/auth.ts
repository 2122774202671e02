// Bearer tokens: from configuration (`API_TOKENS`: `token=role,...`, role = backoffice | operator |
// partner:<partnerId>), parsed and validated once at start-up, compared in constant time; and, when an
// identity provider is configured, its JWTs (api/jwt.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { Identifier } from '../domain/schemas';
import { JwtRefused, looksLikeJwt, type JwtVerifier } from './jwt';
import { forbidden, problem, unauthorized } from './problems';

export type Role = 'backoffice' | 'operator' | 'partner';

export interface Principal {
  role: Role;
  /** For partners: the partner the token belongs to. */
  partnerId?: string;
  /** The actor recorded in the workflows: `backoffice`, `operator` or `partner:<id>`. */
  actor: string;
  /** The token's subject, for identity-provider tokens. */
  subject?: string;
}

const TokenEntry = z
  .string()
  .transform((entry) => entry.trim())
  .pipe(
    z
      .string()
      .regex(
        /^[^=\s,]{16,}=(backoffice|operator|partner:[A-Za-z0-9][A-Za-z0-9._-]{0,63})$/,
        'expected token=role with a token of at least 16 characters and a role backoffice, operator or partner:<partnerId>',
      ),
  );

export class TokenConfigError extends Error {}

export interface TokenTable {
  /** sha256 of each token, so every comparison has the same length. */
  entries: { digest: Buffer; principal: Principal }[];
}

function principalOf(role: string): Principal {
  if (role.startsWith('partner:')) {
    const partnerId = Identifier.parse(role.slice('partner:'.length));
    return { role: 'partner', partnerId, actor: `partner:${partnerId}` };
  }
  return { role: role as Role, actor: role };
}

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** Parses `API_TOKENS`; throws a TokenConfigError naming the bad entries (never the tokens themselves). */
export function parseTokens(value: string): TokenTable {
  const raw = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const problems: string[] = [];
  const entries: TokenTable['entries'] = [];
  const seen = new Set<string>();
  raw.forEach((entry, index) => {
    const parsed = TokenEntry.safeParse(entry);
    if (!parsed.success) {
      problems.push(`entry ${index + 1}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      return;
    }
    const at = parsed.data.indexOf('=');
    const token = parsed.data.slice(0, at);
    if (seen.has(token)) {
      problems.push(`entry ${index + 1}: the same token appears twice`);
      return;
    }
    seen.add(token);
    entries.push({ digest: digest(token), principal: principalOf(parsed.data.slice(at + 1)) });
  });
  if (problems.length) throw new TokenConfigError(`Invalid API_TOKENS:\n  ${problems.join('\n  ')}`);
  return { entries };
}

/** The principal for a token, comparing against every configured token in constant time. */
export function lookupToken(table: TokenTable, token: string): Principal | undefined {
  const presented = digest(token);
  let found: Principal | undefined;
  for (const entry of table.entries) {
    if (timingSafeEqual(entry.digest, presented) && !found) found = entry.principal;
  }
  return found;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export function principal(req: Request): Principal {
  if (!req.principal) throw unauthorized('no credentials');
  return req.principal;
}

/** The bearer token of a request, or a 401 saying how to send one. */
function bearerToken(req: Request): string {
  const header = req.get('authorization');
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (match) return match[1];
  const err = unauthorized(
    header ? 'the Authorization header must be "Bearer <token>"' : 'send Authorization: Bearer <token>',
  );
  err.headers['WWW-Authenticate'] = 'Bearer realm="planning-services"';
  throw err;
}

const invalidToken = (detail: string) => {
  const err = unauthorized(detail);
  err.headers['WWW-Authenticate'] = 'Bearer realm="planning-services", error="invalid_token"';
  return err;
};

/**
 * Authenticates the request: a configured API token, else (when an identity provider is configured)
 * a JWT. 401 with `WWW-Authenticate: Bearer` when the token is missing or not valid.
 */
export function authenticate(table: TokenTable, jwt?: JwtVerifier) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    // Already known: the codec server's development access from this machine (api/codec-server.ts).
    if (req.principal) return next();
    const token = bearerToken(req);
    const found = lookupToken(table, token);
    if (found) {
      req.principal = found;
      return next();
    }
    if (!jwt || !looksLikeJwt(token)) throw invalidToken('the token is not known');
    try {
      req.principal = await jwt(token);
    } catch (err) {
      if (!(err instanceof JwtRefused)) throw err;
      if (err.status === 401) throw invalidToken(err.message);
      if (err.status === 403) throw forbidden(err.message);
      throw problem(503, 'identity-provider-unavailable', 'Service unavailable', err.message).withHeaders({
        'Retry-After': '5',
      });
    }
    next();
  };
}

/** 403 unless the caller has one of the roles. */
export function requireRole(req: Request, roles: readonly Role[]): Principal {
  const who = principal(req);
  if (!roles.includes(who.role)) throw forbidden(`this needs the role ${roles.join(' or ')}; the token is ${who.role}`);
  return who;
}
