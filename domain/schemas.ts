// Every external shape, once, as zod schemas. The API validates requests with them and generates
// its OpenAPI document from them. The workflows check message payloads (signals and updates can come
// from the Temporal CLI/UI unvalidated) against JSON Schemas generated from the message schemas below
// (workflows/message-schemas.json): zod itself stays out of the workflow sandbox, where it would be
// evaluated again for every workflow the worker loads.
import { z } from 'zod';
import { isCalendarDate } from './dates';
import { ILL_FORMED_TEXT, isWellFormed } from './text';

/** Free text: valid Unicode only (a lone surrogate cannot be stored or sent on). */
const text = () => z.string().refine(isWellFormed, ILL_FORMED_TEXT);

export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
  .refine(isCalendarDate, 'not a calendar date')
  // `format: date` says "a real calendar date" to OpenAPI clients (the refinement above checks it).
  .meta({ description: 'A calendar date, YYYY-MM-DD', example: '2026-12-01', format: 'date' });

const InstantFormat = z.iso.datetime({ offset: true });
/** Documented with zod's own pattern too: `format: date-time` (RFC 3339) also allows a lowercase `t`/`z` and a leap second, which zod refuses. */
export const Instant = InstantFormat.meta({
  description: 'An instant, ISO 8601 with zone',
  example: '2026-11-25T09:00:00Z',
  pattern: (InstantFormat._zod.def as { pattern?: RegExp }).pattern?.source,
});

export const CountryCode = z
  .string()
  .regex(/^[A-Z]{2}$/, 'expected an ISO 3166-1 alpha-2 country code')
  .meta({ description: 'ISO 3166-1 alpha-2 country code', example: 'US' });

/** Identifiers end up in workflow IDs and URLs: a conservative alphabet, bounded length. */
export const Identifier = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only, starting with a letter or digit');

/** An e-mail address as zod checks it: documented with zod's own pattern, as `format: email` alone allows more. */
export const Email = z.email().max(254).meta({ pattern: z.regexes.email.source, description: 'An e-mail address' });
/**
 * Where a link may point: `https:` only; `http:` only to this machine (a development server), never
 * `javascript:`, `data:` or any other scheme a console could be tricked into running (leading blanks
 * are allowed: zod trims them, browsers ignore them). A pattern, so
 * the workflows check the same rule (workflows/message-schemas.json).
 */
