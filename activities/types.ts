// The activities' contract, shared by the workflows (proxyActivities) and their implementations.
import type { EngagementType } from '../domain/catalog';
import type { PartnerSnapshot } from '../domain/partner';
import type { Refusal } from '../domain/refusals';
import type { FifteenDayClaim, FifteenDayRelease } from '../domain/rules/delivery';
import type { SavbStatus } from '../domain/rules/invoice';
import type { EngagementState } from '../domain/engagement';
import type { PartnerState } from '../workflows/messages';

export interface EligibilityCheckInput {
  partnerId: string;
  engagementType: string;
  /** Workflow time: rules are applied as of the workflow's now, not the activity's clock. */
  atMs: number;
  /** The engagement start when known (competency validity is checked then). */
  competencyDate?: string;
  /**
   * The engagement type's catalog entry the engagement was started with; without it the worker's
   * catalog is read (engagements started before entries travelled).
   */
  type?: EngagementType;
  /** The reservation's delivery country, when it must have a rate in the rate card. */
  deliveryCountry?: string;
}

export interface EligibilityCheckResult {
  snapshot?: PartnerSnapshot;
  refusals: Refusal[];
  /** NO_RATE_FOR_COUNTRY when the delivery country asked about has no rate. */
  rateRefusal?: Refusal;
}

export interface InvoiceSubmission {
  voucherId: string;
  idempotencyKey: string;
  partnerId: string;
  offering: string;
  locationId: string;
  country: string;
  days: number;
}

export interface InvoiceSubmitted {
  referenceNumber: string;
  status: SavbStatus;
  amount: number;
  currency: string;
  /** SAVB's time of payment, when the request is already PAID. */
  paidAt?: string;
}

export interface PaymentStatus {
  status: SavbStatus;
  reason?: string;
  /** SAVB's time of payment, once PAID. */
  paidAt?: string;
}

export interface NotificationInput {
  voucherId: string;
  kind: string;
  /** The engagement's status when the event happened (not when the notification is sent). */
  status: string;
  message: string;
  at: string;
  /** The engagement's partner at the event, once it has one. */
  partnerId?: string;
  offering?: string;
}

export interface NotificationResult {
  delivered: boolean;
  detail?: string;
}

/** SAVB's business refusals arrive as non-retryable ApplicationFailures of this type, details[0] = { code, message }. */
export const SAVB_REFUSAL = 'SavbRefusal';
export const SAVB_PARTNER_NOT_REGISTERED = 'PARTNER_NOT_REGISTERED';

/** An engagement's state to record; `ended` once its workflow has finished. */
export interface EngagementRecordInput {
  state: EngagementState;
  ended?: boolean;
}

/** Records the state, then delivers the notification (one activity per change). */
export interface RecordAndNotifyInput {
  state: EngagementState;
  notification: NotificationInput;
}

export interface EngagementActivities {
  checkEligibility(input: EligibilityCheckInput): Promise<EligibilityCheckResult>;
  /** Returns a refusal when the 15-day repeat rule forbids the claim. */
  claimFifteenDaySlot(claim: FifteenDayClaim): Promise<{ refusal?: Refusal }>;
  /** Releases the voucher's claim; with a token, only the claim made with it. */
  releaseFifteenDaySlot(input: FifteenDayRelease & { agreementNumber: string }): Promise<void>;
  submitInvoice(input: InvoiceSubmission): Promise<InvoiceSubmitted>;
  getPaymentStatus(input: { referenceNumber: string }): Promise<PaymentStatus>;
  notify(input: NotificationInput): Promise<NotificationResult>;
}

export interface PartnerActivities {
  notifyPartner(input: { partnerId: string; kind: string; message: string; at: string }): Promise<NotificationResult>;
}

/** Writes to the record store (activities/records.ts), idempotent. */
export interface RecordActivities {
  recordEngagement(input: EngagementRecordInput): Promise<void>;
  recordAndNotify(input: RecordAndNotifyInput): Promise<NotificationResult>;
  /** `holdsAcknowledged`: the partner run acknowledges a change only after this write (records/read-partner.ts). */
  recordPartner(input: { state: PartnerState; holdsAcknowledged?: boolean }): Promise<void>;
}
