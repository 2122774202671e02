// The engagement and partner workflows' messages, defined once. Every engagement message is both
// an Update (with a validator; the HTTP API uses it so a caller gets a synchronous, specific refusal)
// and a Signal of the same name and meaning (for operators in the Temporal CLI/UI).
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { EngagementMessage, EngagementState } from '../domain/engagement';
import type { Enrollment, EligibilityMatrixRow, PartnerSnapshot } from '../domain/partner';
import type { FifteenDayClaim } from '../domain/rules/delivery';
import type {
  Actor,
  Cancellation,
  CompletionReport,
  EnrollmentRequest,
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
}

type UpdateDefs = {
  [K in EngagementMessage]: ReturnType<typeof defineUpdate<EngagementState, [EngagementPayloads[K]], K>>;
};
type SignalDefs = { [K in EngagementMessage]: ReturnType<typeof defineSignal<[EngagementPayloads[K]], K>> };

const MESSAGE_NAMES: EngagementMessage[] = [
  'voucherForwarded',
  'voucherReserved',
  'reservationChanged',
  'reservationCancelled',
  'completionReportSubmitted',
  'voucherRedeemed',
  'engagementCancelled',
  'invoiceRetryRequested',
];

export const engagementUpdates = Object.fromEntries(
  MESSAGE_NAMES.map((n) => [n, defineUpdate(n)]),
) as unknown as UpdateDefs;
export const engagementSignals = Object.fromEntries(
  MESSAGE_NAMES.map((n) => [n, defineSignal(n)]),
) as unknown as SignalDefs;
export const engagementStateQuery = defineQuery<EngagementState>('engagementState');
export { MESSAGE_NAMES as ENGAGEMENT_MESSAGES };

// ---------- partner entity ----------

export interface PartnerState extends PartnerSnapshot {
  createdAt: string;
  updatedAt: string;
  notifications: { kind: string; offering: string; at: string; message: string }[];
}

export const profileReplacedUpdate = defineUpdate<PartnerState, [WithActor<PartnerProfile>]>('profileReplaced');
export const enrollmentRequestedUpdate = defineUpdate<PartnerState, [WithActor<EnrollmentRequest>]>(
  'enrollmentRequested',
);
export const enrollmentRenewedUpdate = defineUpdate<PartnerState, [WithActor<EnrollmentRequest>]>('enrollmentRenewed');
export const partnerStateQuery = defineQuery<PartnerState>('partnerState');
export const eligibilityMatrixQuery = defineQuery<EligibilityMatrixRow[]>('eligibilityMatrix');
export type { Enrollment };

// ---------- customer agreement registry (the 15-day repeat rule spans engagements) ----------

export const fifteenDayClaimUpdate = defineUpdate<{ claims: FifteenDayClaim[] }, [FifteenDayClaim]>(
  'fifteenDayClaimed',
);
export const fifteenDayReleaseSignal = defineSignal<[{ voucherId: string }]>('fifteenDayReleased');
export const fifteenDayClaimsQuery = defineQuery<FifteenDayClaim[]>('fifteenDayClaims');
