// Engagement operations against Temporal: start (idempotent), read, act, list. The routes in
// api/routes/engagements.ts are thin wrappers; program rules are the domain's and the workflow's.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import {
  defaultPayloadConverter,
  fromPayloadsAtIndex,
  optionalTsToDate,
  WorkflowNotFoundError,
  type Payload,
  type UpdateDefinition,
} from '@temporalio/common';
import type pino from 'pino';
import {
  initialEngagementState,
  type EngagementInput,
  type EngagementMessage,
  type EngagementSettings,
  type EngagementState,
} from '../domain/engagement';
import { engagementCatalogEntry } from '../domain/catalog';
import { Rule } from '../domain/refusals';
import { partnerView } from '../domain/partner-view';
import { startRefusals } from '../domain/rules/voucher';
import type { StartEngagementRequest } from '../domain/schemas';
import { engagementStateQuery, engagementUpdates, engagementWorkflowId } from '../workflows/messages';
import { CURRENT_CHANGE_LEVEL } from '../workflows/engagement/change-level';
import { engagementWorkflow } from '../workflows/engagement/workflow';
import { engagementSearchAttributes, SA } from '../workflows/search-attributes';
import type { Principal } from './auth';
import { engagementNotFound, forbidden, problem, ProblemError, refusalProblem } from './problems';
import type { AppContext } from './router';
import { expiresBeforeInstant, type EngagementSummary, type ListEngagementsQuery } from './schemas';
import { GrpcStatus, grpcCode, temporalProblem, withDeadline } from './temporal';
import type { EngagementRecord } from '../records/read-engagements';
import { engagementRecord, isWorkflowGone, listRecordedEngagements, recordedEngagement } from './engagement-records';

export const ENGAGEMENT_WORKFLOW_TYPE = engagementWorkflow.name;

const namespaceOf = (app: AppContext) => app.client.options.namespace;

/** The engagement's state; 404 when there is none, or when a partner asks for another partner's. */
export async function readEngagement(app: AppContext, voucherId: string, who?: Principal): Promise<EngagementState> {
  return (await readEngagementReading(app, voucherId, who)).state;
}

/** A state read, and when the record store answered instead of the workflow, the time of that record. */
export type EngagementReading = Pick<EngagementRecord, 'state'> & Partial<Pick<EngagementRecord, 'recordedAt'>>;

/**
 * The state from the workflow, or from the record store when the workflow is gone (retention) or
 * Temporal cannot answer (no worker in time, unreachable, the workflow failing): a record is never
 * ahead of the workflow, and behind it only by a change whose write has not landed yet.
 */
export async function readEngagementReading(
  app: AppContext,
  voucherId: string,
  who?: Principal,
): Promise<EngagementReading> {
  let reading: EngagementReading;
  try {
    reading = {
      state: await withDeadline(app.client, app.timeouts.readMs, () =>
        app.client.workflow.getHandle(engagementWorkflowId(voucherId)).query(engagementStateQuery),
      ),
    };
  } catch (err) {
    reading = await recordedInstead(app, voucherId, err);
  }
  const { state } = reading;
  if (who?.role === 'partner' && state.partnerId !== who.partnerId) throw engagementNotFound(voucherId);
  return who ? { ...reading, state: viewFor(who, state) } : reading;
}

/** The record that answers for a workflow Temporal could not query, or the problem the query met. */
async function recordedInstead(app: AppContext, voucherId: string, err: unknown): Promise<EngagementReading> {
  const failure = temporalProblem(err, { notFound: () => engagementNotFound(voucherId) });
  const gone = isWorkflowGone(err);
  if (!gone && failure.problem.status < 500) throw failure;
  // After retention the store is the only answer (its failure is the problem); otherwise Temporal's
  // problem is the first cause and stays the answer when the store fails as well.
  const record = await (gone
    ? engagementRecord(app, voucherId)
    : engagementRecord(app, voucherId).catch(() => undefined));
  if (!record) throw failure;
  if (!gone)
    app.logger.warn(
      { workflowId: engagementWorkflowId(voucherId), problem: failure.problem.type, recordedAt: record.recordedAt },
      'engagement read from the record store: Temporal did not answer',
    );
  return record;
}

/** The state as the caller may see it: a partner sees nothing of a previous partner's trail. */
export const viewFor = (who: Principal, state: EngagementState): EngagementState =>
  who.role === 'partner' && who.partnerId ? partnerView(state, who.partnerId) : state;

// ---------- start ----------

