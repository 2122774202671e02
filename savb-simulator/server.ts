// A small, real HTTP stand-in for SAVB (the Software Assurance payment system) implementing the
// contract of SPEC §3, plus /_admin endpoints with which tests and the fault suites steer it.
//
// Contract:
//   POST /payment-requests           Idempotency-Key header + { voucherId, partnerId, offering, locationId,
//                                     country, days, amount, currency }
//       201 { referenceNumber, status: "SUBMITTED", ...request }   new request
//       200 the stored request (current status)                   same key, same body again
//       409 problem+json                                           same key, different body (the key is
//                                                                  bound to one request; a silent 200 would
//                                                                  hide a caller bug, a second record would
//                                                                  break idempotency)
//       422 { code, message }  PARTNER_NOT_REGISTERED | DUPLICATE_VOUCHER
//       400 problem+json       missing key, malformed or invalid body
//   GET  /payment-requests/{ref}      { referenceNumber, status, reason?, ... } | 404
//   GET  /payment-requests?voucherId= { items }
//   POST /registrations               { partnerId, offering } → 201 | 200 already | 422 NO_REDEEMED_VOUCHER
//   GET  /healthz
// Refused requests are not stored, so the same key can be used again once the refusal is fixed.
// Status in time (computed when read, from the request's timestamps): SUBMITTED, then at
// submittedAt + approveAfterMs APPROVED (or DENIED when its voucher is on the deny list), then at
// submittedAt + payAfterMs PAID.
//
// Admin (never affected by faults; `adminToken` guards it, the process requires SAVB_SIM_ADMIN_TOKEN):
//   GET/PUT  /_admin/faults     { errorRate, latencyMs, acceptThenTimeout, hangMs, down } (PUT merges)
//   PUT      /_admin/deny       { voucherId, reason }    DELETE /_admin/deny/{voucherId}
//   PUT      /_admin/timing     { approveAfterMs?, payAfterMs? } for requests created from then on
//   PUT      /_admin/registrations { partnerId, offering }  register without the redeemed-voucher rule
//   GET      /_admin/requests   { items } every request
//   POST     /_admin/reset      forget every record; faults, deny list and timing back to the start options
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import {
  PaymentRequestBody,
  RegistrationBody,
  SavbStore,
  sameRequestBody,
  viewOf,
  type PaymentRequestRecord,
  type Registration,
} from './store';

export type { PaymentRequestRecord, Registration } from './store';

export interface Faults {
  /** Fraction (0..1) of requests answered 503 before anything is done. */
  errorRate: number;
  /** Delay added before every request is handled. */
  latencyMs: number;
  /** Fraction (0..1) of accepted POST /payment-requests that are stored and then never answered (a lost response). */
  acceptThenTimeout: number;
  /** How long such a response hangs before the connection is dropped, unless the client gives up first. */
  hangMs: number;
  /** Answer 503 to everything (except /_admin). */
  down: boolean;
}

export const NO_FAULTS: Faults = { errorRate: 0, latencyMs: 0, acceptThenTimeout: 0, hangMs: 60_000, down: false };

const FaultsPatch = z.strictObject({
  errorRate: z.number().min(0).max(1).optional(),
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  acceptThenTimeout: z.number().min(0).max(1).optional(),
  hangMs: z.number().int().min(0).max(600_000).optional(),
  down: z.boolean().optional(),
});
const DenyBody = z.strictObject({ voucherId: z.string().min(1).max(128), reason: z.string().min(1).max(500) });
const Timing = z.strictObject({
  approveAfterMs: z.number().int().min(0).optional(),
  payAfterMs: z.number().int().min(0).optional(),
});

export interface SimulatorLogger {
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

export interface SavbSimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1; a service in a container needs 0.0.0.0. */
  host?: string;
  /** JSON file keeping the records across restarts; none = in memory only. */
  dataFile?: string;
  /** Delay from submission to approval (or denial). */
  approveAfterMs?: number;
  /** Delay from submission to payment (never before approval). */
  payAfterMs?: number;
  faults?: Partial<Faults>;
  /** voucherId → reason: requests for these vouchers are denied. */
  denyVouchers?: Record<string, string>;
  /** Source of randomness for errorRate and acceptThenTimeout; Math.random by default. */
  random?: () => number;
  /** The simulator's clock (ms since the epoch); Date.now by default. Tests move it to step statuses. */
  now?: () => number;
  logger?: SimulatorLogger;
  /**
   * Guards /_admin: a string = `Authorization: Bearer <it>` required; null = closed (the process
   * without SAVB_SIM_ADMIN_TOKEN); undefined = open (tests steering a simulator in their own process).
   */
  adminToken?: string | null;
}

export interface SavbSimulator {
  url: string;
  port: number;
  close(): Promise<void>;
  setFaults(faults: Partial<Faults>): void;
  faults(): Faults;
  requests(): PaymentRequestRecord[];
  deny(voucherId: string, reason: string): void;
  register(partnerId: string, offering: string): Registration;
  reset(): void;
}

export const DEFAULT_APPROVE_AFTER_MS = 1_000;
export const DEFAULT_PAY_AFTER_MS = 2_000;

