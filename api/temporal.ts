// How the API talks to Temporal: every call has a deadline (the API never hangs on an unreachable
// cluster), and every Temporal error becomes a specific problem: a workflow's refusal keeps its
// rules, an unknown workflow is a 404, an unreachable or overloaded cluster a 503 and a call that ran
// out of time a 504, both with Retry-After.
import {
  Client,
  isGrpcServiceError,
  QueryNotRegisteredError,
  QueryRejectedError,
  ServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure, NamespaceNotFoundError, WorkflowNotFoundError } from '@temporalio/common';
import { REFUSAL_FAILURE_TYPE, type Refusal, type RefusalKind } from '../domain/refusals';
import { problem, ProblemError, refusalProblem, temporalTimeout, temporalUnavailable } from './problems';

export interface Timeouts {
  /** Deadline of reads (queries, describe, list) in ms. */
  readMs: number;
  /** Deadline of writes (start, updates: they wait for the workflow's answer, which may run an activity) in ms. */
  writeMs: number;
  /** Deadline of the readiness probe in ms. */
  readyMs: number;
}

/**
 * Reads get 10 s: an engagement's state is a query answered by a worker, which waits for a free
 * workflow-task slot when the workers are busy (5 s was exceeded twice in 300 engagements under the
 * benchmark's load on the PostgreSQL cluster).
 */
export const DEFAULT_TIMEOUTS: Timeouts = { readMs: 10_000, writeMs: 20_000, readyMs: 2_000 };

export function withDeadline<T>(client: Client, ms: number, fn: () => Promise<T>): Promise<T> {
  return client.withDeadline(Date.now() + ms, fn);
}

/** gRPC status codes (numbers from the gRPC spec; @grpc/grpc-js is not a direct dependency). */
export const GrpcStatus = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNAVAILABLE: 14,
} as const;

const KIND_OF_TYPE: Record<string, RefusalKind> = Object.fromEntries(
  Object.entries(REFUSAL_FAILURE_TYPE).map(([kind, type]) => [type, kind as RefusalKind]),
);

function isRefusal(value: unknown): value is Refusal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Refusal).code === 'string' &&
    typeof (value as Refusal).message === 'string' &&
    typeof (value as Refusal).kind === 'string'
  );
}

/** The refusals an ApplicationFailure carries: details = Refusal[] (or [Refusal[]]). */
export function refusalsOf(failure: ApplicationFailure): Refusal[] | undefined {
  const kind = failure.type ? KIND_OF_TYPE[failure.type] : undefined;
  if (!kind) return undefined;
  const details = failure.details ?? [];
  const flat = details.length === 1 && Array.isArray(details[0]) ? (details[0] as unknown[]) : details;
  const refusals = flat.filter(isRefusal);
  if (refusals.length > 0) return refusals;
  const fallbackCode: Record<RefusalKind, string> = {
    STATE: 'NOT_ALLOWED_IN_STATUS',
    FORBIDDEN: 'FORBIDDEN',
    INVALID: 'INVALID_MESSAGE',
    RULE: 'RULE_VIOLATION',
    UNAVAILABLE: 'DEPENDENCY_UNAVAILABLE',
    LIMITED: 'TOO_MANY_ATTEMPTS',
  };
  return [{ kind, code: fallbackCode[kind], message: failure.message }];
}

export function grpcCode(err: unknown): number | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (isGrpcServiceError(current)) return current.code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The gRPC status details of an error or its causes. */
function grpcDetails(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (isGrpcServiceError(current)) return current.details ?? current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return '';
}

/**
 * True when a call reached Temporal and ran out of time there (slow or busy: a query waiting for a
 * busy worker, an update waiting for its workflow). gRPC names the server's address
 * ("remote_addr=...") in a deadline's details once the call was on a connection; a call that never
 * got one (server down, unreachable) is not a time-out but an unavailable server (isUnavailable).
 */
export function isTimeout(err: unknown): boolean {
  const code = grpcCode(err);
  // An update's wait that ended without a gRPC error of its own (the SDK's cancellation) is a time-out.
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError && code === undefined) return true;
  if (code === GrpcStatus.DEADLINE_EXCEEDED) return /remote_addr=/.test(grpcDetails(err));
  // The server ends a call whose deadline (sent with it) passed by resetting the stream; when that
  // reset arrives before the client's own timer (it does on Node 24), gRPC reports "Call cancelled".
  // The API never cancels a call itself, so this too is a server that ran out of time.
  return code === GrpcStatus.CANCELLED && grpcDetails(err) === 'Call cancelled';
}

/** True when the error means Temporal could not be reached or did not answer in time (see isTimeout). */
export function isUnavailable(err: unknown): boolean {
  if (isTimeout(err)) return true;
  const code = grpcCode(err);
  if (code === GrpcStatus.UNAVAILABLE || code === GrpcStatus.DEADLINE_EXCEEDED || code === GrpcStatus.CANCELLED)
    return true;
  if (err instanceof ServiceError && /unavailable|deadline|connect|ECONNREFUSED/i.test(err.message)) return true;
  return false;
}

export interface MapContext {
  /** The 404 to give for an unknown workflow (engagement or partner). */
  notFound: () => ProblemError;
  /** When a partner acts on an engagement that is not its own, a Forbidden refusal becomes this 404. */
  forbiddenAsNotFound?: boolean;
}

/** Any error from a Temporal call as the problem to answer with. Unknown errors are rethrown (→ 500). */
export function temporalProblem(err: unknown, ctx: MapContext): ProblemError {
  if (err instanceof ProblemError) return err;
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      const refusals = refusalsOf(cause);
      if (refusals) {
        if (ctx.forbiddenAsNotFound && refusals.some((r) => r.kind === 'FORBIDDEN')) return ctx.notFound();
        return refusalProblem(refusals);
      }
    }
    return problem(500, 'update-failed', 'The workflow failed to handle the request', cause?.message ?? err.message);
  }
  if (err instanceof WorkflowNotFoundError) return ctx.notFound();
  if (err instanceof NamespaceNotFoundError)
    return temporalUnavailable(`the Temporal namespace ${err.namespace} does not exist`);
  if (err instanceof QueryNotRegisteredError || err instanceof QueryRejectedError) {
    return problem(500, 'query-failed', 'The workflow could not answer', err.message);
  }
  if (isTimeout(err)) return temporalTimeout();
  if (isUnavailable(err)) return temporalUnavailable();
  const code = grpcCode(err);
  if (code === GrpcStatus.NOT_FOUND) return ctx.notFound();
  if (code === GrpcStatus.RESOURCE_EXHAUSTED) return temporalUnavailable('Temporal is busy; try again shortly');
  throw err;
}
