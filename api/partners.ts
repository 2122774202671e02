// Partner operations against the partner entity workflows, and the directory built from them.
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { LRUCache } from 'lru-cache';
import { partnerWorkflow } from '../workflows/partner/workflow';
import type pino from 'pino';
import { catalogOffering, type CatalogOfferingEntry } from '../domain/catalog';
import { eligibilityMatrix, isEnrollmentActive, type EligibilityMatrixRow } from '../domain/partner';
import type { Actor, EnrollmentRequest, PartnerProfile } from '../domain/schemas';
import {
  enrollmentRenewedUpdate,
  enrollmentRequestedUpdate,
  partnerStateQuery,
  partnerWorkflowId,
  profileReplacedUpdate,
  type PartnerState,
} from '../workflows/messages';
import { SA } from '../workflows/search-attributes';
import type { Principal } from './auth';
import { forbidden, partnerNotFound } from './problems';
import type { AppContext } from './router';
import type { DirectoryEntry } from './schemas';
import { temporalProblem, withDeadline } from './temporal';

export const PARTNER_WORKFLOW_TYPE = partnerWorkflow.name;

/** Backoffice and operators see every partner; a partner only itself (403 otherwise). */
export function assertMayRead(who: Principal, partnerId: string): void {
  if (who.role === 'partner' && who.partnerId !== partnerId)
    throw forbidden('a partner may only see its own partner record');
}

/** Backoffice, or the partner itself. */
export function assertMayManage(who: Principal, partnerId: string): void {
  if (who.role === 'operator')
    throw forbidden('operators read partners; the back-office or the partner itself manages them');
  if (who.role === 'partner' && who.partnerId !== partnerId)
    throw forbidden('a partner may only manage its own enrollments');
}

/** What reading a partner needs of the API's context. */
type PartnerReader = Pick<AppContext, 'client' | 'timeouts'>;

const handle = (app: PartnerReader, partnerId: string) => app.client.workflow.getHandle(partnerWorkflowId(partnerId));

/** The partner's state; 404 for an unknown partner (or one without a profile yet). */
export async function readPartner(app: PartnerReader, partnerId: string): Promise<PartnerState> {
  try {
    const state = await withDeadline(app.client, app.timeouts.readMs, () =>
      handle(app, partnerId).query(partnerStateQuery),
    );
    // A partner entity that never received a profile is not a partner yet.
    if (!state?.profile) throw partnerNotFound(partnerId);
    return state;
  } catch (err) {
    throw temporalProblem(err, { notFound: () => partnerNotFound(partnerId) });
  }
}

/**
 * The eligibility matrix as of `atMs` (the caller's time), computed here from the partner's state:
 * a query inside the workflow would see the workflow's time, which stands still while a partner is idle.
 */
export async function readEligibility(
  app: PartnerReader,
  partnerId: string,
  atMs: number = Date.now(),
): Promise<{ partnerId: string; rows: EligibilityMatrixRow[] }> {
  const state = await readPartner(app, partnerId);
  return { partnerId, rows: eligibilityMatrix(state, atMs) };
}

/**
 * An enrollment or renewal message: the offering, who asks, and the catalog entry the partner
 * workflow checks it against (the API's catalog, with its version), so the decision is the catalog's
 * of the moment it was asked, also when the workflow replays after a catalog edit.
 */
export function enrollmentMessage(
  offering: string,
  actor: Actor,
): EnrollmentRequest & { actor: Actor; catalog: CatalogOfferingEntry } {
  return { offering, actor, catalog: catalogOffering(offering) };
}

/**
 * Creates the partner entity with its profile in one step (update-with-start), or replaces the
 * profile of an existing one. `created` tells which.
 */
export async function putProfile(
  app: AppContext,
  who: Principal,
  partnerId: string,
  profile: PartnerProfile,
  log: pino.Logger,
): Promise<{ created: boolean; state: PartnerState }> {
  const workflowId = partnerWorkflowId(partnerId);
  const args: [PartnerProfile & { actor: string }] = [{ ...profile, actor: who.actor }];
  const notFound = () => partnerNotFound(partnerId);
  try {
    const state = await withDeadline(app.client, app.timeouts.writeMs, () =>
      app.client.workflow.executeUpdateWithStart(profileReplacedUpdate, {
        args: args,
        startWorkflowOperation: new WithStartWorkflowOperation(partnerWorkflow, {
          workflowId,
          taskQueue: app.config.TEMPORAL_TASK_QUEUE,
          args: [{ partnerId }],
          workflowIdConflictPolicy: 'FAIL',
          staticSummary: `partner ${partnerId}`,
          typedSearchAttributes: [{ key: SA.PartnerId, value: partnerId }],
        }),
      }),
    );
    log.info({ workflowId }, 'partner created');
    directoryChanged(app);
    return { created: true, state };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw temporalProblem(err, { notFound });
  }
  try {
    const state = await withDeadline(app.client, app.timeouts.writeMs, () =>
      handle(app, partnerId).executeUpdate(profileReplacedUpdate, { args: args }),
    );
    log.info({ workflowId }, 'partner profile replaced');
    directoryChanged(app);
    return { created: false, state };
  } catch (err) {
    throw temporalProblem(err, { notFound });
  }
}

