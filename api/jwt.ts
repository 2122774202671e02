// Bearer tokens from an OAuth 2.0 / OIDC identity provider: JWTs verified with `jose` against the
// provider's JWKS (signature, issuer, audience, expiry), the caller read from configurable claims.
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config/env';
import { identityFromClaims, type ClaimNames } from '../domain/identity';

/** Asymmetric algorithms only: a provider's public keys verify, nothing shared is trusted. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export interface JwtIdentity {
  role: 'backoffice' | 'operator' | 'partner';
  partnerId?: string;
  actor: string;
  subject?: string;
}

/** Why a token was refused: 401 (not a valid token), 403 (valid, but no usable role) or 503 (keys unreachable). */
export class JwtRefused extends Error {
  constructor(
    readonly status: 401 | 403 | 503,
    message: string,
  ) {
    super(message);
  }
}

export type JwtVerifier = (token: string) => Promise<JwtIdentity>;

/** A JWT has three base64url parts; anything else is a static API token. */
export const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);

/** Undefined when no provider is configured (AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE come together). */
export function createJwtVerifier(
  config: Pick<
    Config,
    | 'AUTH_JWKS_URL'
    | 'AUTH_ISSUER'
    | 'AUTH_AUDIENCE'
    | 'AUTH_ROLES_CLAIM'
    | 'AUTH_PARTNER_CLAIM'
    | 'AUTH_CLOCK_TOLERANCE_SECONDS'
  >,
): JwtVerifier | undefined {
  if (!config.AUTH_JWKS_URL || !config.AUTH_ISSUER || !config.AUTH_AUDIENCE) return undefined;
  // jose caches the key set, refetches it when a token names an unknown key (rotation) and rate-limits refetches.
  const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(config.AUTH_JWKS_URL), { timeoutDuration: 5_000 });
  const names: ClaimNames = { roles: config.AUTH_ROLES_CLAIM, partner: config.AUTH_PARTNER_CLAIM };
  const options = {
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE.split(',').map((a) => a.trim()),
    algorithms: ALGORITHMS,
    clockTolerance: config.AUTH_CLOCK_TOLERANCE_SECONDS,
    requiredClaims: ['exp'],
  };
  return async (token) => {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, keys, options));
    } catch (err) {
      throw refusalOf(err);
    }
    const identity = identityFromClaims(payload, names);
    if (!identity.ok) throw new JwtRefused(403, identity.reason);
    const { ok: _ok, ...rest } = identity;
    return { ...rest, ...(typeof payload.sub === 'string' ? { subject: payload.sub } : {}) };
  };
}

/** What the caller may learn about a refused token: the rule it broke, never the library's internals. */
function refusalOf(err: unknown): JwtRefused {
  if (err instanceof errors.JWTExpired) return new JwtRefused(401, 'the token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    const claim = err.claim === 'aud' ? 'audience' : err.claim === 'iss' ? 'issuer' : `"${err.claim}" claim`;
    return new JwtRefused(401, `the token's ${claim} is not accepted`);
  }
  // jose's own errors say what is wrong with the token; anything else (a failed fetch) is the key set's.
  if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError))
    return new JwtRefused(503, "the identity provider's keys could not be fetched; try again shortly");
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWSSignatureVerificationFailed)
    return new JwtRefused(401, 'the token is not signed by a key of the identity provider');
  return new JwtRefused(401, 'the token is not a valid JWT of the identity provider');
}