export async function startSavbSimulator(options: SavbSimulatorOptions = {}): Promise<SavbSimulator> {
  const startDeny = { ...options.denyVouchers };
  const store = new SavbStore(options.dataFile, startDeny);
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const startTiming = {
    approveAfterMs: options.approveAfterMs ?? DEFAULT_APPROVE_AFTER_MS,
    payAfterMs: options.payAfterMs ?? DEFAULT_PAY_AFTER_MS,
  };
  let timing = { ...startTiming };
  let faults: Faults = { ...NO_FAULTS, ...options.faults };
  // Timers of responses held back by faults, cleared on close so nothing outlives the simulator.
  const pendingTimers = new Set<NodeJS.Timeout>();

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  if (options.logger) {
    const logger = options.logger;
    app.use((req, res, next) => {
      const started = Date.now();
      res.on('finish', () =>
        logger.debug(
          { method: req.method, path: req.path, status: res.statusCode, ms: Date.now() - started },
          'request',
        ),
      );
      next();
    });
  }

  app.use('/_admin', adminGuard(options.adminToken));

  // ---------- faults (everything except /_admin) ----------
  app.use(async (req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/_admin')) return next();
    if (faults.latencyMs > 0) await delay(faults.latencyMs, pendingTimers);
    if (faults.down) return problem(res, 503, 'unavailable', 'SAVB is down (simulated)');
    if (faults.errorRate > 0 && random() < faults.errorRate)
      return problem(res, 503, 'unavailable', 'SAVB failed this request (simulated error rate)');
    next();
  });

  app.use(express.json({ limit: '100kb' }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // ---------- payment requests ----------
  app.post('/payment-requests', (req, res) => {
    const key = req.get('Idempotency-Key');
    if (!key || key.length > 255)
      return problem(
        res,
        400,
        'idempotency-key-required',
        'the Idempotency-Key header (1 to 255 characters) is required',
      );
    const parsed = PaymentRequestBody.safeParse(req.body);
    if (!parsed.success) return invalid(res, parsed.error);
    const body = parsed.data;
    const nowMs = now();

    const earlier = store.byIdempotencyKey(key);
    if (earlier) {
      if (!sameRequestBody(earlier, body)) {
        return problem(
          res,
          409,
          'idempotency-key-reused',
          `Idempotency-Key ${key} belongs to payment request ${earlier.referenceNumber}, which has a different body`,
        );
      }
      return answerAccepted(req, res, 200, viewOf(earlier, nowMs));
    }

    // Safety net: a voucher is never paid twice, whatever keys the caller uses.
    const live = store
      .forVoucher(body.voucherId)
      .map((r) => viewOf(r, nowMs))
      .find((r) => r.status !== 'DENIED');
    if (live) {
      return refuse(
        res,
        'DUPLICATE_VOUCHER',
        `voucher ${body.voucherId} already has payment request ${live.referenceNumber} (${live.status})`,
      );
    }

    if (!store.isRegistered(body.partnerId, body.offering)) {
      // The refused invoice is SAVB's evidence that the partner redeemed a voucher of this offering,
      // which is what registration requires.
      store.recordRedeemedVoucher(body.partnerId, body.offering, nowMs);
      return refuse(
        res,
        'PARTNER_NOT_REGISTERED',
        `partner ${body.partnerId} is not registered in SAVB for offering ${body.offering}`,
      );
    }

    const created = store.create(key, body, nowMs, timing.approveAfterMs, timing.payAfterMs);
    options.logger?.info(
      {
        referenceNumber: created.referenceNumber,
        voucherId: body.voucherId,
        amount: body.amount,
        currency: body.currency,
      },
      'payment request submitted',
    );
    return answerAccepted(req, res, 201, viewOf(created, nowMs));
  });

  app.get('/payment-requests/:referenceNumber', (req, res) => {
    const stored = store.byReference(req.params.referenceNumber);
    if (!stored) return problem(res, 404, 'not-found', `no payment request ${req.params.referenceNumber}`);
    res.json(viewOf(stored, now()));
  });

  app.get('/payment-requests', (req, res) => {
    const voucherId = req.query.voucherId;
    if (typeof voucherId !== 'string' || voucherId === '')
      return problem(res, 400, 'voucher-id-required', 'the voucherId query parameter is required');
    const nowMs = now();
    res.json({ items: store.forVoucher(voucherId).map((r) => viewOf(r, nowMs)) });
  });

  // ---------- registrations ----------
  app.post('/registrations', (req, res) => {
    const parsed = RegistrationBody.safeParse(req.body);
    if (!parsed.success) return invalid(res, parsed.error);
    const { partnerId, offering } = parsed.data;
    const existing = store.registration(partnerId, offering);
    if (existing) return res.status(200).json(existing);
    if (!store.hasRedeemedVoucher(partnerId, offering)) {
      return refuse(
        res,
        'NO_REDEEMED_VOUCHER',
        `partner ${partnerId} has no redeemed voucher of offering ${offering} known to SAVB yet`,
      );
    }
    options.logger?.info({ partnerId, offering }, 'partner registered');
    res.status(201).json(store.register(partnerId, offering, now()));
  });

  // ---------- admin ----------
  app.get('/_admin/faults', (_req, res) => {
    res.json(faults);
  });
  app.put('/_admin/faults', (req, res) => {
    const parsed = FaultsPatch.safeParse(req.body);
    if (!parsed.success) return invalid(res, parsed.error);
    faults = { ...faults, ...parsed.data };
    res.json(faults);
  });
  app.put('/_admin/deny', (req, res) => {
    const parsed = DenyBody.safeParse(req.body);
    if (!parsed.success) return invalid(res, parsed.error);
    const deniedRequests = store.deny(parsed.data.voucherId, parsed.data.reason, now());
    res.json({ ...parsed.data, deniedRequests });
  });
  app.delete('/_admin/deny/:voucherId', (req, res) => {
    const wasListed = store.undeny(req.params.voucherId, now());
    res.status(wasListed ? 204 : 404).end();
  });
  app.put('/_admin/timing', (req, res) => {
    const parsed = Timing.safeParse(req.body);
    if (!parsed.success) return invalid(res, parsed.error);
    timing = { ...timing, ...parsed.data };
    res.json(timing);
  });
  app.put('/_admin/registrations', (req, res) => {
    const parsed = RegistrationBody.safeParse(req.body);
    if (!parsed.success) return invalid(res, parsed.error);
    res.json(store.register(parsed.data.partnerId, parsed.data.offering, now()));
  });
  app.get('/_admin/requests', (_req, res) => {
    res.json({ items: store.all(now()) });
  });
  app.post('/_admin/reset', (_req, res) => {
    reset();
    res.status(204).end();
  });

  app.use((req, res) => {
    problem(res, 404, 'not-found', `no route ${req.method} ${req.path}`);
  });
  // Body-parser errors (malformed JSON, too large) carry their HTTP status; anything else is a 500.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
    if (res.headersSent) return;
    problem(
      res,
      status,
      status === 400 ? 'malformed-body' : status === 413 ? 'body-too-large' : 'internal-error',
      (err as Error).message ?? String(err),
    );
  });

  function answerAccepted(req: Request, res: Response, status: 200 | 201, record: PaymentRequestRecord): void {
    if (faults.acceptThenTimeout > 0 && random() < faults.acceptThenTimeout) {
      // The request is stored, but the caller never learns it: the response hangs until the client
      // gives up (its connection closes) or hangMs passes, then the connection is dropped unanswered.
      const timer = setTimeout(() => {
        pendingTimers.delete(timer);
        req.socket.destroy();
      }, faults.hangMs);
      pendingTimers.add(timer);
      res.on('close', () => {
        clearTimeout(timer);
        pendingTimers.delete(timer);
      });
      return;
    }
    res.status(status).json(record);
  }

  function reset(): void {
    store.reset(startDeny);
    faults = { ...NO_FAULTS, ...options.faults };
    timing = { ...startTiming };
  }

  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const connectHost = !options.host || options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${connectHost.includes(':') ? `[${connectHost}]` : connectHost}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const timer of pendingTimers) clearTimeout(timer);
        pendingTimers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive and held-back connections would otherwise keep the server open.
        server.closeAllConnections();
      });
      return closing;
    },
    setFaults(patch) {
      faults = { ...faults, ...FaultsPatch.parse(patch) };
    },
    faults: () => ({ ...faults }),
    requests: () => store.all(now()),
    deny(voucherId, reason) {
      store.deny(voucherId, reason, now());
    },
    register: (partnerId, offering) => store.register(partnerId, offering, now()),
    reset,
  };
}