/** The fields of a start request that make it "the same": compared canonically. */
function startFields(
  x: Pick<StartEngagementRequest, 'voucherId' | 'offering' | 'engagementType' | 'days' | 'assignedAt' | 'customer'>,
) {
  const assigned = Date.parse(x.assignedAt);
  return {
    voucherId: x.voucherId,
    offering: x.offering,
    engagementType: x.engagementType,
    days: x.days,
    assignedAt: Number.isFinite(assigned) ? new Date(assigned).toISOString() : x.assignedAt,
    'customer.agreementNumber': x.customer?.agreementNumber,
    'customer.name': x.customer?.name,
    'customer.country': x.customer?.country,
    'customer.projectManagerEmail': x.customer?.projectManagerEmail,
    'customer.enrollmentEndsAt': x.customer?.enrollmentEndsAt,
  };
}

/** The fields in which two start requests differ (empty: the same request). */
export function startDifferences(a: StartEngagementRequest, b: StartEngagementRequest): string[] {
  const fa = startFields(a);
  const fb = startFields(b) as Record<string, unknown>;
  return Object.entries(fa)
    .filter(([key, value]) => value !== fb[key])
    .map(([key]) => key);
}

/** What the existing workflow was started with (its first history event), else its state. */
async function storedStartRequest(app: AppContext, voucherId: string): Promise<StartEngagementRequest> {
  const workflowId = engagementWorkflowId(voucherId);
  try {
    const history = await withDeadline(app.client, app.timeouts.readMs, () =>
      app.client.workflow.getHandle(workflowId).fetchHistory(),
    );
    const attributes = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const input = attributes?.input?.payloads
      ? fromPayloadsAtIndex<EngagementInput>(
          app.client.options.loadedDataConverter.payloadConverter,
          0,
          await decoded(app, attributes.input.payloads),
        )
      : undefined;
    if (input && typeof input === 'object' && input.voucherId === voucherId && input.customer) return input;
  } catch (err) {
    const mapped = temporalProblem(err, { notFound: () => engagementNotFound(voucherId) });
    if (mapped.problem.status !== 404) throw mapped;
  }
  // Continued-as-new or unusual history: the state holds the same fields.
  return readEngagement(app, voucherId);
}

/** Payloads read from a raw history, decrypted by the client's codecs (payload encryption). */
async function decoded(app: AppContext, payloads: Payload[]): Promise<Payload[]> {
  let result = payloads;
  for (const codec of [...app.client.options.loadedDataConverter.payloadCodecs].reverse())
    result = await codec.decode(result);
  return result;
}

export interface StartResult {
  created: boolean;
  state: EngagementState;
}

/**
 * What an engagement is started with: the request plus the deployment's SAVB intervals, the
 * request's time, and the state it begins in (the search attributes are set from it at start, so
 * the workflow need not upsert them before a change).
 */
export function engagementStart(
  request: StartEngagementRequest,
  intervals: Pick<EngagementSettings, 'savbPollInterval' | 'registrationRetryInterval'>,
  requestedAt = new Date().toISOString(),
): { input: EngagementInput; initial: EngagementState } {
  const catalogEntry = engagementCatalogEntry(request.engagementType);
  const input: EngagementInput = {
    ...request,
    requestedAt,
    settings: {
      ...intervals,
      searchAttributes: true,
      searchAttributesSetAtStart: true,
      changeLevel: CURRENT_CHANGE_LEVEL,
    },
    ...(catalogEntry ? { catalogEntry } : {}),
  };
  return { input, initial: initialEngagementState(input, requestedAt) };
}

/** What an existing engagement of the voucher was started with (record or workflow), if there is one. */
async function existingStart(app: AppContext, voucherId: string): Promise<StartEngagementRequest | undefined> {
  const recorded = await recordedEngagement(app, voucherId);
  if (recorded) return recorded;
  try {
    return await storedStartRequest(app, voucherId);
  } catch (err) {
    if (err instanceof ProblemError && err.problem.status === 404) return undefined;
    throw err;
  }
}

