// /v1/reports: invoices, days per customer agreement, and vouchers about to expire, from the
// record store, as JSON or CSV (Accept: text/csv), paginated.
import { daysReport, expiringReport, invoiceReport } from '../../records/reports';
import type { Role } from '../auth';
import {
  DaysReportQuery,
  DaysReportRowSchema,
  DaysReportSchema,
  ExpiringReportQuery,
  ExpiringReportRowSchema,
  ExpiringReportSchema,
  InvoiceReportQuery,
  InvoiceReportRowSchema,
  InvoiceReportSchema,
} from '../report-schemas';
import { dayStart, NEXT_PAGE_HEADER, partnerScope, serveReport } from '../reports';
import { defineRoute, type RouteDef } from '../router';

const TAG = 'Reports';
const STAFF: Role[] = ['backoffice', 'operator'];
const columnsOf = (schema: { shape: object }) => Object.keys(schema.shape);
const CSV_NOTE =
  ' Send `Accept: text/csv` for CSV (a header row, then the rows of the page; the next page token in the `X-Next-Page-Token` header).';
const csvHeaders = {
  [NEXT_PAGE_HEADER]: { description: 'CSV only: the token of the next page', schema: { type: 'string' as const } },
};

const invoices = defineRoute({
  method: 'get',
  path: '/v1/reports/invoices',
  operationId: 'invoiceReport',
  summary: 'Invoices (SAVB payment requests) by period, partner, offering and status',
  description:
    'One row per engagement whose invoice SAVB accepted (its latest request), in order of submission; the period filters the submission date. From the record store, so it covers engagements Temporal no longer keeps.' +
    CSV_NOTE,
  tags: [TAG],
  auth: STAFF,
  query: InvoiceReportQuery,
  responses: {
    200: { description: 'A page of invoices', schema: InvoiceReportSchema, csv: true, headers: csvHeaders },
  },
  errors: [503],
  handler: ({ app, req, res, query }) =>
    serveReport(app, req, res, {
      name: 'invoices',
      filters: {
        from: dayStart(query.from),
        to: dayStart(query.to, 1),
        partnerId: query.partnerId,
        offering: query.offering,
        status: query.status,
      },
      pageSize: query.pageSize,
      pageToken: query.pageToken,
      columns: columnsOf(InvoiceReportRowSchema),
      run: invoiceReport,
    }),
});

const days = defineRoute({
  method: 'get',
  path: '/v1/reports/days',
  operationId: 'daysReport',
  summary: 'Days per customer agreement: assigned, redeemed, returned, lost, open',
  description:
    'One row per customer agreement (in order of agreement number), summing the days of its vouchers. A voucher counts as assigned always, and as redeemed, returned (expired or cancelled with the enrollment active), lost (otherwise) or open (neither redeemed nor ended).' +
    CSV_NOTE,
  tags: [TAG],
  auth: STAFF,
  query: DaysReportQuery,
  responses: { 200: { description: 'A page of agreements', schema: DaysReportSchema, csv: true, headers: csvHeaders } },
  errors: [503],
  handler: ({ app, req, res, query }) =>
    serveReport(app, req, res, {
      name: 'days',
      filters: { agreementNumber: query.agreementNumber },
      pageSize: query.pageSize,
      pageToken: query.pageToken,
      columns: columnsOf(DaysReportRowSchema),
      run: daysReport,
    }),
});

const expiring = defineRoute({
  method: 'get',
  path: '/v1/reports/expiring',
  operationId: 'expiringReport',
  summary: 'Open vouchers expiring in a period, by partner',
  description:
    'Vouchers not yet redeemed and not ended whose expiry falls in the period, ordered by partner (vouchers no partner took yet last), then expiry. A partner sees only its own.' +
    CSV_NOTE,
  tags: [TAG],
  auth: ['backoffice', 'operator', 'partner'],
  query: ExpiringReportQuery,
  responses: {
    200: { description: 'A page of vouchers', schema: ExpiringReportSchema, csv: true, headers: csvHeaders },
  },
  errors: [503],
  handler: ({ app, req, res, query, principal }) => {
    const scope = partnerScope(principal, query.partnerId);
    return serveReport(app, req, res, {
      name: 'expiring',
      filters: { from: dayStart(query.from), to: dayStart(query.to, 1), partnerId: scope.partnerId },
      pageSize: query.pageSize,
      pageToken: query.pageToken,
      columns: columnsOf(ExpiringReportRowSchema),
      run: scope.none ? () => Promise.resolve([]) : expiringReport,
    });
  },
});

export const reportRoutes: RouteDef[] = [invoices, days, expiring];
