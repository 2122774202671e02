// Errors as application/problem+json (RFC 9457). Every refusal the API gives goes through here, so
// each has a stable `type` URI, a `title`, the HTTP `status` and, where it applies, the rules that
// refused (`rules`) and the offending fields (`fields`, `errors`).
import type { Response } from 'express';
import type { z } from 'zod';
import { primaryRefusal, type Refusal, type RefusalKind } from '../domain/refusals';

export const PROBLEM_BASE = 'https://planning-services.example/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** The program rules (or state checks) that refused the request. */
  rules?: { code: string; message: string; fields?: string[] }[];
  /** Offending fields, as dotted paths (`customer.country`, `deliverables.0.sha256`). */
  fields?: string[];
  errors?: FieldError[];
  requestId?: string;
  [extension: string]: unknown;
}

/** `NOT_ALLOWED_IN_STATUS` → `not-allowed-in-status`. */
export function kebab(code: string): string {
  return code
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[_\s]+/g, '-')
    .toLowerCase();
}

export const problemType = (slug: string) => `${PROBLEM_BASE}${slug}`;

/** Thrown by handlers and middleware; the error handler renders it. */
export class ProblemError extends Error {
  readonly problem: Problem;
  readonly headers: Record<string, string>;
  constructor(problem: Problem, headers: Record<string, string> = {}) {
    super(problem.detail ?? problem.title);
    this.problem = problem;
    this.headers = headers;
  }
  withHeaders(headers: Record<string, string>): this {
    Object.assign(this.headers, headers);
    return this;
  }
}

export function problem(
  status: number,
  slug: string,
  title: string,
  detail?: string,
  extra: Partial<Problem> = {},
): ProblemError {
  return new ProblemError({ type: problemType(slug), title, status, ...(detail ? { detail } : {}), ...extra });
}

// ---------- the common ones ----------

export const unauthorized = (detail: string) => problem(401, 'unauthorized', 'Authentication required', detail);
export const forbidden = (detail: string) => problem(403, 'forbidden', 'Not allowed', detail);
export const engagementNotFound = (voucherId: string) =>
  problem(404, 'engagement-not-found', 'Engagement not found', `there is no engagement for voucher ${voucherId}`);
export const partnerNotFound = (partnerId: string) =>
  problem(404, 'partner-not-found', 'Partner not found', `there is no partner ${partnerId}`);
export const routeNotFound = (method: string, path: string) =>
  problem(404, 'route-not-found', 'No such resource', `${method} ${path} is not a resource of this API`);
export const temporalUnavailable = (detail = 'Temporal is not reachable; try again shortly') =>
  new ProblemError(
    { type: problemType('temporal-unavailable'), title: 'Service unavailable', status: 503, detail },
    { 'Retry-After': '5' },
  );

/** Temporal did not answer within the call's deadline: slow or busy, not necessarily down. */
export const temporalTimeout = (
  detail = 'Temporal did not answer in time; try again shortly (a write may still take effect: read before repeating it)',
) =>
  new ProblemError(
    { type: problemType('temporal-timeout'), title: 'Gateway timeout', status: 504, detail },
    { 'Retry-After': '2' },
  );

/** A zod error as a 400 naming every offending field. `where` is "body", "query" or "path". */
export function validationProblem(error: z.ZodError, where: 'body' | 'query' | 'path'): ProblemError {
  const errors: FieldError[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.push({ field: base ? `${base}.${key}` : key, message: 'unknown field' });
    } else {
      errors.push({ field: base || '(root)', message: issue.message });
    }
  }
  const fields = [...new Set(errors.map((e) => e.field))];
  return problem(
    400,
    'validation-failed',
    'The request is not valid',
    `invalid ${where}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
    {
      fields,
      errors,
    },
  );
}

const KIND_STATUS: Record<RefusalKind, number> = {
  INVALID: 400,
  FORBIDDEN: 403,
  STATE: 409,
  RULE: 422,
  UNAVAILABLE: 503,
  LIMITED: 429,
};
const KIND_TITLE: Record<RefusalKind, string> = {
  INVALID: 'The message is not valid',
  FORBIDDEN: 'Not allowed',
  STATE: 'Not allowed in the current state',
  RULE: 'A program rule refused the request',
  UNAVAILABLE: 'A service the request needs did not answer; nothing changed, try again',
  LIMITED: 'Too many attempts; try again later',
};

/**
 * Refusals from the domain (or a workflow's validator) as one problem: the most telling refusal
 * decides the status and the `type`; `rules` lists them all.
 */
export function refusalProblem(refusals: Refusal[], status?: number): ProblemError {
  const primary = primaryRefusal(refusals);
  const relevant = refusals.filter((r) => r.kind === primary.kind);
  const fields = [...new Set(relevant.flatMap((r) => r.fields ?? []))];
  const finalStatus = status ?? KIND_STATUS[primary.kind];
  return new ProblemError(
    {
      type: problemType(kebab(primary.code)),
      title: KIND_TITLE[primary.kind],
      status: finalStatus,
      detail: relevant.map((r) => r.message).join('; '),
      rules: refusals.map((r) => ({ code: r.code, message: r.message, ...(r.fields ? { fields: r.fields } : {}) })),
      ...(fields.length ? { fields } : {}),
    },
    retryAfterHeader(primary, finalStatus),
  );
}

/** Seconds until a limited attempt may be made again (at least 1), or 5 for a busy dependency. */
function retryAfterHeader(primary: Refusal, status: number): Record<string, string> {
  if (status === 503) return { 'Retry-After': '5' };
  if (status !== 429 || !primary.retryAt) return {};
  const seconds = Math.max(1, Math.ceil((Date.parse(primary.retryAt) - Date.now()) / 1000));
  return { 'Retry-After': String(seconds) };
}

export function sendProblem(res: Response, error: ProblemError, requestId?: string): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  const body: Problem = { ...error.problem, ...(requestId ? { requestId } : {}) };
  res.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}
