// The reports' query parameters and rows (GET /v1/reports/*), documented in the OpenAPI document.
import { z } from 'zod';
import { Identifier, Instant, IsoDate } from '../domain/schemas';
import { PageSize } from './schemas';

const PageToken = z
  .string()
  .max(512)
  .regex(/^[A-Za-z0-9_-]*$/, 'not a page token of this API')
  .optional()
  .meta({ description: 'nextPageToken of the previous page (JSON) or the X-Next-Page-Token header (CSV)' });
const Offering = z
  .string()
  .regex(/^[A-Z0-9-]{1,20}$/)
  .meta({ description: 'Offering code', example: 'DDPS' });
const From = IsoDate.meta({ description: 'First day of the period (UTC), inclusive' });
const To = IsoDate.meta({ description: 'Last day of the period (UTC), inclusive' });
const periodInOrder = (q: { from?: string; to?: string }) => !q.from || !q.to || q.from <= q.to;
const PERIOD_ORDER = { message: '`from` must not be after `to`', path: ['to'] };

export const InvoiceReportQuery = z
  .strictObject({
    from: From.optional(),
    to: To.optional(),
    partnerId: Identifier.optional(),
    offering: Offering.optional(),
    status: z.enum(['SUBMITTED', 'APPROVED', 'PAID', 'DENIED']).optional().meta({ description: "SAVB's status" }),
    pageSize: PageSize,
    pageToken: PageToken,
  })
  .refine(periodInOrder, PERIOD_ORDER);
export type InvoiceReportQuery = z.infer<typeof InvoiceReportQuery>;

export const DaysReportQuery = z.strictObject({
  // What a start accepts as an agreement number: anything else is a 400, not a query PostgreSQL refuses (a NUL).
  agreementNumber: Identifier.optional().meta({ description: 'One customer agreement' }),
  pageSize: PageSize,
  pageToken: PageToken,
});
export type DaysReportQuery = z.infer<typeof DaysReportQuery>;

export const ExpiringReportQuery = z
  .strictObject({
    from: From.optional(),
    to: To.optional(),
    partnerId: Identifier.optional().meta({ description: 'One partner (a partner always sees only its own)' }),
    pageSize: PageSize,
    pageToken: PageToken,
  })
  .refine(periodInOrder, PERIOD_ORDER);
export type ExpiringReportQuery = z.infer<typeof ExpiringReportQuery>;

const page = <T extends z.ZodType>(row: T, id: string) =>
  z.object({ items: z.array(row), nextPageToken: z.string().optional() }).meta({ id });

export const InvoiceReportRowSchema = z
  .object({
    voucherId: z.string(),
    partnerId: z.string(),
    offering: z.string(),
    referenceNumber: z.string().meta({ description: "SAVB's reference number of the payment request" }),
    amount: z.number(),
    currency: z.string(),
    status: z.enum(['SUBMITTED', 'APPROVED', 'PAID', 'DENIED']),
    submittedAt: Instant,
    paidAt: Instant.nullable(),
  })
  .meta({ id: 'InvoiceReportRow' });
export const InvoiceReportSchema = page(InvoiceReportRowSchema, 'InvoiceReport');

export const DaysReportRowSchema = z
  .object({
    agreementNumber: z.string(),
    engagements: z.number().int(),
    assigned: z.number().int().meta({ description: 'Days of every voucher assigned under the agreement' }),
    redeemed: z.number().int(),
    returned: z.number().int().meta({ description: "Days back in the customer's pool (expired or cancelled)" }),
    lost: z.number().int().meta({ description: 'Days lost (expired or cancelled after the enrollment ended)' }),
    open: z.number().int().meta({ description: 'Days of vouchers neither redeemed nor ended' }),
  })
  .meta({ id: 'DaysReportRow' });
export const DaysReportSchema = page(DaysReportRowSchema, 'DaysReport');

export const ExpiringReportRowSchema = z
  .object({
    partnerId: z.string().nullable().meta({ description: 'null while no partner has taken the voucher' }),
    voucherId: z.string(),
    status: z.string(),
    offering: z.string(),
    engagementType: z.string(),
    days: z.number().int(),
    agreementNumber: z.string(),
    customerCountry: z.string(),
    voucherExpiresAt: Instant,
  })
  .meta({ id: 'ExpiringReportRow' });
export const ExpiringReportSchema = page(ExpiringReportRowSchema, 'ExpiringReport');
