// One engagement's running state and its bookkeeping: the history, status changes, and what the
// Temporal UI and visibility show. Every part of the workflow reads and records through it.
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { Mutex } from 'async-mutex';
import ms, { type StringValue } from 'ms';
import { toIso } from '../../domain/dates';
import {
  DEFAULT_REGISTRATION_RETRY_INTERVAL,
  DEFAULT_SAVB_POLL_INTERVAL,
  initialEngagementState,
  type EngagementEvent,
  type EngagementInput,
  type EngagementSettings,
  type EngagementState,
  type EngagementStatus,
} from '../../domain/engagement';
import { voucherExpiresAtMs } from '../../domain/rules/voucher';
import { engagementSearchAttributes } from '../search-attributes';
import { Outbox } from './outbox';

const PRE_REDEMPTION: readonly EngagementStatus[] = ['ASSIGNED', 'FORWARDED', 'RESERVED', 'REPORT_SUBMITTED'];

export type EventDetail = Pick<EngagementEvent, 'via' | 'detail' | 'refusals'>;

export class EngagementRun {
  readonly state: EngagementState;
  readonly settings: EngagementSettings;
  readonly expiresAtMs: number;
  /** Messages and the expiry run one at a time, so one that awaits an activity never interleaves with another. */
  readonly mutex = new Mutex();
  readonly outbox = new Outbox();
  /** Work started by a message that the workflow finishes before it completes. */
  readonly background: Promise<unknown>[] = [];
  invoiceRetryRequested = false;
  fifteenDayClaimed = false;
  /** The token of this engagement's latest 15-day claim (slot.ts); its release names it. */
  fifteenDayClaimToken?: string;

  constructor(input: EngagementInput) {
    this.settings = input.settings ?? {};
    this.expiresAtMs = voucherExpiresAtMs(input.assignedAt);
    this.state = initialEngagementState(input, input.requestedAt ?? toIso(Date.now()));
  }

  now(): number {
    return Date.now();
  }

  isPreRedemption(): boolean {
    return PRE_REDEMPTION.includes(this.state.status);
  }

  record(event: string, actor: string, accepted: boolean, extra: EventDetail = {}): void {
    this.state.history.push({ at: toIso(this.now()), actor, event, accepted, ...extra });
  }

  setStatus(status: EngagementStatus, message: string): void {
    this.state.status = status;
    this.notify(`STATUS_${status}`, message);
    this.publish();
  }

  notify(kind: string, message: string): void {
    this.outbox.push({ kind, message });
  }

  /** Shows the engagement in the Temporal UI (current details) and visibility (search attributes). */
  publish(): void {
    this.showCurrentDetails();
    if (this.settings.searchAttributes === false) return;
    upsertSearchAttributes(engagementSearchAttributes(this.state));
  }

  showCurrentDetails(): void {
    setCurrentDetails(currentDetails(this.state));
  }

  savbPollIntervalMs(): number {
    return durationMs(this.settings.savbPollInterval ?? DEFAULT_SAVB_POLL_INTERVAL);
  }

  registrationRetryIntervalMs(): number {
    return durationMs(this.settings.registrationRetryInterval ?? DEFAULT_REGISTRATION_RETRY_INTERVAL);
  }
}

/** The engagement at a glance, as the Temporal UI shows it. */
function currentDetails(state: EngagementState): string {
  const { reservation, invoice } = state;
  return [
    `**${state.status}** · ${state.engagementType} · ${state.days} days · voucher ${state.voucherId}`,
    state.partnerId ? `partner ${state.partnerId}` : 'no partner yet',
    `expires ${state.deadlines.voucherExpiresAt}`,
    reservation ? `reserved ${reservation.startDate}..${reservation.endDate} in ${reservation.deliveryCountry}` : '',
    invoice ? `invoice ${invoice.referenceNumber ?? 'not submitted'} due by ${invoice.dueAt}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

// The same parser Temporal's own sleep() uses (ms), so an interval means what it meant to the
// workflows that recorded it. Settings are checked as durations where they are made (config/env).
function durationMs(value: string | number): number {
  return typeof value === 'number' ? value : ms(value as StringValue);
}