export const LINK_PATTERN = /^\s*(https:\/\/[^\s/?#]|http:\/\/(localhost|127\.0\.0\.1|\[::1\])([:/?#]|$))/;
export const LINK_MESSAGE = 'an https: link (http: only to localhost, for development)';
/** A link as callers send it (the same well-formed text rule: a lone surrogate is no URL). */
const Url = () =>
  z.url({ abort: true }).max(2000).regex(LINK_PATTERN, LINK_MESSAGE).refine(isWellFormed, ILL_FORMED_TEXT);
export const ShortText = text().min(1).max(200);
export const LongText = text().max(4000);
/** Catalog codes (offerings, engagement types) as callers send them. */
export const CatalogCode = z.string().regex(/^[A-Za-z0-9-]{1,60}$/, 'a catalog code: letters, digits and "-"');

export const CompetencyLevel = z.enum(['Silver', 'Gold']);
export type CompetencyLevel = z.infer<typeof CompetencyLevel>;

// ---------- catalog and rate card (configuration data, validated at start-up) ----------

export const QualifyingCompetency = z.strictObject({ area: ShortText, minLevel: CompetencyLevel });
export const EngagementLength = z.union([z.literal(1), z.literal(3), z.literal(5), z.literal(10), z.literal(15)]);
export type EngagementLength = z.infer<typeof EngagementLength>;
export const EngagementTypeDef = z.strictObject({
  code: z.string().regex(/^[A-Z0-9-]+$/),
  name: ShortText,
  allowedDays: z.array(EngagementLength).min(1).optional(),
  qualifyingCompetencies: z.array(QualifyingCompetency).min(1),
});
export const OfferingDef = z.strictObject({
  code: z.string().regex(/^[A-Z0-9-]+$/),
  name: ShortText,
  engagementTypes: z.array(EngagementTypeDef).min(1),
});
export const CatalogFile = z.strictObject({ offerings: z.array(OfferingDef).min(1) });
export type CatalogFile = z.infer<typeof CatalogFile>;

export const RateCard = z.object({
  sample: z.boolean().optional(),
  rates: z.record(
    CountryCode,
    z.strictObject({ currency: z.string().regex(/^[A-Z]{3}$/), dailyRate: z.number().positive() }),
  ),
});
export type RateCard = z.infer<typeof RateCard>;

// ---------- partner ----------

export const Location = z.strictObject({ locationId: Identifier, country: CountryCode });
export const Competency = z.strictObject({ area: ShortText, level: CompetencyLevel, expiresAt: IsoDate.optional() });
export const Exam = z.strictObject({ code: ShortText, area: ShortText, passedAt: IsoDate });
export const Consultant = z.strictObject({ consultantId: Identifier, name: ShortText, exams: z.array(Exam).max(200) });
export const PartnerProfile = z
  .strictObject({
    name: ShortText,
    description: LongText.optional(),
    website: Url().optional(),
    locations: z.array(Location).max(500),
    competencies: z.array(Competency).max(100),
    consultants: z.array(Consultant).max(2000),
  })
  .meta({ id: 'PartnerProfile' });
export type PartnerProfile = z.infer<typeof PartnerProfile>;
export type Consultant = z.infer<typeof Consultant>;
export type Competency = z.infer<typeof Competency>;

export const EnrollmentRequest = z.strictObject({ offering: CatalogCode }).meta({ id: 'EnrollmentRequest' });
export type EnrollmentRequest = z.infer<typeof EnrollmentRequest>;

// ---------- engagement ----------

export const Customer = z.strictObject({
  agreementNumber: Identifier,
  name: ShortText,
  country: CountryCode,
  projectManagerEmail: Email,
  enrollmentEndsAt: IsoDate.meta({ description: "Last day of the customer's Software Assurance enrollment" }),
});
export type Customer = z.infer<typeof Customer>;

export const StartEngagementRequest = z
  .strictObject({
    voucherId: Identifier,
    offering: CatalogCode,
    engagementType: CatalogCode,
    days: z.number().int().positive().max(365),
    assignedAt: Instant,
    customer: Customer,
  })
  .meta({ id: 'StartEngagementRequest' });
export type StartEngagementRequest = z.infer<typeof StartEngagementRequest>;

export const Forwarding = z
  .strictObject({ partnerId: Identifier, projectManagerEmail: Email })
  .meta({ id: 'Forwarding' });
export type Forwarding = z.infer<typeof Forwarding>;

export const Reservation = z
  .strictObject({
    locationId: Identifier,
    consultantId: Identifier,
    startDate: IsoDate,
    endDate: IsoDate,
    deliveryCountry: CountryCode,
    division: ShortText.optional(),
    productScope: ShortText.optional(),
  })
  .meta({ id: 'Reservation' });
export type Reservation = z.infer<typeof Reservation>;

export const ReservationChange = z
  .strictObject({ startDate: IsoDate, endDate: IsoDate })
  .meta({ id: 'ReservationChange', description: 'New dates for a reservation whose engagement has not started' });
export type ReservationChange = z.infer<typeof ReservationChange>;

export const ReservationCancellation = z
  .strictObject({ reason: LongText.optional() })
  .meta({ id: 'ReservationCancellation' });
export type ReservationCancellation = z.infer<typeof ReservationCancellation>;

export const DeliverableKind = z.enum(['COMPLETION_REPORT', 'CUSTOMER_PLANNING_DELIVERABLE']);
export const Deliverable = z.strictObject({
  kind: DeliverableKind,
  title: ShortText,
  uri: Url(),
  sha256: z.string().regex(/^[a-f0-9]{64}$/, 'expected 64 lowercase hex digits'),
});
export const CompletionReport = z
  .strictObject({
    consultantId: Identifier,
    deliveredFrom: IsoDate,
    deliveredTo: IsoDate,
    onSiteDays: z.number().int().min(0).max(15),
    offSiteDays: z.number().int().min(0).max(15),
    deliverables: z.array(Deliverable).min(1).max(50),
  })
  .meta({ id: 'CompletionReport' });
export type CompletionReport = z.infer<typeof CompletionReport>;

export const Redemption = z.strictObject({}).meta({ id: 'Redemption' });
export const Cancellation = z.strictObject({ reason: text().min(1).max(4000) }).meta({ id: 'Cancellation' });
export type Cancellation = z.infer<typeof Cancellation>;
export const ExpiryExtension = z
  .strictObject({ days: z.number().int().min(1).max(365), reason: text().min(1).max(4000) })
  .meta({ id: 'ExpiryExtension', description: 'Extends the voucher validity by a number of days (back-office)' });
export type ExpiryExtension = z.infer<typeof ExpiryExtension>;
export const InvoiceRetry = z.strictObject({ note: LongText.optional() }).meta({ id: 'InvoiceRetry' });

/** Who did something: set by the HTTP layer from the token; operators may put it in a signal. */
export const Actor = z
  .string()
  .regex(
    /^(backoffice|operator|system|partner:[A-Za-z0-9][A-Za-z0-9._-]{0,63})$/,
    'backoffice, operator, system or partner:<partnerId>',
  );
export type Actor = z.infer<typeof Actor>;

// ---------- workflow messages (the payloads the workflows check; see workflows/payload-validation.ts) ----------

/** A message payload is the HTTP body plus the actor the HTTP layer adds (operators may set it). */
const withActor = <T extends z.ZodObject>(schema: T) => schema.extend({ actor: Actor.optional() });

export const ENGAGEMENT_MESSAGE_SCHEMAS = {
  voucherForwarded: withActor(Forwarding),
  voucherReserved: withActor(Reservation),
  reservationChanged: withActor(ReservationChange),
  reservationCancelled: withActor(ReservationCancellation),
  completionReportSubmitted: withActor(CompletionReport),
  voucherRedeemed: withActor(Redemption),
  engagementCancelled: withActor(Cancellation),
  invoiceRetryRequested: withActor(InvoiceRetry),
  voucherExpiryExtended: withActor(ExpiryExtension),
};

/**
 * The catalog entry an enrollment or renewal is checked against, sent by the API (domain/catalog.ts
 * catalogOffering): the catalog's version and the offering as in it (absent: not in that catalog).
 */
export const CatalogOfferingMessage = z.strictObject({
  version: z.string().min(1).max(100),
  offering: OfferingDef.optional(),
});
const EnrollmentMessage = withActor(EnrollmentRequest).extend({ catalog: CatalogOfferingMessage.optional() });

export const PARTNER_MESSAGE_SCHEMAS = {
  profileReplaced: withActor(PartnerProfile),
  enrollmentRequested: EnrollmentMessage,
  enrollmentRenewed: EnrollmentMessage,
};

/** The 15-day claim as engagements send it (an internal message, but checked: operators can send it too). */
/** Names one reservation's claim: `<voucherId>#<n>` (domain/rules/delivery.ts fifteenDayClaimToken). */
const FifteenDayClaimToken = z
  .string()
  .max(80)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*#[0-9]+$/, 'a claim token: <voucherId>#<number>');
export const FifteenDayClaimMessage = z.strictObject({
  voucherId: Identifier,
  agreementNumber: Identifier,
  engagementType: CatalogCode,
  division: ShortText.optional(),
  productScope: ShortText.optional(),
  token: FifteenDayClaimToken.optional(),
});
export const FifteenDayReleaseMessage = z.strictObject({
  voucherId: Identifier,
  token: FifteenDayClaimToken.optional(),
});

export const AGREEMENT_MESSAGE_SCHEMAS = {
  fifteenDayClaimed: FifteenDayClaimMessage,
  fifteenDayReleased: FifteenDayReleaseMessage,
};
