// Who is signed in: the bearer token (a development API token, or a JWT from an OIDC provider) and
// the role the console shows pages for. Kept in sessionStorage: gone when the tab closes.
export type Role = 'partner' | 'backoffice' | 'operator';

export interface Session {
  role: Role;
  /** For partners: the partner ID the token belongs to. */
  partnerId?: string;
  token: string;
}

const KEY = 'planning-services-console.session';

export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session | undefined): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}

/**
 * Where the bearer token of each request comes from. Development: the token typed at sign-in.
 * Production (OIDC): an identity-provider integration sets a provider that returns a fresh access
 * token (JWT) for each request; the API validates it against the provider's JWKS.
 */
export type TokenProvider = () => string | undefined | Promise<string | undefined>;

let tokenProvider: TokenProvider = () => loadSession()?.token;

export function setTokenProvider(provider: TokenProvider): void {
  tokenProvider = provider;
}

export function currentToken(): string | undefined | Promise<string | undefined> {
  return tokenProvider();
}