export async function enroll(
  app: AppContext,
  who: Principal,
  partnerId: string,
  request: EnrollmentRequest,
  renewal: boolean,
  log: pino.Logger,
): Promise<PartnerState> {
  const workflowId = partnerWorkflowId(partnerId);
  await readPartner(app, partnerId);
  try {
    const state = await withDeadline(app.client, app.timeouts.writeMs, () =>
      handle(app, partnerId).executeUpdate(renewal ? enrollmentRenewedUpdate : enrollmentRequestedUpdate, {
        args: [enrollmentMessage(request.offering, who.actor)],
      }),
    );
    log.info({ workflowId, offering: request.offering }, renewal ? 'enrollment renewed' : 'enrolled');
    directoryChanged(app);
    return state;
  } catch (err) {
    throw temporalProblem(err, { notFound: () => partnerNotFound(partnerId) });
  }
}

// ---------- directory ----------
// The directory's cost is bounded: it is built from at most DIRECTORY_MAX_PARTNERS partner workflows
// (16 queries at a time) and kept for DIRECTORY_TTL_MS per API process; concurrent callers share one
// build (lru-cache's fetch), so a burst of directory calls costs one build, not one per call. A
// profile or enrollment change through this process drops the cached directory at once.

export const DIRECTORY_MAX_PARTNERS = 2_000;
export const DIRECTORY_TTL_MS = 10_000;
const DIRECTORY_CONCURRENCY = 16;

const directoryCaches = new WeakMap<AppContext['client'], LRUCache<'all', DirectoryEntry[], pino.Logger>>();

function directoryCache(app: AppContext): LRUCache<'all', DirectoryEntry[], pino.Logger> {
  let cache = directoryCaches.get(app.client);
  if (!cache) {
    cache = new LRUCache<'all', DirectoryEntry[], pino.Logger>({
      max: 1,
      ttl: DIRECTORY_TTL_MS,
      // A change clears the cache; callers already waiting on a build still get its answer.
      ignoreFetchAbort: true,
      allowStaleOnFetchAbort: true,
      fetchMethod: (_key, _stale, { context }) => buildDirectory(app, context),
    });
    directoryCaches.set(app.client, cache);
  }
  return cache;
}

/** Forgets the cached directory (a partner changed). */
const directoryChanged = (app: AppContext) => directoryCaches.get(app.client)?.clear();

/** Partners with an active enrollment in `offering` and a location in `country` (each filter optional). */
export async function directory(
  app: AppContext,
  filters: { offering?: string; country?: string },
  log: pino.Logger,
): Promise<DirectoryEntry[]> {
  const all = (await directoryCache(app).fetch('all', { context: log })) ?? [];
  return all.filter(
    (e) =>
      (!filters.offering || e.offerings.includes(filters.offering)) &&
      (!filters.country || e.countries.includes(filters.country)),
  );
}

/** Every partner with a profile, its countries and active offerings, sorted by name. */
async function buildDirectory(app: AppContext, log: pino.Logger): Promise<DirectoryEntry[]> {
  const ids: string[] = [];
  try {
    await withDeadline(app.client, app.timeouts.readMs, async () => {
      const query = `WorkflowType = '${PARTNER_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`;
      for await (const execution of app.client.workflow.list({ query, pageSize: 500 })) {
        ids.push(execution.workflowId.replace(/^partner-/, ''));
        if (ids.length >= DIRECTORY_MAX_PARTNERS) break;
      }
    });
  } catch (err) {
    throw temporalProblem(err, { notFound: () => partnerNotFound('') });
  }
  if (ids.length >= DIRECTORY_MAX_PARTNERS)
    log.warn({ max: DIRECTORY_MAX_PARTNERS }, 'directory: more partners than the directory reads; some are left out');
  const now = Date.now();
  const entries: (DirectoryEntry | undefined)[] = Array.from({ length: ids.length });
  let next = 0;
  const work = async () => {
    while (next < ids.length) {
      const index = next++;
      entries[index] = await directoryEntry(app, ids[index], now, log);
    }
  };
  await Promise.all(Array.from({ length: Math.min(DIRECTORY_CONCURRENCY, ids.length) }, work));
  return entries
    .filter((e): e is DirectoryEntry => !!e)
    .sort((a, b) => a.name.localeCompare(b.name) || a.partnerId.localeCompare(b.partnerId));
}

async function directoryEntry(
  app: AppContext,
  partnerId: string,
  now: number,
  log: pino.Logger,
): Promise<DirectoryEntry | undefined> {
  try {
    const state = await withDeadline(app.client, app.timeouts.readMs, () =>
      handle(app, partnerId).query(partnerStateQuery),
    );
    if (!state?.profile) return undefined;
    return {
      partnerId: state.partnerId ?? partnerId,
      name: state.profile.name,
      ...(state.profile.description ? { description: state.profile.description } : {}),
      ...(state.profile.website ? { website: state.profile.website } : {}),
      countries: [...new Set(state.profile.locations.map((l) => l.country))].sort(),
      offerings: Object.values(state.enrollments ?? {})
        .filter((e) => isEnrollmentActive(e, now))
        .map((e) => e.offering)
        .sort(),
    };
  } catch (err) {
    log.warn({ err, workflowId: partnerWorkflowId(partnerId) }, 'directory: partner state unavailable, left out');
    return undefined;
  }
}
