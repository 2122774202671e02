// The columns of an engagement's record, taken from its state: what reports filter and sum on.
import { FINAL_STATUSES, type EngagementState } from '../domain/engagement';

export interface EngagementRow {
  voucher_id: string;
  status: string;
  offering: string;
  engagement_type: string;
  days: number;
  partner_id: string | null;
  agreement_number: string;
  customer_country: string;
  assigned_at: string;
  voucher_expires_at: string;
  redeemed_at: string | null;
  days_outcome: string | null;
  invoice_reference: string | null;
  invoice_status: string | null;
  invoice_amount: number | null;
  invoice_currency: string | null;
  invoice_submitted_at: string | null;
  invoice_paid_at: string | null;
  closed: boolean;
  history_length: number;
  notification_count: number;
  state: EngagementState;
}

/** `ended`: the workflow has finished (an engagement left INVOICE_DENIED when its window closed ends too). */
export function engagementRow(state: EngagementState, ended = false): EngagementRow {
  const invoice = state.invoice;
  return {
    voucher_id: state.voucherId,
    status: state.status,
    offering: state.offering,
    engagement_type: state.engagementType,
    days: state.days,
    partner_id: state.partnerId ?? null,
    agreement_number: state.customer.agreementNumber,
    customer_country: state.customer.country,
    assigned_at: state.assignedAt,
    voucher_expires_at: state.deadlines.voucherExpiresAt,
    redeemed_at: state.redeemedAt ?? null,
    days_outcome: state.daysDisposition?.outcome ?? null,
    invoice_reference: invoice?.referenceNumber ?? null,
    invoice_status: invoice?.referenceNumber ? (invoice.savbStatus ?? null) : null,
    invoice_amount: invoice?.amount ?? null,
    invoice_currency: invoice?.currency ?? null,
    invoice_submitted_at: invoice?.submittedAt ?? null,
    invoice_paid_at: invoice?.paidAt ?? null,
    closed: ended || FINAL_STATUSES.includes(state.status),
    history_length: state.history.length,
    notification_count: state.notifications.length,
    state,
  };
}
