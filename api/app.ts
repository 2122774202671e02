// The HTTP API as an express app (not listening: api/main.ts and the tests do that).
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import express, { type NextFunction, type Request, type Response } from 'express';
import type pino from 'pino';
import type { Config } from '../config/env';
import type { RecordDb } from '../records/pool';
import { createPinoLogger } from '../worker/logging';
import { parseTokens } from './auth';
import { codecAccess, codecRoutes } from './codec-server';
import { createJwtVerifier } from './jwt';
import { consoleRouter } from './console';
import { createMetrics } from './metrics';
import { buildOpenApiDocument } from './openapi';
import { problem, ProblemError, routeNotFound, sendProblem } from './problems';
import { allowedMethods, mountRoutes, type AppContext, type RouteDef } from './router';
import { engagementRoutes } from './routes/engagements';
import { partnerRoutes } from './routes/partners';
import { reportRoutes } from './routes/reports';
import { systemRoutes } from './routes/system';
import { DEFAULT_TIMEOUTS, type Timeouts } from './temporal';
import { productVersion } from './version';

export interface CreateAppDeps {
  client: Client;
  config: Config;
  logger?: pino.Logger;
  /** Deadlines of Temporal calls (defaults: reads 5 s, writes 20 s, readiness 2 s). */
  timeouts?: Partial<Timeouts>;
  /** The record store (records/): engagements after Temporal's retention, closed lists, reports. */
  records?: RecordDb;
}

export const API_VERSION: string = productVersion();

const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Every route the app serves, for tests and tools (the express app carries it in app.locals.routes). */
export function routeTable(app: express.Express): RouteDef[] {
  return app.locals.routes as RouteDef[];
}

export function createApp(deps: CreateAppDeps): express.Express {
  const { client, config } = deps;
  const logger = deps.logger ?? createPinoLogger(config.LOG_LEVEL, 'api');
  const tokens = parseTokens(config.API_TOKENS);
  if (tokens.entries.length === 0 && !config.AUTH_JWKS_URL)
    logger.warn(
      'API_TOKENS is empty and no identity provider is configured: every /v1 request will be refused with 401',
    );
  const context: AppContext = {
    client,
    config,
    logger,
    timeouts: { ...DEFAULT_TIMEOUTS, ...deps.timeouts },
    tokens,
    jwt: createJwtVerifier(config),
    records: deps.records,
  };
  const metrics = createMetrics();

  const routes: RouteDef[] = [];
  let document: Record<string, unknown> | undefined;
  const getDocument = () => (document ??= buildOpenApiDocument(routes, API_VERSION));
  routes.push(
    ...engagementRoutes,
    ...partnerRoutes,
    ...codecRoutes,
    ...reportRoutes,
    ...systemRoutes({ metrics: metrics.registry, document: getDocument }),
  );

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.locals.routes = routes;

  // Request id (accepted from X-Request-Id or generated, echoed back), a logger carrying it, one log line per request.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const presented = req.get('x-request-id');
    const requestId = presented && REQUEST_ID.test(presented) ? presented : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    res.locals.requestId = requestId;
    res.locals.log = logger.child({ requestId });
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const line = {
        method: req.method,
        path: req.path,
        route: res.locals.route,
        status: res.statusCode,
        durationMs: Math.round(durationMs * 10) / 10,
        ...(req.principal
          ? {
              role: req.principal.role,
              ...(req.principal.partnerId ? { partnerId: req.principal.partnerId } : {}),
              // An identity-provider token's subject: who, behind the role, sent the request.
              ...(req.principal.subject ? { subject: req.principal.subject } : {}),
            }
          : {}),
        ...(res.locals.workflowId ? { workflowId: res.locals.workflowId } : {}),
      };
      const log = res.locals.log ?? logger;
      if (res.statusCode >= 500 && res.statusCode !== 503 && res.statusCode !== 504) log.error(line, 'request failed');
      else if (res.statusCode === 503) log.warn(line, 'request failed: Temporal unavailable');
      else if (res.statusCode === 504) log.warn(line, 'request failed: Temporal did not answer in time');
      else log.info(line, 'request');
    });
    next();
  });
  app.use(metrics.middleware);

  app.use('/codec', codecAccess(config));

  const router = express.Router();
  mountRoutes(router, routes, context);
  app.use(router);
  app.use('/console', consoleRouter());

  // Nothing matched: 405 if the path exists with other methods, else 404.
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const methods = allowedMethods(routes, req.path);
    if (methods.length > 0) {
      return next(
        problem(
          405,
          'method-not-allowed',
          'Method not allowed',
          `${req.method} is not allowed on ${req.path}; allowed: ${methods.join(', ')}`,
        ).withHeaders({
          Allow: methods.join(', '),
        }),
      );
    }
    next(routeNotFound(req.method, req.path));
  });

  // Every error as application/problem+json; never a stack trace to the caller.
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const log = res.locals.log ?? logger;
    const mapped = asProblem(err);
    if (!mapped) {
      log.error({ err, method: req.method, path: req.path }, 'unhandled error');
    } else if (mapped.problem.status === 500) {
      // Temporal's or a workflow's own words (gRPC messages, failures) stay in the log.
      log.error({ problem: mapped.problem, method: req.method, path: req.path }, 'internal error');
    }
    sendProblem(res, mapped && mapped.problem.status !== 500 ? mapped : internalError(mapped), res.locals.requestId);
  });
  return app;
}

/** A 500 for the caller: its type and title, never the internal detail. */
function internalError(mapped: ProblemError | undefined): ProblemError {
  return problem(
    500,
    mapped ? mapped.problem.type.replace(/^.*\//, '') : 'internal-error',
    mapped?.problem.title ?? 'Internal error',
    'an unexpected error; the request id identifies it in the logs',
  );
}

interface HttpError {
  type?: string;
  status?: number;
  statusCode?: number;
  limit?: number;
  message?: string;
}

/** Errors from body parsing and routing as problems; undefined for anything unexpected (→ 500). */
function asProblem(err: unknown): ProblemError | undefined {
  if (err instanceof ProblemError) return err;
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as HttpError;
  switch (e.type) {
    case 'entity.parse.failed':
      return problem(400, 'malformed-json', 'Malformed JSON', `the body is not valid JSON: ${e.message ?? ''}`.trim());
    case 'entity.too.large':
      return problem(
        413,
        'payload-too-large',
        'Body too large',
        `the body must not exceed ${e.limit ?? 'the limit'} bytes`,
      );
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return problem(415, 'unsupported-media-type', 'Unsupported media type', e.message);
    case 'request.aborted':
    case 'request.size.invalid':
      return problem(400, 'bad-request', 'Bad request', e.message);
    default: {
      const status = e.status ?? e.statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500)
        return problem(status, 'bad-request', 'Bad request', e.message);
      return undefined;
    }
  }
}