export async function startEngagement(
  app: AppContext,
  request: StartEngagementRequest,
  log: pino.Logger,
): Promise<StartResult> {
  const refusals = startRefusals(request, Date.now());
  if (refusals.length > 0) {
    // An identical repeat of a start that was accepted answers like any repeat, even once the
    // voucher has expired since (that refusal is for new engagements; others need no lookup).
    const onlyExpired = refusals.every((r) => r.code === Rule.VOUCHER_EXPIRED);
    const existing = onlyExpired ? await existingStart(app, request.voucherId) : undefined;
    if (existing) return repeatedStart(app, request, existing, log);
    throw refusalProblem(refusals);
  }

  const workflowId = engagementWorkflowId(request.voucherId);
  const { input, initial } = engagementStart(request, {
    savbPollInterval: app.config.SAVB_POLL_INTERVAL,
    registrationRetryInterval: app.config.SAVB_REGISTRATION_RETRY_INTERVAL,
  });
  // A voucher with a record was used, whatever Temporal's retention has deleted since.
  const recorded = await recordedEngagement(app, request.voucherId);
  if (recorded) return repeatedStart(app, request, recorded, log);
  let created = true;
  try {
    await withDeadline(app.client, app.timeouts.writeMs, () =>
      app.client.workflow.start(engagementWorkflow, {
        workflowId,
        taskQueue: app.config.TEMPORAL_TASK_QUEUE,
        args: [input],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        staticSummary: `${request.engagementType} · ${request.days} day${request.days === 1 ? '' : 's'} · voucher ${request.voucherId}`,
        typedSearchAttributes: engagementSearchAttributes(initial),
      }),
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError))
      throw temporalProblem(err, { notFound: () => engagementNotFound(request.voucherId) });
    created = false;
  }

  if (!created) {
    return repeatedStart(app, request, await storedStartRequest(app, request.voucherId), log);
  } else {
    log.info(
      { workflowId, offering: request.offering, engagementType: request.engagementType, days: request.days },
      'engagement started',
    );
  }

  // A new engagement is answered with the state it starts in (the same pure function the workflow
  // starts from), without waiting for its first workflow task; a repeated start reads the state.
  return { created, state: created ? initial : await readEngagement(app, request.voucherId) };
}

/** The voucher was started before: the same request answers 200 with that engagement, another one 409. */
async function repeatedStart(
  app: AppContext,
  request: StartEngagementRequest,
  stored: StartEngagementRequest,
  log: pino.Logger,
): Promise<StartResult> {
  const differences = startDifferences(request, stored);
  if (differences.length > 0) {
    throw problem(
      409,
      'engagement-conflict',
      'Another engagement exists for this voucher',
      `voucher ${request.voucherId} was already started with a different request (differs in ${differences.join(', ')})`,
      { fields: differences },
    );
  }
  log.info(
    { workflowId: engagementWorkflowId(request.voucherId) },
    'engagement start repeated: same request, same engagement',
  );
  return { created: false, state: await readEngagement(app, request.voucherId) };
}

// ---------- messages ----------

/**
 * Sends a message as an Update and returns the new state. A partner must be the engagement's
 * partner (except to forward: that is how a partner attaches itself); otherwise, and whenever the
 * workflow says Forbidden to a partner, the answer is the same 404 as for an unknown voucher.
 */
export async function sendMessage<K extends EngagementMessage>(
  app: AppContext,
  who: Principal,
  voucherId: string,
  message: K,
  /** The HTTP body, checked by the route's schema; the workflow checks it again against the message's. */
  body: object,
  log: pino.Logger,
): Promise<EngagementState> {
  const workflowId = engagementWorkflowId(voucherId);
  const isPartner = who.role === 'partner';
  if (message === 'voucherForwarded') {
    const partnerId = (body as { partnerId?: string }).partnerId;
    if (!isPartner || partnerId !== who.partnerId)
      throw forbidden('a partner forwards a voucher to itself: partnerId must be the partner of the token');
  }
  // No read before the update: the workflow refuses a partner that is not the engagement's own
  // with a Forbidden refusal whatever the status, which becomes the same 404 (forbiddenAsNotFound).
  const notFound = () => engagementNotFound(voucherId);
  // The workflow checks every payload against its message's schema, so the API sends it as it is.
  const update: UpdateDefinition<EngagementState, [unknown]> = engagementUpdates[message];
  const payload = { ...body, actor: who.actor };
  try {
    const state = await withDeadline(app.client, app.timeouts.writeMs, () =>
      app.client.workflow.getHandle(workflowId).executeUpdate(update, { args: [payload] }),
    );
    log.info({ workflowId, message, status: state.status }, `engagement ${message} accepted`);
    return viewFor(who, state);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || grpcCode(err) === GrpcStatus.NOT_FOUND)
      throw await closedOrMissing(app, voucherId, who);
    const mapped = temporalProblem(err, { notFound, forbiddenAsNotFound: isPartner });
    // A partner that is not (yet) the engagement's partner and cannot present the project manager's
    // e-mail learns nothing: the same 404 as an unknown voucher.
    if (
      message === 'voucherForwarded' &&
      isPartner &&
      mapped.problem.rules?.some((r) => r.code === 'PROJECT_MANAGER_EMAIL_MISMATCH')
    ) {
      const current = await readEngagement(app, voucherId).catch(() => undefined);
      if (current?.partnerId !== who.partnerId) throw notFound();
    }
    if (mapped.problem.status < 500)
      log.info(
        { workflowId, message, status: mapped.problem.status, type: mapped.problem.type },
        `engagement ${message} refused`,
      );
    throw mapped;
  }
}

