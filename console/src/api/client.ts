// The typed client of the public /v1 API, generated from the API's OpenAPI document (schema.d.ts,
// scripts/console-client.ts) and sent with openapi-fetch; every request carries the bearer token.
import createClient, { type Middleware } from 'openapi-fetch';
import { currentToken } from '../session';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Engagement = Schemas['Engagement'];
export type EngagementSummary = Schemas['EngagementSummary'];
export type EngagementStatus = Schemas['EngagementStatus'];
export type Problem = Schemas['Problem'];
export type Partner = Schemas['Partner'];
export type PartnerProfile = Schemas['PartnerProfile'];

const auth: Middleware = {
  async onRequest({ request }) {
    const token = await currentToken();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

/**
 * Endpoints the spec names that this API's document may not have yet (reports from the record store,
 * the validity extension): called by path, untyped; a 404 means the server does not offer them.
 */
export async function callUntyped(
  method: string,
  path: string,
  { body, accept = 'application/json' }: { body?: unknown; accept?: string } = {},
): Promise<Response> {
  const token = await currentToken();
  return fetch(path, {
    method,
    headers: {
      accept,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}
