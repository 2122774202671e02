// Serving a report page as JSON or, for `Accept: text/csv`, as CSV (header row, then the page's
// rows; the next page's token in the X-Next-Page-Token header). Pages are offsets sealed in the
// API's page tokens, bound to the report and its filters.
import { stringify } from 'csv-stringify/sync';
import type { Request, Response } from 'express';
import type { Page } from '../records/reports';
import type { RecordDb } from '../records/pool';
import type { Principal } from './auth';
import { recordStoreUnavailable } from './engagement-records';
import { openPageToken, sealPageToken } from './engagements';
import type { AppContext, Reply } from './router';

export const NEXT_PAGE_HEADER = 'X-Next-Page-Token';

/** The last instant PostgreSQL reads in ISO form: JavaScript writes later years as `+010000-…`. */
const LAST_FOUR_DIGIT_YEAR_MS = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * The instant a period day starts (`from`) or the day after it ends (`to`, inclusive), UTC. The day
 * after 9999-12-31 is PostgreSQL's `infinity`: every instant a record holds comes before it.
 */
export const dayStart = (date: string | undefined, plusDays = 0): string | undefined => {
  if (!date) return undefined;
  const at = Date.parse(`${date}T00:00:00Z`) + plusDays * 86_400_000;
  return at > LAST_FOUR_DIGIT_YEAR_MS ? 'infinity' : new Date(at).toISOString();
};

export interface ReportRequest<F> {
  name: string;
  filters: F;
  pageSize: number;
  pageToken?: string;
  columns: string[];
  run(db: RecordDb, filters: F, page: Page): Promise<object[]>;
}

/** Only the partner's own rows for a partner; another partner's filter gives an empty report. */
export function partnerScope(who: Principal, partnerId: string | undefined): { partnerId?: string; none?: boolean } {
  if (who.role !== 'partner') return { partnerId };
  if (partnerId && partnerId !== who.partnerId) return { none: true };
  return { partnerId: who.partnerId };
}

export async function serveReport<F>(
  app: AppContext,
  req: Request,
  res: Response,
  report: ReportRequest<F>,
): Promise<Reply | void> {
  if (!app.records) throw recordStoreUnavailable(new Error('no record store configured'));
  const binding = `report:${report.name}:${JSON.stringify(report.filters)}`;
  const offset = report.pageToken ? openPageToken(app, binding, report.pageToken).readUInt32BE(0) : 0;
  let rows: object[];
  try {
    rows = await report.run(app.records, report.filters, { offset, limit: report.pageSize + 1 });
  } catch (err) {
    throw recordStoreUnavailable(err);
  }
  const items = rows.slice(0, report.pageSize);
  let nextPageToken: string | undefined;
  if (rows.length > report.pageSize) {
    const next = Buffer.alloc(4);
    next.writeUInt32BE(offset + report.pageSize);
    nextPageToken = sealPageToken(app, binding, next);
  }
  if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
    if (nextPageToken) res.setHeader(NEXT_PAGE_HEADER, nextPageToken);
    res
      .status(200)
      .type('text/csv; charset=utf-8')
      .send(stringify(items, { header: true, columns: report.columns }));
    return;
  }
  return { status: 200, body: nextPageToken ? { items, nextPageToken } : { items } };
}