/** An update found no running workflow: either there is none (404) or it has ended (409). */
async function closedOrMissing(app: AppContext, voucherId: string, who: Principal): Promise<ProblemError> {
  try {
    const description = await withDeadline(app.client, app.timeouts.readMs, () =>
      app.client.workflow.getHandle(engagementWorkflowId(voucherId)).describe(),
    );
    if (who.role === 'partner') {
      // Only the engagement's own partner may learn that it has ended.
      const partnerId = description.typedSearchAttributes.get(SA.PartnerId);
      if (partnerId !== who.partnerId) return engagementNotFound(voucherId);
    }
    const status = description.typedSearchAttributes.get(SA.EngagementStatus);
    return problem(
      409,
      'engagement-closed',
      'The engagement has ended',
      `the engagement is ${status ?? description.status.name}; nothing can change any more`,
      {
        rules: [{ code: 'ENGAGEMENT_CLOSED', message: `the engagement's workflow is ${description.status.name}` }],
      },
    );
  } catch (err) {
    const recorded = isWorkflowGone(err) ? await recordedEngagement(app, voucherId).catch(() => undefined) : undefined;
    if (!recorded || (who.role === 'partner' && recorded.partnerId !== who.partnerId))
      return temporalProblem(err, { notFound: () => engagementNotFound(voucherId) });
    return problem(
      409,
      'engagement-closed',
      'The engagement has ended',
      `the engagement is ${recorded.status}; nothing can change any more`,
      {
        rules: [
          { code: 'ENGAGEMENT_CLOSED', message: "the engagement's workflow has ended and is kept in the record store" },
        ],
      },
    );
  }
}

// ---------- list ----------

const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function listQuery(filters: ListEngagementsQuery, who: Principal): string {
  const clauses = [`WorkflowType = ${quote(ENGAGEMENT_WORKFLOW_TYPE)}`];
  if (who.role === 'partner') clauses.push(`PartnerId = ${quote(who.partnerId ?? '')}`);
  if (filters.status) clauses.push(`EngagementStatus = ${quote(filters.status)}`);
  if (filters.partnerId) clauses.push(`PartnerId = ${quote(filters.partnerId)}`);
  if (filters.offering) clauses.push(`Offering = ${quote(filters.offering)}`);
  if (filters.country) clauses.push(`CustomerCountry = ${quote(filters.country)}`);
  if (filters.expiresBefore) clauses.push(`VoucherExpiresAt < ${quote(expiresBeforeInstant(filters.expiresBefore))}`);
  return clauses.join(' AND ');
}

const EXECUTION_STATUS: Record<number, string> = {
  1: 'Running',
  2: 'Completed',
  3: 'Failed',
  4: 'Canceled',
  5: 'Terminated',
  6: 'ContinuedAsNew',
  7: 'TimedOut',
};

/**
 * Reads a listed execution's search attributes. The paged list below is the raw visibility call
 * (the client's list() hides page tokens), so its values are decoded here with the public converter.
 */
function searchAttributesOf(fields: Record<string, Payload> | null | undefined) {
  const read = (key: { name: string }): unknown => {
    const payload = fields?.[key.name];
    const value: unknown = payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
    // Visibility may hold a single value as a one-element list.
    return Array.isArray(value) ? (value as unknown[])[0] : value;
  };
  return {
    text: (key: { name: string }) => {
      const value = read(key);
      return typeof value === 'string' ? value : undefined;
    },
    number: (key: { name: string }) => {
      const value = read(key);
      return typeof value === 'number' ? value : undefined;
    },
  };
}

