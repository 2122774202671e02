// The engagement's state as the workflow holds it and the API returns it, and which message is
// allowed in which status. Pure types and functions.
import type { EngagementType } from './catalog';
import type { CompletionReport, Customer, Reservation } from './schemas';
import type { Refusal } from './refusals';
import { stateRefusal } from './refusals';
import { allowedIn, ENGAGEMENT_MESSAGES, type EngagementMessage } from './transitions';
import type { PartnerSnapshot } from './partner';
import { toIso } from './dates';
import { lastValidDate, voucherExpiresAtMs, type DaysDisposition } from './rules/voucher';
import type { SavbStatus } from './rules/invoice';
import type { ForwardingGuard } from './rules/forwarding-guard';

export type { DaysDisposition };

export const ENGAGEMENT_STATUSES = [
  'ASSIGNED',
  'FORWARDED',
  'RESERVED',
  'REPORT_SUBMITTED',
  'REDEEMED',
  'AWAITING_SAVB_REGISTRATION',
  'INVOICE_SUBMITTED',
  'PAID',
  'EXPIRED',
  'CANCELLED',
  'INVOICE_DENIED',
  'INVOICE_WINDOW_MISSED',
] as const;
export type EngagementStatus = (typeof ENGAGEMENT_STATUSES)[number];

/** Statuses after which nothing can change any more (INVOICE_DENIED stays open to a retry until the invoice window closes). */
export const FINAL_STATUSES: readonly EngagementStatus[] = ['PAID', 'EXPIRED', 'CANCELLED', 'INVOICE_WINDOW_MISSED'];

export { ENGAGEMENT_MESSAGES, type EngagementMessage };

/** Where each message may be sent: derived from the transition table (domain/transitions.ts). */
export const ALLOWED_IN: Readonly<Record<EngagementMessage, readonly EngagementStatus[]>> = allowedStatuses();

function allowedStatuses(): Record<EngagementMessage, readonly EngagementStatus[]> {
  const table: Partial<Record<EngagementMessage, readonly EngagementStatus[]>> = {};
  for (const name of ENGAGEMENT_MESSAGES) table[name] = allowedIn(name);
  return table as Record<EngagementMessage, readonly EngagementStatus[]>;
}

export function statusRefusal(message: EngagementMessage, status: EngagementStatus): Refusal | undefined {
  if (ALLOWED_IN[message].includes(status)) return undefined;
  return stateRefusal(
    'NOT_ALLOWED_IN_STATUS',
    `${message} is not allowed while the engagement is ${status} (allowed in ${ALLOWED_IN[message].join(', ')})`,
  );
}

export interface EligibilityResult {
  partnerId: string;
  checkedAt: string;
  eligible: boolean;
  refusals: Refusal[];
}

export interface EngagementEvent {
  at: string;
  actor: string;
  event: string;
  accepted: boolean;
  via?: 'update' | 'signal' | 'timer' | 'activity';
  /** The actor a signal named: signals come from operators, whatever they claim. */
  claimedActor?: string;
  detail?: string;
  refusals?: Refusal[];
}

export interface NotificationRecord {
  kind: string;
  at: string;
  message: string;
  delivered: boolean;
  detail?: string;
}

export interface InvoiceState {
  dueAt: string;
  attempts: number;
  idempotencyKey?: string;
  referenceNumber?: string;
  savbStatus?: SavbStatus;
  amount?: number;
  currency?: string;
  submittedAt?: string;
  paidAt?: string;
  lastRefusal?: { code: string; message: string; at: string };
  /** The last failed status poll of an accepted request (SAVB away, a 404): polling goes on regardless. */
  lastPollError?: { message: string; at: string };
}

