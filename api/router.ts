// One table of routes drives both the express app and the OpenAPI document, so every route served
// is documented with the very zod schemas that validate it. A route names who may call it, its
// path/query/body schemas and its responses; the handler gets validated input and returns a reply.
import type { Client } from '@temporalio/client';
import express, { type NextFunction, type Request, type Response } from 'express';
import type pino from 'pino';
import type { z } from 'zod';
import type { Config } from '../config/env';
import type { RecordDb } from '../records/pool';
import { authenticate, requireRole, type Principal, type Role, type TokenTable } from './auth';
import type { JwtVerifier } from './jwt';
import { tokenRateLimit } from './rate-limit';
import { problem, validationProblem } from './problems';
import type { Timeouts } from './temporal';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface AppContext {
  client: Client;
  config: Config;
  logger: pino.Logger;
  timeouts: Timeouts;
  tokens: TokenTable;
  /** Verifies identity-provider tokens, when one is configured. */
  jwt?: JwtVerifier;
  /** The record store (engagements after Temporal's retention, reports). */
  records?: RecordDb;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HandlerInput<P, Q, B> {
  req: Request;
  res: Response;
  params: P;
  query: Q;
  body: B;
  /** Undefined only on public routes. */
  principal: Principal;
  log: pino.Logger;
  app: AppContext;
}

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
  /** Also served as text/csv (Accept: text/csv). */
  csv?: boolean;
  headers?: Record<string, { description: string; schema: { type: 'string' | 'integer' } }>;
}

export interface RouteDef<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: Method;
  /** OpenAPI style: /v1/engagements/{voucherId} */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Roles allowed (403 for others), or 'public' (no token needed). */
  auth: readonly Role[] | 'public';
  params?: P;
  query?: Q;
  body?: B;
  /** Success responses; the error responses that apply are added to the document. */
  responses: Record<number, ResponseDoc>;
  /** Error statuses this route can give besides the common ones (400/401/403/413/415/503). */
  errors?: number[];
  /** The route talks to Temporal (so it can answer 503). */
  temporal?: boolean;
  handler: (input: HandlerInput<z.infer<P>, z.infer<Q>, z.infer<B>>) => Promise<Reply | void> | Reply | void;
}

export const defineRoute = <P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  route: RouteDef<P, Q, B>,
): RouteDef => route;

/** /v1/engagements/{voucherId} → /v1/engagements/:voucherId */
export const expressPath = (path: string) => path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');

/** A regular expression matching concrete paths of a route template. */
export const pathPattern = (path: string) =>
  new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[A-Za-z0-9_]+\\?\}/g, '[^/]+')}/?$`);

const JSON_TYPES = ['application/json', 'application/*+json'];

function hasBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/** 415 for a body that is not JSON (before any parsing). */
function requireJson(req: Request, _res: Response, next: NextFunction) {
  if (hasBody(req) && !req.is(JSON_TYPES)) {
    return next(
      problem(
        415,
        'unsupported-media-type',
        'Unsupported media type',
        `send the body as application/json (got ${req.get('content-type') ?? 'no content type'})`,
      ),
    );
  }
  next();
}

declare module 'express-serve-static-core' {
  interface Locals {
    /** The route template (for metrics and logs). */
    route?: string;
    log?: pino.Logger;
    requestId?: string;
    /** The workflow a request is about (logged with the request line). */
    workflowId?: string;
  }
}

export function mountRoutes(router: express.Router, routes: RouteDef[], app: AppContext): void {
  const authenticated = authenticate(app.tokens, app.jwt);
  const limited = tokenRateLimit(app.config);
  const json = express.json({ limit: app.config.API_BODY_LIMIT, type: JSON_TYPES, strict: true });
  for (const route of routes) {
    const chain: express.RequestHandler[] = [
      (_req, res, next) => {
        res.locals.route = route.path;
        next();
      },
    ];
    if (route.auth !== 'public') {
      const roles = route.auth;
      chain.push(authenticated, ...(limited ? [limited] : []), (req, _res, next) => {
        requireRole(req, roles);
        next();
      });
    }
    if (route.body) chain.push(requireJson, json);
    chain.push(async (req, res) => {
      const log = res.locals.log ?? app.logger;
      const params = parse(route.params, req.params ?? {}, 'path');
      const query = parse(route.query, req.query ?? {}, 'query');
      const body = route.body ? parse(route.body, req.body ?? {}, 'body') : undefined;
      const reply = await route.handler({
        req,
        res,
        params,
        query,
        body,
        principal: req.principal as Principal,
        log,
        app,
      });
      if (!reply || res.headersSent) return;
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
      if (reply.body === undefined) res.status(reply.status).end();
      else res.status(reply.status).json(reply.body);
    });
    router[route.method](expressPath(route.path), ...chain);
  }
}

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: 'body' | 'query' | 'path'): T {
  if (!schema) return value as T;
  const result = schema.safeParse(value);
  if (!result.success) throw validationProblem(result.error, where);
  return result.data;
}

/** For a path no route serves with this method: the methods that are served there (for 405). */
export function allowedMethods(routes: RouteDef[], path: string): string[] {
  const methods = new Set<string>();
  for (const route of routes) if (pathPattern(route.path).test(path)) methods.add(route.method.toUpperCase());
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods];
}
