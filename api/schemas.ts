// Shapes the API adds to the domain's: path and query parameters, and the responses (documented in
// the OpenAPI document). Request bodies are the domain's schemas (domain/schemas.ts), used as they are.
import { z } from 'zod';
import { catalog } from '../domain/catalog';
import { ENGAGEMENT_STATUSES } from '../domain/engagement';
import { SAVB_STATUSES } from '../domain/rules/invoice';
import {
  CatalogCode,
  CompletionReport,
  EnrollmentRequest,
  StartEngagementRequest,
  CountryCode,
  Customer,
  Identifier,
  Instant,
  IsoDate,
  PartnerProfile,
  Reservation,
} from '../domain/schemas';

// ---------- catalog codes ----------

/**
 * Catalog codes are documented as the enums of the shipped catalog, so clients (the console's
 * generated one, fuzzers) send real codes. Validation stays the code's shape: an unknown code is a
 * program rule's 422 naming the rule (OFFERING_UNKNOWN, ENGAGEMENT_TYPE_UNKNOWN), or an empty list.
 */
export const OFFERING_CODES = catalog.offerings.map((o) => o.code);
export const ENGAGEMENT_TYPE_CODES = catalog.offerings.flatMap((o) => o.engagementTypes.map((t) => t.code));
// `.meta()` registers a copy: the domain's CatalogCode (and the workflows' message schemas) stay as they are.
const OfferingCode = CatalogCode.meta({ enum: OFFERING_CODES, description: 'Offering code from the catalog' });
const EngagementTypeCode = CatalogCode.meta({
  enum: ENGAGEMENT_TYPE_CODES,
  description: 'Engagement type code from the catalog',
});

/** The start request as the route validates it (the domain's schema), its catalog codes documented as enums. */
export const StartEngagementBody = StartEngagementRequest.extend({
  offering: OfferingCode,
  engagementType: EngagementTypeCode,
}).meta({ id: 'StartEngagementRequest' });
export const EnrollmentBody = EnrollmentRequest.extend({ offering: OfferingCode }).meta({ id: 'EnrollmentRequest' });

// ---------- parameters ----------

export const VoucherIdParams = z.strictObject({
  voucherId: Identifier.meta({ description: 'The voucher ID', example: 'V-2026-0001' }),
});
export const PartnerIdParams = z.strictObject({
  partnerId: Identifier.meta({ description: 'The partner ID', example: 'contoso' }),
});
export const EnrollmentParams = z.strictObject({
  partnerId: Identifier.meta({ description: 'The partner ID', example: 'contoso' }),
  offering: OfferingCode,
});

export const EngagementStatusSchema = z.enum(ENGAGEMENT_STATUSES).meta({ id: 'EngagementStatus' });

/**
 * `expiresBefore` as the instant the list compares with (a date is the start of that day, UTC).
 * Empty when it is not one Temporal's visibility can parse: an offset can carry 9999-12-31 into the
 * year 10000 (or 0000-01-01 into the year -1), which toISOString writes as +010000-… / -000001-….
 */
export function expiresBeforeInstant(value: string): string {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  const ms = Date.parse(at);
  const iso = Number.isFinite(ms) ? new Date(ms).toISOString() : '';
  return /^\d{4}-\d{2}-\d{2}T/.test(iso) ? iso : '';
}

export const PageSize = z.coerce
  .number()
  .int()
  .min(1)
  .max(100)
  .default(20)
  .meta({ description: 'Items per page (1-100, default 20)' });

export const ListEngagementsQuery = z.strictObject({
  status: EngagementStatusSchema.optional(),
  partnerId: Identifier.optional().meta({ description: 'Engagements forwarded to this partner' }),
  offering: z
    .string()
    .regex(/^[A-Z0-9-]{1,20}$/)
    .optional()
    .meta({ enum: OFFERING_CODES, description: 'Offering code' }),
  country: CountryCode.optional().meta({ description: "The customer's country" }),
  expiresBefore: z
    .union([Instant, IsoDate])
    .refine(
      (value) => expiresBeforeInstant(value) !== '',
      'out of range: in UTC it must fall within the years 0000 to 9999',
    )
    .optional()
    .meta({ description: 'Vouchers expiring before this instant (or before the start of this date, UTC)' }),
  closed: z
    .stringbool({ truthy: ['true'], falsy: ['false'] })
    .optional()
    .meta({
      description:
        'Answer from the record store: `true` lists ended engagements (kept after Temporal deletes them), `false` open ones. Without it the list reads Temporal visibility.',
    }),
  pageSize: PageSize,
  pageToken: z
    .string()
    .max(4096)
    .regex(/^[A-Za-z0-9_-]*$/, 'not a page token of this API')
    .optional()
    .meta({ description: 'nextPageToken of the previous page' }),
});
export type ListEngagementsQuery = z.infer<typeof ListEngagementsQuery>;

