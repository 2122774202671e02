// Who a verified identity-provider token (JWT) says the caller is: the role and partner ID read
// from configurable claims. Pure: the signature, issuer, audience and expiry are checked before (api/jwt.ts).

export const TOKEN_ROLES = ['backoffice', 'operator', 'partner'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export interface ClaimNames {
  /** Claim holding the roles: an array or a space/comma separated string; a dotted path reads nested claims (`realm_access.roles`). */
  roles: string;
  /** Claim holding the partner ID of a partner's token. */
  partner: string;
}

export type ClaimsIdentity =
  { ok: true; role: TokenRole; partnerId?: string; actor: string } | { ok: false; reason: string };

const PARTNER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A claim by name; a dotted name walks nested objects when no claim has the whole name. */
export function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let current: unknown = claims;
  for (const part of name.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function rolesIn(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/**
 * The caller a token's claims name. Exactly one of the product's roles must be present (a token
 * with two would make the recorded actor ambiguous), and a partner's token must name a valid partner ID.
 */
export function identityFromClaims(claims: Record<string, unknown>, names: ClaimNames): ClaimsIdentity {
  const roles = [...new Set(rolesIn(claimAt(claims, names.roles)))].filter((r): r is TokenRole =>
    (TOKEN_ROLES as readonly string[]).includes(r),
  );
  if (roles.length === 0)
    return {
      ok: false,
      reason: `the token's "${names.roles}" claim holds none of the roles ${TOKEN_ROLES.join(', ')}`,
    };
  if (roles.length > 1) return { ok: false, reason: `the token holds more than one role (${roles.join(', ')})` };
  const role = roles[0];
  if (role !== 'partner') return { ok: true, role, actor: role };
  const partnerId = claimAt(claims, names.partner);
  if (typeof partnerId !== 'string' || !PARTNER_ID.test(partnerId))
    return { ok: false, reason: `a partner's token needs a valid partner ID in its "${names.partner}" claim` };
  return { ok: true, role, partnerId, actor: `partner:${partnerId}` };
}