export async function listEngagements(
  app: AppContext,
  filters: ListEngagementsQuery,
  who: Principal,
): Promise<{ items: EngagementSummary[]; nextPageToken?: string }> {
  if (filters.closed !== undefined) return listRecordedEngagements(app, { ...filters, closed: filters.closed }, who);
  const query = listQuery(filters, who);
  const nextPageToken = filters.pageToken ? openPageToken(app, query, filters.pageToken) : undefined;
  let response;
  try {
    response = await withDeadline(app.client, app.timeouts.readMs, () =>
      app.client.workflowService.listWorkflowExecutions({
        namespace: namespaceOf(app),
        query,
        pageSize: filters.pageSize,
        nextPageToken,
      }),
    );
  } catch (err) {
    if (grpcCode(err) === GrpcStatus.INVALID_ARGUMENT) {
      if (filters.pageToken) throw invalidPageToken('Temporal did not accept it');
      // The query is ours, so this is the deployment: e.g. the search attributes are not registered.
      throw problem(
        500,
        'visibility-query-failed',
        'Temporal refused the list query',
        `${(err as Error).message} (are the search attributes registered?)`,
      );
    }
    throw temporalProblem(err, { notFound: () => problem(404, 'route-not-found', 'Not found') });
  }
  const items = (response.executions ?? []).map((execution): EngagementSummary => {
    const attributes = searchAttributesOf(execution.searchAttributes?.indexedFields);
    const expiresAt = attributes.text(SA.VoucherExpiresAt);
    const started = optionalTsToDate(execution.startTime);
    const workflowId = execution.execution?.workflowId ?? '';
    const item: EngagementSummary = {
      voucherId: attributes.text(SA.VoucherId) ?? workflowId.replace(/^engagement-/, ''),
      status: attributes.text(SA.EngagementStatus) as EngagementSummary['status'],
      offering: attributes.text(SA.Offering),
      engagementType: attributes.text(SA.EngagementType),
      partnerId: attributes.text(SA.PartnerId),
      customerCountry: attributes.text(SA.CustomerCountry),
      days: attributes.number(SA.EngagementDays),
      voucherExpiresAt: expiresAt ? new Date(expiresAt).toISOString() : undefined,
      workflowStatus: EXECUTION_STATUS[execution.status ?? 0] ?? 'Unknown',
      startedAt: (started ?? new Date(0)).toISOString(),
    };
    return Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined)) as EngagementSummary;
  });
  const token =
    response.nextPageToken && response.nextPageToken.length > 0
      ? sealPageToken(app, query, Buffer.from(response.nextPageToken))
      : undefined;
  return token ? { items, nextPageToken: token } : { items };
}

// ---------- page tokens ----------
// Temporal's page token, bound to the list's query and sealed with an HMAC, so a forged or edited
// token, or one used with other filters, is a clear 400 instead of an error deep in Temporal. The
// key derives from the configuration, so every API replica with the same configuration accepts it.

const MAC_BYTES = 16;
const QUERY_BYTES = 8;

const pageTokenKey = (app: AppContext) =>
  createHash('sha256')
    .update(`planning-services/page-token\0${app.config.API_TOKENS}\0${namespaceOf(app)}`)
    .digest();
const queryDigest = (query: string) => createHash('sha256').update(query).digest().subarray(0, QUERY_BYTES);
const mac = (app: AppContext, payload: Buffer) =>
  createHmac('sha256', pageTokenKey(app)).update(payload).digest().subarray(0, MAC_BYTES);

const invalidPageToken = (why: string) =>
  problem(
    400,
    'invalid-page-token',
    'Invalid page token',
    `the pageToken is not one this list gave with these filters (${why})`,
    { fields: ['pageToken'] },
  );

export function sealPageToken(app: AppContext, query: string, raw: Buffer): string {
  const payload = Buffer.concat([queryDigest(query), raw]);
  return Buffer.concat([mac(app, payload), payload]).toString('base64url');
}

export function openPageToken(app: AppContext, query: string, token: string): Buffer {
  const sealed = Buffer.from(token, 'base64url');
  if (sealed.length <= MAC_BYTES + QUERY_BYTES) throw invalidPageToken('too short');
  const payload = sealed.subarray(MAC_BYTES);
  if (!timingSafeEqual(sealed.subarray(0, MAC_BYTES), mac(app, payload)))
    throw invalidPageToken('not issued by this API');
  if (!payload.subarray(0, QUERY_BYTES).equals(queryDigest(query))) throw invalidPageToken('the filters changed');
  return Buffer.from(payload.subarray(QUERY_BYTES));
}
