// One engagement's running state and its bookkeeping: the history, status changes, and what the
// Temporal UI and visibility show. Every part of the workflow reads and records through it.
import { patched, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { Mutex } from 'async-mutex';
import ms, { type StringValue } from 'ms';
import { catalog as bundledCatalog, catalogOfType, type Catalog } from '../../domain/catalog';
import { toIso } from '../../domain/dates';
import {
  DEFAULT_REGISTRATION_RETRY_INTERVAL,
  DEFAULT_SAVB_POLL_INTERVAL,
  initialEngagementState,
  SAVB_INTERVAL_FLOOR_MS,
  type EngagementEvent,
  type EngagementInput,
  type EngagementSettings,
  type EngagementState,
  type EngagementStatus,
} from '../../domain/engagement';
import { voucherExpiresAtMs } from '../../domain/rules/voucher';
import { engagementSearchAttributes } from '../search-attributes';
import type { EngagementRecorder } from '../record-store';
import { changeIsBuiltIn, type EngagementChange } from './change-level';
import { Outbox } from './outbox';

const PRE_REDEMPTION: readonly EngagementStatus[] = ['ASSIGNED', 'FORWARDED', 'RESERVED', 'REPORT_SUBMITTED'];

export type EventDetail = Pick<EngagementEvent, 'via' | 'detail' | 'refusals'>;

export class EngagementRun {
  /** What the engagement was started with (without a previous run's hand-over): the next run's input. */
  readonly input: EngagementInput;
  readonly state: EngagementState;
  readonly settings: EngagementSettings;
  /** The catalog this engagement decides with: its own entry, or (engagements started before entries) the bundled one. */
  readonly catalog: Catalog;
  /** The voucher's expiry instant; a validity extension moves it. */
  expiresAtMs: number;
  /** Messages and the expiry run one at a time, so one that awaits an activity never interleaves with another. */
  readonly mutex = new Mutex();
  readonly outbox = new Outbox((change) => this.hasChange(change));
  /** Work started by a message that the workflow finishes before it completes. */
  readonly background: Promise<unknown>[] = [];
  invoiceRetryRequested = false;
  fifteenDayClaimed = false;
  /** Writes the record store from the notification outbox (SPEC §8). */
  recorder!: EngagementRecorder;
  /** The token of this engagement's latest 15-day claim (slot.ts); its release names it. */
  fifteenDayClaimToken?: string;

  constructor(input: EngagementInput) {
    const { resume: _previousRun, ...started } = input;
    this.input = started;
    this.settings = input.settings ?? {};
    this.catalog = input.catalogEntry ? catalogOfType(input.catalogEntry.type) : bundledCatalog;
    this.expiresAtMs = voucherExpiresAtMs(input.assignedAt);
    // A continued-as-new run goes on with the state its previous run handed over.
    this.state = input.resume?.state ?? initialEngagementState(input, input.requestedAt ?? toIso(Date.now()));
    this.invoiceRetryRequested = input.resume?.invoice.retryRequested ?? false;
  }

  /** A behaviour change: on from the start at the input's change level, else as patched() says (its marker). */
  hasChange(change: EngagementChange): boolean {
    return changeIsBuiltIn(this.settings.changeLevel, change) || patched(change);
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

  /** Queues a notification with what is true now: it is sent later, when the state may have moved on. */
  notify(kind: string, message: string): void {
    const { status, partnerId, offering } = this.state;
    this.outbox.push({ kind, message, status, partnerId, offering });
  }

  /** Shows the engagement in the Temporal UI (current details) and visibility (search attributes). */
  publish(): void {
    this.showCurrentDetails();
    if (this.settings.searchAttributes === false) return;
    upsertSearchAttributes(engagementSearchAttributes(this.state));
  }

  /** An interval below the floor (only inputs made before config refused them) is raised to it. */
  private atLeastFloor(intervalMs: number): number {
    if (intervalMs >= SAVB_INTERVAL_FLOOR_MS || !this.hasChange('savb-interval-floor')) return intervalMs;
    return SAVB_INTERVAL_FLOOR_MS;
  }

  showCurrentDetails(): void {
    setCurrentDetails(currentDetails(this.state));
  }

  savbPollIntervalMs(): number {
    return this.atLeastFloor(durationMs(this.settings.savbPollInterval ?? DEFAULT_SAVB_POLL_INTERVAL));
  }

  registrationRetryIntervalMs(): number {
    return this.atLeastFloor(
      durationMs(this.settings.registrationRetryInterval ?? DEFAULT_REGISTRATION_RETRY_INTERVAL),
    );
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