function delay(ms: number, pending: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      pending.delete(timer);
      resolve();
    }, ms);
    pending.add(timer);
  });
}

/** 401 for /_admin without the admin token (compared in constant time), 404 when admin is closed. */
function adminGuard(token: string | null | undefined) {
  const expected = token ? createHash('sha256').update(token).digest() : undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    if (token === undefined) return next();
    if (!expected) return problem(res, 404, 'not-found', 'the admin endpoints are closed (no SAVB_SIM_ADMIN_TOKEN)');
    const presented = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1] ?? '';
    if (!timingSafeEqual(createHash('sha256').update(presented).digest(), expected))
      return problem(res, 401, 'unauthorized', 'send Authorization: Bearer <SAVB_SIM_ADMIN_TOKEN>');
    next();
  };
}

function problem(res: Response, status: number, slug: string, detail: string, extra: object = {}): void {
  res
    .status(status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: `urn:savb-simulator:problem:${slug}`,
        title: slug.replace(/-/g, ' '),
        status,
        detail,
        ...extra,
      }),
    );
}

function invalid(res: Response, error: z.ZodError): void {
  const errors = error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
  problem(res, 400, 'invalid-request', 'the request body is not valid', { errors });
}

/** A business refusal: 422 with a stable code, as SPEC §3 says SAVB answers. */
function refuse(res: Response, code: string, message: string): void {
  res.status(422).json({ code, message });
}
