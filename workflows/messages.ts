// The engagement and partner workflows' messages, defined once. Every engagement message is both
// an Update (with a validator; the HTTP API uses it so a caller gets a synchronous, specific refusal)
// and a Signal of the same name and meaning (for operators in the Temporal CLI/UI).
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { ENGAGEMENT_MESSAGES, type EngagementMessage, type EngagementState } from '../domain/engagement';
import type { CatalogOfferingEntry } from '../domain/catalog';
import type { Enrollment, EligibilityMatrixRow, PartnerSnapshot } from '../domain/partner';
import type { FifteenDayClaim, FifteenDayRelease } from '../domain/rules/delivery';
import type {
  Actor,
  Cancellation,
  CompletionReport,
  EnrollmentRequest,
  ExpiryExtension,
  Forwarding,
  PartnerProfile,
  Reservation,
  ReservationCancellation,
  ReservationChange,
} from '../domain/schemas';

export const TASK_QUEUE = 'planning-services';
export const engagementWorkflowId = (voucherId: string) => `engagement-${voucherId}`;
export const partnerWorkflowId = (partnerId: string) => `partner-${partnerId}`;
export const agreementWorkflowId = (agreementNumber: string) => `agreement-${agreementNumber}`;

/** Payloads are the HTTP bodies plus the actor the HTTP layer adds (operators may set it in a signal). */
export type WithActor<T> = T & { actor?: Actor };

export interface EngagementPayloads {
  voucherForwarded: WithActor<Forwarding>;
  voucherReserved: WithActor<Reservation>;
  reservationChanged: WithActor<ReservationChange>;
  reservationCancelled: WithActor<ReservationCancellation>;
  completionReportSubmitted: WithActor<CompletionReport>;
  voucherRedeemed: WithActor<Record<never, never>>;
  engagementCancelled: WithActor<Cancellation>;
  invoiceRetryRequested: WithActor<{ note?: string }>;
  voucherExpiryExtended: WithActor<ExpiryExtension>;
}

const update = <K extends EngagementMessage>(name: K) =>
  defineUpdate<EngagementState, [EngagementPayloads[K]], K>(name);
const signal = <K extends EngagementMessage>(name: K) => defineSignal<[EngagementPayloads[K]], K>(name);

/** One Update per message: the HTTP API's way in (its validator refuses synchronously). */
export const engagementUpdates: {
  [K in EngagementMessage]: UpdateDefinition<EngagementState, [EngagementPayloads[K]], K>;
} = {
  voucherForwarded: update('voucherForwarded'),
  voucherReserved: update('voucherReserved'),
  reservationChanged: update('reservationChanged'),
  reservationCancelled: update('reservationCancelled'),
  completionReportSubmitted: update('completionReportSubmitted'),
  voucherRedeemed: update('voucherRedeemed'),
  engagementCancelled: update('engagementCancelled'),
  invoiceRetryRequested: update('invoiceRetryRequested'),
  voucherExpiryExtended: update('voucherExpiryExtended'),
};

/** One Signal of the same name and meaning per message: the operators' way in (Temporal CLI/UI). */
export const engagementSignals: { [K in EngagementMessage]: SignalDefinition<[EngagementPayloads[K]], K> } = {
  voucherForwarded: signal('voucherForwarded'),
  voucherReserved: signal('voucherReserved'),
  reservationChanged: signal('reservationChanged'),
  reservationCancelled: signal('reservationCancelled'),
  completionReportSubmitted: signal('completionReportSubmitted'),
  voucherRedeemed: signal('voucherRedeemed'),
  engagementCancelled: signal('engagementCancelled'),
  invoiceRetryRequested: signal('invoiceRetryRequested'),
  voucherExpiryExtended: signal('voucherExpiryExtended'),
};

export const engagementStateQuery = defineQuery<EngagementState>('engagementState');
export { ENGAGEMENT_MESSAGES };

// ---------- partner entity ----------

export interface PartnerState extends PartnerSnapshot {
  createdAt: string;
  updatedAt: string;
  notifications: { kind: string; offering: string; at: string; message: string }[];
}

export const profileReplacedUpdate = defineUpdate<PartnerState, [WithActor<PartnerProfile>]>('profileReplaced');
/** An enrollment or renewal: the API adds the catalog entry it is checked against (older messages have none). */
export type EnrollmentPayload = WithActor<EnrollmentRequest & { catalog?: CatalogOfferingEntry }>;
export const enrollmentRequestedUpdate = defineUpdate<PartnerState, [EnrollmentPayload]>('enrollmentRequested');
export const enrollmentRenewedUpdate = defineUpdate<PartnerState, [EnrollmentPayload]>('enrollmentRenewed');
export const partnerStateQuery = defineQuery<PartnerState>('partnerState');
/**
 * The matrix as of `atMs` (default: the workflow's time, which stands still while the partner is idle,
 * so callers pass their own time; the API computes the matrix from the state instead).
 */
export const eligibilityMatrixQuery = defineQuery<EligibilityMatrixRow[], [atMs?: number]>('eligibilityMatrix');
export type { Enrollment };

// ---------- customer agreement registry (the 15-day repeat rule spans engagements) ----------

export const fifteenDayClaimUpdate = defineUpdate<{ claims: FifteenDayClaim[] }, [FifteenDayClaim]>(
  'fifteenDayClaimed',
);
export const fifteenDayReleaseSignal = defineSignal<[FifteenDayRelease]>('fifteenDayReleased');
export const fifteenDayClaimsQuery = defineQuery<FifteenDayClaim[]>('fifteenDayClaims');