export const DirectoryQuery = z.strictObject({
  offering: z
    .string()
    .regex(/^[A-Z0-9-]{1,20}$/)
    .optional()
    .meta({ enum: OFFERING_CODES, description: 'Partners with an active enrollment in this offering' }),
  country: CountryCode.optional().meta({ description: 'Partners with a location in this country' }),
});

export const EmptyQuery = z.strictObject({});

// ---------- responses ----------

export const ProblemSchema = z
  .looseObject({
    type: z.string().meta({
      description: 'A URI naming the kind of problem',
      example: 'https://planning-services.example/problems/voucher-expired',
    }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    rules: z
      .array(z.object({ code: z.string(), message: z.string(), fields: z.array(z.string()).optional() }))
      .optional()
      .meta({ description: 'The rules or state checks that refused the request' }),
    fields: z.array(z.string()).optional().meta({ description: 'Offending fields as dotted paths' }),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    requestId: z.string().optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

const RefusalSchema = z
  .object({
    kind: z.enum(['STATE', 'RULE', 'INVALID', 'FORBIDDEN', 'UNAVAILABLE', 'LIMITED']),
    code: z.string(),
    message: z.string(),
    fields: z.array(z.string()).optional(),
    retryAt: Instant.optional(),
  })
  .meta({ id: 'Refusal' });

const Enrollment = z
  .object({
    offering: z.string(),
    acceptedAt: Instant,
    validUntil: Instant,
    status: z.enum(['ACTIVE', 'LAPSED']),
    renewals: z.array(Instant),
    catalogVersion: z
      .string()
      .optional()
      .meta({ description: 'The catalog version the latest enrollment or renewal was checked against' }),
  })
  .meta({ id: 'Enrollment' });

export const PartnerStateSchema = z
  .looseObject({
    partnerId: z.string(),
    profile: PartnerProfile.optional(),
    enrollments: z.record(z.string(), Enrollment),
    createdAt: Instant.optional(),
    updatedAt: Instant.optional(),
    notifications: z
      .array(z.looseObject({ kind: z.string(), offering: z.string(), at: Instant, message: z.string() }))
      .optional(),
  })
  .meta({ id: 'Partner', description: 'A partner: profile and enrollments' });

export const EligibilityMatrixSchema = z
  .object({
    partnerId: z.string(),
    rows: z.array(
      z.object({
        offering: z.string(),
        engagementType: z.string(),
        name: z.string(),
        eligible: z.boolean(),
        unmet: z.array(RefusalSchema),
      }),
    ),
  })
  .meta({
    id: 'EligibilityMatrix',
    description: 'Per engagement type: eligible or not, with the unmet requirements named',
  });

export const EngagementSchema = z
  .looseObject({
    voucherId: z.string(),
    status: EngagementStatusSchema,
    offering: z.string(),
    engagementType: z.string(),
    days: z.number().int(),
    assignedAt: Instant,
    customer: Customer,
    partnerId: z.string().optional(),
    eligibility: z
      .object({ partnerId: z.string(), checkedAt: Instant, eligible: z.boolean(), refusals: z.array(RefusalSchema) })
      .optional(),
    forwardingGuard: z
      .object({ wrongEmails: z.number().int(), locks: z.number().int(), lockedUntil: Instant.optional() })
      .optional()
      .meta({
        description:
          "Partners' forwarding attempts with a wrong project-manager e-mail; five lock forwarding (1 h, doubling to 24 h). Not shown to partners",
      }),
    reservation: Reservation.extend({
      reservedAt: Instant,
      warnings: z.array(RefusalSchema).optional().meta({
        description:
          'e.g. REDEEM_BEFORE_EXPIRY: a reservation ending on the last valid day must be redeemed before the expiry instant',
      }),
    }).optional(),
    report: CompletionReport.extend({ submittedAt: Instant }).optional(),
    redeemedAt: Instant.optional(),
    cancellation: z.object({ reason: z.string(), at: Instant, actor: z.string() }).optional(),
    daysDisposition: z
      .object({
        outcome: z.enum(['RETURNED_TO_POOL', 'LOST']),
        days: z.number().int(),
        at: Instant,
        reason: z.enum(['EXPIRED', 'CANCELLED']),
      })
      .optional(),
    deadlines: z.object({ voucherExpiresAt: Instant, lastValidDate: IsoDate, invoiceDueAt: Instant.optional() }),
    invoice: z
      .looseObject({
        dueAt: Instant,
        attempts: z.number().int(),
        referenceNumber: z.string().optional(),
        savbStatus: z.enum(SAVB_STATUSES).optional(),
        amount: z.number().optional(),
        currency: z.string().optional(),
        submittedAt: Instant.optional(),
        paidAt: Instant.optional(),
        lastRefusal: z.object({ code: z.string(), message: z.string(), at: Instant }).optional(),
        lastPollError: z.object({ message: z.string(), at: Instant }).optional().meta({
          description: "The last failed status poll of the accepted request (polling goes on until SAVB's answer)",
        }),
      })
      .optional(),
    notifications: z.array(
      z.looseObject({ kind: z.string(), at: Instant, message: z.string(), delivered: z.boolean() }),
    ),
    history: z.array(
      z.looseObject({
        at: Instant,
        actor: z.string(),
        event: z.string(),
        accepted: z.boolean(),
        via: z.enum(['update', 'signal', 'timer', 'activity']).optional(),
        claimedActor: z.string().optional().meta({
          description:
            'The actor a signal named; signals act as the operator, whatever they name. Not shown to partners',
        }),
        detail: z.string().optional(),
        refusals: z.array(RefusalSchema).optional(),
      }),
    ),
  })
  .meta({ id: 'Engagement', description: 'The full state of an engagement, as its workflow holds it' });

export const EngagementSummarySchema = z
  .object({
    voucherId: z.string(),
    status: EngagementStatusSchema.optional(),
    offering: z.string().optional(),
    engagementType: z.string().optional(),
    partnerId: z.string().optional(),
    customerCountry: z.string().optional(),
    days: z.number().int().optional(),
    voucherExpiresAt: Instant.optional(),
    workflowStatus: z.string().meta({ description: 'Temporal execution status: Running, Completed, ...' }),
    startedAt: Instant,
  })
  .meta({ id: 'EngagementSummary', description: 'One engagement in a list (from its search attributes)' });
export type EngagementSummary = z.infer<typeof EngagementSummarySchema>;

export const EngagementListSchema = z
  .object({ items: z.array(EngagementSummarySchema), nextPageToken: z.string().optional() })
  .meta({ id: 'EngagementList' });

export const DirectoryEntrySchema = z
  .object({
    partnerId: z.string(),
    name: z.string(),
    description: z.string().optional(),
    website: z.string().optional(),
    countries: z.array(CountryCode),
    offerings: z.array(z.string()).meta({ description: 'Offerings the partner is actively enrolled in' }),
  })
  .meta({ id: 'DirectoryEntry' });
export type DirectoryEntry = z.infer<typeof DirectoryEntrySchema>;

export const DirectorySchema = z.object({ items: z.array(DirectoryEntrySchema) }).meta({ id: 'Directory' });

export const CatalogSchema = z
  .object({
    offerings: z.array(
      z.object({
        code: z.string(),
        name: z.string(),
        engagementTypes: z.array(
          z.object({
            code: z.string(),
            name: z.string(),
            allowedDays: z.array(z.number().int()),
            qualifyingCompetencies: z.array(z.object({ area: z.string(), minLevel: z.enum(['Silver', 'Gold']) })),
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'Catalog' });

export const HealthSchema = z
  .object({ status: z.enum(['ok', 'unavailable']), temporal: z.string().optional() })
  .meta({ id: 'Health' });
