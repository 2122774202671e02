// The back-office reports, computed from the record store: invoices, days per customer agreement,
// and open vouchers expiring in a period. Each returns one page of rows (`limit` from `offset`).
import type { RecordDb } from './pool';

/** One page: `limit` rows from `offset`. Periods are half-open instant ranges [from, to). */
export interface Page {
  offset: number;
  limit: number;
}

export interface InvoiceReportFilters {
  /** Submitted at or after this instant. */
  from?: string;
  /** Submitted before this instant. */
  to?: string;
  partnerId?: string;
  offering?: string;
  status?: string;
}

export interface InvoiceReportRow {
  voucherId: string;
  partnerId: string;
  offering: string;
  referenceNumber: string;
  amount: number;
  currency: string;
  status: string;
  submittedAt: string;
  paidAt: string | null;
}

/** Filter clauses with numbered parameters, built in order. */
function conditions(): { where: string[]; values: unknown[]; add(clause: string, value: unknown): void } {
  const where: string[] = [];
  const values: unknown[] = [];
  return {
    where,
    values,
    add(clause, value) {
      values.push(value);
      where.push(clause.replace('?', `$${values.length}`));
    },
  };
}

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export async function invoiceReport(db: RecordDb, f: InvoiceReportFilters, page: Page): Promise<InvoiceReportRow[]> {
  const c = conditions();
  c.where.push('invoice_reference IS NOT NULL');
  if (f.from) c.add('invoice_submitted_at >= ?', f.from);
  if (f.to) c.add('invoice_submitted_at < ?', f.to);
  if (f.partnerId) c.add('partner_id = ?', f.partnerId);
  if (f.offering) c.add('offering = ?', f.offering);
  if (f.status) c.add('invoice_status = ?', f.status);
  c.values.push(page.limit, page.offset);
  const result = await db.query<InvoiceReportRow>(
    `SELECT voucher_id AS "voucherId", partner_id AS "partnerId", offering,
            invoice_reference AS "referenceNumber", invoice_amount::float8 AS amount, invoice_currency AS currency,
            invoice_status AS status, ${iso('invoice_submitted_at')} AS "submittedAt", ${iso('invoice_paid_at')} AS "paidAt"
     FROM engagements WHERE ${c.where.join(' AND ')}
     ORDER BY invoice_submitted_at, voucher_id
     LIMIT $${c.values.length - 1} OFFSET $${c.values.length}`,
    c.values,
  );
  return result.rows;
}

export interface DaysReportRow {
  agreementNumber: string;
  engagements: number;
  assigned: number;
  redeemed: number;
  returned: number;
  lost: number;
  open: number;
}

const OPEN = `status IN ('ASSIGNED', 'FORWARDED', 'RESERVED', 'REPORT_SUBMITTED')`;

/** Per customer agreement: days assigned, redeemed, returned to the pool, lost, and still open. */
export async function daysReport(db: RecordDb, f: { agreementNumber?: string }, page: Page): Promise<DaysReportRow[]> {
  const c = conditions();
  if (f.agreementNumber) c.add('agreement_number = ?', f.agreementNumber);
  c.values.push(page.limit, page.offset);
  const result = await db.query<DaysReportRow>(
    `SELECT agreement_number AS "agreementNumber", count(*)::int AS engagements,
            sum(days)::int AS assigned,
            coalesce(sum(days) FILTER (WHERE redeemed_at IS NOT NULL), 0)::int AS redeemed,
            coalesce(sum(days) FILTER (WHERE days_outcome = 'RETURNED_TO_POOL'), 0)::int AS returned,
            coalesce(sum(days) FILTER (WHERE days_outcome = 'LOST'), 0)::int AS lost,
            coalesce(sum(days) FILTER (WHERE ${OPEN}), 0)::int AS open
     FROM engagements ${c.where.length ? `WHERE ${c.where.join(' AND ')}` : ''}
     GROUP BY agreement_number ORDER BY agreement_number
     LIMIT $${c.values.length - 1} OFFSET $${c.values.length}`,
    c.values,
  );
  return result.rows;
}

export interface ExpiringReportRow {
  partnerId: string | null;
  voucherId: string;
  status: string;
  offering: string;
  engagementType: string;
  days: number;
  agreementNumber: string;
  customerCountry: string;
  voucherExpiresAt: string;
}

/** Open (unredeemed, not ended) vouchers expiring in [from, to), by partner then expiry. */
export async function expiringReport(
  db: RecordDb,
  f: { from?: string; to?: string; partnerId?: string },
  page: Page,
): Promise<ExpiringReportRow[]> {
  const c = conditions();
  c.where.push(OPEN);
  if (f.from) c.add('voucher_expires_at >= ?', f.from);
  if (f.to) c.add('voucher_expires_at < ?', f.to);
  if (f.partnerId) c.add('partner_id = ?', f.partnerId);
  c.values.push(page.limit, page.offset);
  const result = await db.query<ExpiringReportRow>(
    `SELECT partner_id AS "partnerId", voucher_id AS "voucherId", status, offering,
            engagement_type AS "engagementType", days, agreement_number AS "agreementNumber",
            customer_country AS "customerCountry", ${iso('voucher_expires_at')} AS "voucherExpiresAt"
     FROM engagements WHERE ${c.where.join(' AND ')}
     ORDER BY partner_id NULLS LAST, voucher_expires_at, voucher_id
     LIMIT $${c.values.length - 1} OFFSET $${c.values.length}`,
    c.values,
  );
  return result.rows;
}