export interface EngagementState {
  voucherId: string;
  status: EngagementStatus;
  offering: string;
  engagementType: string;
  days: number;
  assignedAt: string;
  customer: Customer;
  partnerId?: string;
  eligibility?: EligibilityResult;
  /** Wrong project-manager e-mails presented by partners, and the lock they led to. */
  forwardingGuard?: ForwardingGuard;
  /** The partner's relevant data as last read, so validators can check a reservation synchronously. */
  partnerSnapshot?: PartnerSnapshot;
  reservation?: Reservation & { reservedAt: string; warnings?: Refusal[] };
  report?: CompletionReport & { submittedAt: string };
  redeemedAt?: string;
  cancellation?: { reason: string; at: string; actor: string };
  daysDisposition?: DaysDisposition;
  deadlines: { voucherExpiresAt: string; lastValidDate: string; invoiceDueAt?: string };
  invoice?: InvoiceState;
  notifications: NotificationRecord[];
  history: EngagementEvent[];
}

/** What the workflow is started with: the back-office request plus deployment settings. */
export interface EngagementInput {
  voucherId: string;
  offering: string;
  engagementType: string;
  days: number;
  assignedAt: string;
  customer: Customer;
  /** When the back-office's start request was accepted: the time of the first history entry. */
  requestedAt?: string;
  settings?: EngagementSettings;
  /**
   * The catalog entry of its engagement type when it was started (and the catalog's version): the
   * engagement decides with it whatever the catalog becomes. Absent in engagements started before.
   */
  catalogEntry?: { version: string; type: EngagementType };
  /** Set only by the engagement itself when it continues as new during the invoice phase. */
  resume?: EngagementResume;
}

/** What a continued-as-new engagement needs to go on where its previous run stopped. */
export interface EngagementResume {
  state: EngagementState;
  invoice: InvoiceProgress;
}

/** The invoice phase's bookkeeping beyond the state. */
export interface InvoiceProgress {
  /** Requests SAVB denied so far: each retry after a denial needs a fresh idempotency key. */
  deniedRequests: number;
  /** How many of the invoice reminders (14, 3 days) have had their moment, sent or not. */
  remindersHandled: number;
  /** A retry was requested and not yet acted on. */
  retryRequested: boolean;
  /** 'following' when SAVB accepted the current request and only its answer is awaited. */
  phase: 'submitting' | 'following';
  /** Status polls failed in a row: the wait before the next one doubles with each. */
  pollFailures: number;
}

/**
 * The state an engagement begins in. The workflow starts from it and the API answers a new start
 * with it, so the answer needs no query (which would wait for the workflow's first task).
 * `startedAt` is the request's time (EngagementInput.requestedAt) when known.
 */
export function initialEngagementState(input: EngagementInput, startedAt: string): EngagementState {
  const expiresAtMs = voucherExpiresAtMs(input.assignedAt);
  return {
    voucherId: input.voucherId,
    status: 'ASSIGNED',
    offering: input.offering,
    engagementType: input.engagementType,
    days: input.days,
    assignedAt: input.assignedAt,
    customer: input.customer,
    deadlines: { voucherExpiresAt: toIso(expiresAtMs), lastValidDate: lastValidDate(input.assignedAt) },
    notifications: [],
    history: [{ at: startedAt, actor: 'backoffice', event: 'engagementStarted', accepted: true }],
  };
}

export interface EngagementSettings {
  /** How often to poll SAVB for the payment status (ms or a duration string). */
  savbPollInterval?: string | number;
  /** How often to re-try an invoice while the partner is not registered in SAVB. */
  registrationRetryInterval?: string | number;
  /** Off only where the server cannot hold custom search attributes (the time-skipping test server). */
  searchAttributes?: boolean;
  /** The starter set them all at start (the API does), so the workflow need not upsert them before a change. */
  searchAttributesSetAtStart?: boolean;
  /** The behaviour changes the engagement has from its start, without patch markers (workflows/engagement/change-level.ts). */
  changeLevel?: number;
  /** Continue as new sooner than the engagement's own limit (recordings and tests keep histories short). */
  continueAsNewAfterEvents?: number;
}

export const DEFAULT_SAVB_POLL_INTERVAL = '1 hour';
export const DEFAULT_REGISTRATION_RETRY_INTERVAL = '1 day';
/** No SAVB interval is shorter (config refuses one; the workflow raises an older input's): keeps histories bounded. */
export const SAVB_INTERVAL_FLOOR_MS = 1_000;
