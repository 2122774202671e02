// The API's reads of the record store for engagements: the state of one whose workflow Temporal no
// longer has (retention deleted it), whether a voucher was ever used, and the list of engagements
// answered from the store (`closed=true|false`).
import { WorkflowNotFoundError } from '@temporalio/common';
import type { EngagementState } from '../domain/engagement';
import { findEngagementRecord, listEngagementRecords, type EngagementRecord } from '../records/read-engagements';
import type { Principal } from './auth';
import { problem, type ProblemError } from './problems';
import type { AppContext } from './router';
import { expiresBeforeInstant, type EngagementSummary, type ListEngagementsQuery } from './schemas';
import { GrpcStatus, grpcCode } from './temporal';
import { openPageToken, sealPageToken } from './engagements';

/** Temporal has no such workflow: it never existed, or retention deleted it. */
export const isWorkflowGone = (err: unknown): boolean =>
  err instanceof WorkflowNotFoundError || grpcCode(err) === GrpcStatus.NOT_FOUND;

export const recordStoreUnavailable = (err: unknown): ProblemError =>
  problem(
    503,
    'record-store-unavailable',
    'Record store unavailable',
    'the record store did not answer; try again shortly',
    {
      cause: (err as Error).message,
    },
  ).withHeaders({ 'Retry-After': '5' });

/** The record of an engagement: its state and when it was written (undefined without a store or a record). */
export async function engagementRecord(app: AppContext, voucherId: string): Promise<EngagementRecord | undefined> {
  if (!app.records) return undefined;
  try {
    return await findEngagementRecord(app.records, voucherId);
  } catch (err) {
    throw recordStoreUnavailable(err);
  }
}

/** The recorded state of an engagement (undefined without a store or a record). */
export async function recordedEngagement(app: AppContext, voucherId: string): Promise<EngagementState | undefined> {
  return (await engagementRecord(app, voucherId))?.state;
}

/** A page of engagements from the store, filtered like the visibility list (and by `closed`). */
export async function listRecordedEngagements(
  app: AppContext,
  filters: ListEngagementsQuery & { closed: boolean },
  who: Principal,
): Promise<{ items: EngagementSummary[]; nextPageToken?: string }> {
  if (!app.records) throw recordStoreUnavailable(new Error('no record store configured'));
  const partnerId = who.role === 'partner' ? who.partnerId : filters.partnerId;
  if (who.role === 'partner' && filters.partnerId && filters.partnerId !== who.partnerId) return { items: [] };
  const scope = { ...filters, partnerId, pageToken: undefined, pageSize: undefined };
  const binding = `records:${JSON.stringify(scope)}`;
  const offset = filters.pageToken ? openPageToken(app, binding, filters.pageToken).readUInt32BE(0) : 0;
  let rows;
  try {
    rows = await listEngagementRecords(
      app.records,
      {
        closed: filters.closed,
        status: filters.status,
        partnerId,
        offering: filters.offering,
        country: filters.country,
        expiresBefore: filters.expiresBefore ? expiresBeforeInstant(filters.expiresBefore) : undefined,
      },
      offset,
      filters.pageSize + 1,
    );
  } catch (err) {
    throw recordStoreUnavailable(err);
  }
  const items = rows.slice(0, filters.pageSize).map((row): EngagementSummary => ({
    voucherId: row.voucher_id,
    status: row.status,
    offering: row.offering,
    engagementType: row.engagement_type,
    ...(row.partner_id ? { partnerId: row.partner_id } : {}),
    customerCountry: row.customer_country,
    days: row.days,
    voucherExpiresAt: new Date(row.voucher_expires_at).toISOString(),
    workflowStatus: row.closed ? 'Completed' : 'Running',
    startedAt: new Date(row.started_at).toISOString(),
  }));
  if (rows.length <= filters.pageSize) return { items };
  const next = Buffer.alloc(4);
  next.writeUInt32BE(offset + filters.pageSize);
  return { items, nextPageToken: sealPageToken(app, binding, next) };
}
