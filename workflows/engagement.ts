// The engagement workflow: one voucher's life from assignment to payment (SPEC §3).
//
// Every message is one implementation reached two ways: as an Update (its validator refuses
// synchronously, for the HTTP API) and as a Signal (for operators; a refused signal changes nothing
// and is recorded as rejected). Handlers run one at a time (a mutex), so a message that awaits an
// activity never interleaves with another message or with the expiry.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import { Mutex } from 'async-mutex';
import type { EngagementActivities, InvoiceSubmitted } from '../activities/types';
import { SAVB_PARTNER_NOT_REGISTERED, SAVB_REFUSAL } from '../activities/types';
import { dateOf, toIso } from '../domain/dates';
import {
  DEFAULT_REGISTRATION_RETRY_INTERVAL,
  DEFAULT_SAVB_POLL_INTERVAL,
  EngagementInput,
  EngagementMessage,
  EngagementState,
  EngagementStatus,
  initialEngagementState,
  partnerIdOfActor,
  statusRefusal,
} from '../domain/engagement';
import { Refusal, Rule, ruleRefusal, stateRefusal } from '../domain/refusals';
import {
  completionReportRefusals,
  forwardingRefusals,
  hasEngagementStarted,
  redemptionRefusals,
  reservationDateRefusals,
  reservationRefusals,
} from '../domain/rules/delivery';
import { INVOICE_REMINDER_DAYS, invoiceDueAtMs, invoiceIdempotencyKey } from '../domain/rules/invoice';
import { EXPIRY_REMINDER_DAYS, daysDisposition, reminderSchedule, voucherExpiresAtMs } from '../domain/rules/voucher';
import {
  EngagementPayloads,
  ENGAGEMENT_MESSAGES,
  engagementSignals,
  engagementStateQuery,
  engagementUpdates,
} from './messages';
import { refusalFailure } from './failures';
import { MESSAGE_SCHEMAS, invalidMessageRefusal, payloadIssues } from './payload-validation';
import { engagementSearchAttributes } from './search-attributes';
import { engagementRecorder } from './record-store';

const { checkEligibility, claimFifteenDaySlot, releaseFifteenDaySlot } = proxyActivities<EngagementActivities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 5 },
});

// SAVB calls: transient failures retry with backoff for about an hour before the workflow's own
// slower retry loop takes over; business refusals are non-retryable (the activity says so).
const savb = proxyActivities<EngagementActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 12 },
});

// Releasing a 15-day slot is idempotent and must happen eventually, however long the registry is
// away: no attempt limit, and it runs in the background so the cancellation itself never waits on it.
const durableRelease = proxyActivities<EngagementActivities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const { notify } = proxyActivities<EngagementActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 8 },
});

const PRE_REDEMPTION: readonly EngagementStatus[] = ['ASSIGNED', 'FORWARDED', 'RESERVED', 'REPORT_SUBMITTED'];

export interface EngagementResult {
  voucherId: string;
  status: EngagementStatus;
}

export async function engagementWorkflow(input: EngagementInput): Promise<EngagementResult> {
  const settings = input.settings ?? {};
  const expiresAtMs = voucherExpiresAtMs(input.assignedAt);
  const state: EngagementState = initialEngagementState(input, input.requestedAt ?? toIso(Date.now()));
  const mutex = new Mutex();
  const outbox: { kind: string; message: string }[] = [];
  let closing = false;
  let invoiceRetryRequested = false;
  let fifteenDayClaimed = false;
  /** Work started by a message that the workflow finishes before it completes. */
  const background: Promise<unknown>[] = [];
  /** Writes the record store from the notification pump (SPEC §8). */
  const recorder = engagementRecorder(() => state);

  // ---------- bookkeeping ----------

  const now = () => Date.now();
  const isPreRedemption = () => PRE_REDEMPTION.includes(state.status);

  /** Shows the engagement in the Temporal UI (current details) and visibility (search attributes). */
  function publish(): void {
    showCurrentDetails();
    if (settings.searchAttributes === false) return;
    upsertSearchAttributes(engagementSearchAttributes(state));
  }

  function showCurrentDetails(): void {
    setCurrentDetails(
      [
        `**${state.status}** · ${state.engagementType} · ${state.days} days · voucher ${state.voucherId}`,
        state.partnerId ? `partner ${state.partnerId}` : 'no partner yet',
        `expires ${state.deadlines.voucherExpiresAt}`,
        state.reservation
          ? `reserved ${state.reservation.startDate}..${state.reservation.endDate} in ${state.reservation.deliveryCountry}`
          : '',
        state.invoice
          ? `invoice ${state.invoice.referenceNumber ?? 'not submitted'} due by ${state.invoice.dueAt}`
          : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  }

  function record(
    event: string,
    actor: string,
    accepted: boolean,
    extra: { via?: 'update' | 'signal' | 'timer' | 'activity'; detail?: string; refusals?: Refusal[] } = {},
  ): void {
    state.history.push({ at: toIso(now()), actor, event, accepted, ...extra });
  }

  function setStatus(status: EngagementStatus, message: string): void {
    state.status = status;
    outbox.push({ kind: `STATUS_${status}`, message });
    publish();
  }

  // ---------- messages ----------

  type Parsed<K extends EngagementMessage> = EngagementPayloads[K];

  function parse<K extends EngagementMessage>(name: K, payload: unknown): { value?: Parsed<K>; refusals: Refusal[] } {
    const value = payload ?? {};
    const issues = payloadIssues(MESSAGE_SCHEMAS.engagement[name], value);
    if (!issues.length) return { value: value as Parsed<K>, refusals: [] };
    return { refusals: [invalidMessageRefusal(issues)] };
  }

  /** Partners act only where they are the forwarded partner; back-office and operators may act for them. */
  function actorRefusal(actor: string, allowPartner: boolean, allowStaff: boolean): Refusal | undefined {
    const partnerId = partnerIdOfActor(actor);
    if (partnerId !== undefined) {
      if (!allowPartner) return { kind: 'FORBIDDEN', code: 'ROLE_NOT_ALLOWED', message: 'partners may not do this' };
      if (partnerId !== state.partnerId)
        return {
          kind: 'FORBIDDEN',
          code: 'NOT_THE_FORWARDED_PARTNER',
          message: 'only the partner the voucher was forwarded to may do this',
        };
      return undefined;
    }
    return allowStaff
      ? undefined
      : { kind: 'FORBIDDEN', code: 'ROLE_NOT_ALLOWED', message: `${actor} may not do this` };
  }

  /** The synchronous checks: shape, actor, status, program rules on what the workflow knows now. */
  function precheck<K extends EngagementMessage>(
    name: K,
    payload: unknown,
  ): { value?: Parsed<K>; refusals: Refusal[] } {
    const parsed = parse(name, payload);
    if (!parsed.value) return parsed;
    const msg = parsed.value as Parsed<EngagementMessage>;
    const actor = msg.actor ?? 'operator';
    const refusals: Refusal[] = [];
    const add = (r: Refusal | undefined) => r && refusals.push(r);
    add(statusRefusal(name, state.status));
    const t = now();
    switch (name) {
      case 'voucherForwarded': {
        const m = msg as Parsed<'voucherForwarded'>;
        const partnerId = partnerIdOfActor(actor);
        if (partnerId !== undefined && partnerId !== m.partnerId) {
          add({
            kind: 'FORBIDDEN',
            code: 'FORWARDING_FOR_ANOTHER_PARTNER',
            message: 'a partner can only take a voucher for itself',
          });
        }
        const rules = forwardingRefusals(state, m, t);
        // Without the project manager's e-mail a caller learns nothing else, not even the status.
        const mismatch = rules.find((r) => r.code === Rule.PROJECT_MANAGER_EMAIL_MISMATCH);
        if (mismatch) return { value: parsed.value, refusals: [mismatch] };
        if (!refusals.length) refusals.push(...rules);
        break;
      }
      case 'voucherReserved': {
        add(actorRefusal(actor, true, true));
        if (!refusals.length && state.eligibility && !state.eligibility.eligible) {
          add(
            ruleRefusal(
              Rule.PARTNER_NOT_ELIGIBLE,
              `partner ${state.partnerId} is not eligible: ${state.eligibility.refusals.map((r) => r.code).join(', ')}`,
            ),
          );
        }
        if (!refusals.length) refusals.push(...reservationRefusals(state, msg as Parsed<'voucherReserved'>, t));
        break;
      }
      case 'reservationChanged': {
        add(actorRefusal(actor, true, true));
        if (!refusals.length && state.reservation) {
          if (hasEngagementStarted(state.reservation, t)) {
            add(
              stateRefusal(
                'ENGAGEMENT_STARTED',
                `the engagement started on ${state.reservation.startDate}; its dates can no longer change`,
              ),
            );
          } else {
            const m = msg as Parsed<'reservationChanged'>;
            refusals.push(
              ...reservationRefusals(state, { ...state.reservation, startDate: m.startDate, endDate: m.endDate }, t),
            );
          }
        }
        break;
      }
      case 'reservationCancelled':
        add(actorRefusal(actor, true, true));
        break;
      case 'completionReportSubmitted':
        add(actorRefusal(actor, true, true));
        if (!refusals.length)
          refusals.push(...completionReportRefusals(state, msg as Parsed<'completionReportSubmitted'>, t));
        break;
      case 'voucherRedeemed':
        add(actorRefusal(actor, true, true));
        if (!refusals.length) refusals.push(...redemptionRefusals(state, t));
        break;
      case 'engagementCancelled':
        add(actorRefusal(actor, false, true));
        break;
      case 'invoiceRetryRequested':
        add(actorRefusal(actor, true, true));
        if (!refusals.length && state.invoice && t >= Date.parse(state.invoice.dueAt)) {
          add(ruleRefusal(Rule.INVOICE_WINDOW_CLOSED, `the invoice window closed at ${state.invoice.dueAt}`));
        }
        break;
    }
    return { value: parsed.value, refusals };
  }

  /** Applies an accepted message. May await activities; returns refusals found on the way (state then unchanged). */
  async function apply<K extends EngagementMessage>(name: K, msg: Parsed<K>, actor: string): Promise<Refusal[]> {
    switch (name) {
      case 'voucherForwarded': {
        const m = msg as Parsed<'voucherForwarded'>;
        const result = await checkEligibility.executeWithOptions(
          { summary: `eligibility of ${m.partnerId} for ${state.engagementType}` },
          [{ partnerId: m.partnerId, engagementType: state.engagementType, atMs: now() }],
        );
        const again = statusRefusal(name, state.status);
        if (again) return [again];
        const previous = state.partnerId;
        state.partnerId = m.partnerId;
        state.partnerSnapshot = result.snapshot;
        state.eligibility = {
          partnerId: m.partnerId,
          checkedAt: toIso(now()),
          eligible: result.refusals.length === 0,
          refusals: result.refusals,
        };
        const verdict = result.refusals.length
          ? `not eligible (${result.refusals.map((r) => r.code).join(', ')})`
          : 'eligible';
        record(name, actor, true, {
          detail: `${previous && previous !== m.partnerId ? `taken over from ${previous} by` : 'forwarded to'} ${m.partnerId}: ${verdict}`,
        });
        setStatus('FORWARDED', `Voucher ${state.voucherId} forwarded to partner ${m.partnerId}: ${verdict}`);
        return [];
      }
      case 'voucherReserved': {
        const m = msg as Parsed<'voucherReserved'>;
        // Re-read the partner: the profile may have changed since forwarding.
        const fresh = await checkEligibility.executeWithOptions(
          { summary: `eligibility of ${state.partnerId} at start ${m.startDate}` },
          [
            {
              partnerId: state.partnerId!,
              engagementType: state.engagementType,
              atMs: now(),
              competencyDate: m.startDate,
            },
          ],
        );
        const candidate = { ...state, partnerSnapshot: fresh.snapshot };
        const refusals = [statusRefusal(name, state.status), ...reservationRefusals(candidate, m, now())].filter(
          (r): r is Refusal => !!r,
        );
        if (refusals.length) return refusals;
        if (state.days === 15) {
          const claim = await claimFifteenDaySlot({
            voucherId: state.voucherId,
            agreementNumber: state.customer.agreementNumber,
            engagementType: state.engagementType,
            division: m.division,
            productScope: m.productScope,
          });
          if (claim.refusal) return [claim.refusal];
          fifteenDayClaimed = true;
          if (state.status !== 'FORWARDED') {
            await releaseClaim();
            return [statusRefusal(name, state.status)!];
          }
        }
        const { actor: _actor, ...reservation } = m;
        state.partnerSnapshot = fresh.snapshot;
        state.reservation = { ...reservation, reservedAt: toIso(now()) };
        record(name, actor, true, {
          detail: `${m.startDate}..${m.endDate} at ${m.locationId} (${m.deliveryCountry}) by ${m.consultantId}`,
        });
        setStatus(
          'RESERVED',
          `Voucher ${state.voucherId} reserved by ${state.partnerId} from ${m.startDate} to ${m.endDate}`,
        );
        return [];
      }
      case 'reservationChanged': {
        const m = msg as Parsed<'reservationChanged'>;
        const before = `${state.reservation!.startDate}..${state.reservation!.endDate}`;
        state.reservation = { ...state.reservation!, startDate: m.startDate, endDate: m.endDate };
        record(name, actor, true, { detail: `${before} → ${m.startDate}..${m.endDate}` });
        outbox.push({
          kind: 'RESERVATION_CHANGED',
          message: `Reservation of voucher ${state.voucherId} moved to ${m.startDate}..${m.endDate}`,
        });
        publish();
        return [];
      }
      case 'reservationCancelled': {
        const m = msg as Parsed<'reservationCancelled'>;
        state.reservation = undefined;
        record(name, actor, true, { detail: m.reason });
        setStatus('FORWARDED', `Reservation of voucher ${state.voucherId} cancelled${m.reason ? `: ${m.reason}` : ''}`);
        await releaseClaim();
        return [];
      }
      case 'completionReportSubmitted': {
        const { actor: _actor, ...report } = msg as Parsed<'completionReportSubmitted'>;
        state.report = { ...report, submittedAt: toIso(now()) };
        record(name, actor, true, {
          detail: `${report.deliveredFrom}..${report.deliveredTo}, ${report.onSiteDays} on-site + ${report.offSiteDays} off-site`,
        });
        setStatus('REPORT_SUBMITTED', `Completion report submitted for voucher ${state.voucherId}`);
        return [];
      }
      case 'voucherRedeemed': {
        const t = now();
        state.redeemedAt = toIso(t);
        state.deadlines.invoiceDueAt = toIso(invoiceDueAtMs(t));
        state.invoice = { dueAt: state.deadlines.invoiceDueAt, attempts: 0 };
        record(name, actor, true);
        setStatus(
          'REDEEMED',
          `Voucher ${state.voucherId} redeemed; the invoice is due by ${state.deadlines.invoiceDueAt}`,
        );
        return [];
      }
      case 'engagementCancelled': {
        const m = msg as Parsed<'engagementCancelled'>;
        state.cancellation = { reason: m.reason, at: toIso(now()), actor };
        state.daysDisposition = daysDisposition(state.customer.enrollmentEndsAt, state.days, now(), 'CANCELLED');
        record(name, actor, true, {
          detail: `${m.reason}; ${state.days} days ${state.daysDisposition.outcome === 'LOST' ? 'lost' : 'returned to the pool'}`,
        });
        setStatus('CANCELLED', `Engagement ${state.voucherId} cancelled: ${m.reason}`);
        await releaseClaim();
        return [];
      }
      case 'invoiceRetryRequested': {
        invoiceRetryRequested = true;
        record(name, actor, true, { detail: (msg as Parsed<'invoiceRetryRequested'>).note });
        return [];
      }
    }
    return [];
  }

  async function releaseClaim(): Promise<void> {
    if (state.days !== 15) return;
    const release = { agreementNumber: state.customer.agreementNumber, voucherId: state.voucherId };
    if (patched('fifteen-day-release-durable')) {
      // Unconditional (a claim whose answer was lost is released too) and retried until done.
      background.push(
        durableRelease.releaseFifteenDaySlot.executeWithOptions({ summary: 'release the 15-day slot' }, [release]),
      );
      return;
    }
    if (!fifteenDayClaimed) return;
    fifteenDayClaimed = false;
    await releaseFifteenDaySlot(release);
  }

  /** One path for both the update handler and the signal handler. */
  async function handle<K extends EngagementMessage>(
    name: K,
    payload: unknown,
    via: 'update' | 'signal',
  ): Promise<Refusal[]> {
    return mutex.runExclusive(async () => {
      const checked = precheck(name, payload);
      const actor = (checked.value as { actor?: string } | undefined)?.actor ?? 'operator';
      let refusals = checked.refusals;
      if (!refusals.length) {
        try {
          refusals = await apply(name, checked.value!, actor);
        } catch (err) {
          // An activity that exhausted its retries must not fail the workflow (a throwing signal
          // handler would): the message is refused, nothing changed, and the caller may try again.
          if (!(err instanceof ActivityFailure)) throw err;
          refusals = [
            {
              kind: 'UNAVAILABLE',
              code: 'DEPENDENCY_UNAVAILABLE',
              message: `${name} could not complete: ${err.cause?.message ?? err.message}`,
            },
          ];
        }
      }
      if (refusals.length) record(name, actor, false, { via, refusals });
      return refusals;
    });
  }

  for (const name of ENGAGEMENT_MESSAGES) {
    setHandler(
      engagementUpdates[name],
      async (payload: unknown) => {
        const refusals = await handle(name, payload, 'update');
        if (refusals.length) throw refusalFailure(refusals);
        return state;
      },
      {
        validator: (payload: unknown) => {
          const { refusals } = precheck(name, payload);
          if (refusals.length) throw refusalFailure(refusals);
        },
      },
    );
    setHandler(engagementSignals[name], async (payload: unknown) => {
      await handle(name, payload, 'signal');
    });
  }
  setHandler(engagementStateQuery, () => state);

  // ---------- notifications: sent in order by one fiber, always recorded ----------

  async function notificationPump(): Promise<void> {
    for (;;) {
      await condition(() => outbox.length > 0 || closing || recorder.pending());
      const next = outbox.shift();
      if (!next) {
        // Changes no notification carried (a refused message, an SAVB answer), then the final state.
        const final = closing;
        await recorder.flush(final);
        if (final) return;
        continue;
      }
      const at = toIso(now());
      try {
        const input = { voucherId: state.voucherId, kind: next.kind, status: state.status, message: next.message, at };
        const result = recorder.enabled
          ? await recorder.notify(input)
          : await notify.executeWithOptions({ summary: `notify ${next.kind}` }, [input]);
        state.notifications.push({
          kind: next.kind,
          at,
          message: next.message,
          delivered: result.delivered,
          detail: result.detail,
        });
      } catch (err) {
        state.notifications.push({
          kind: next.kind,
          at,
          message: next.message,
          delivered: false,
          detail: `delivery failed: ${(err as Error).message}`,
        });
      }
    }
  }

  /** Waits until `done()` or the instant `atMs`, whichever first; true when `done()`. */
  async function waitUntil(done: () => boolean, atMs: number, summary: string): Promise<boolean> {
    const ms = atMs - now();
    if (ms <= 0) return done();
    return condition(done, ms, { summary });
  }

  // ---------- the life of the voucher ----------

  async function untilRedeemedOrExpired(): Promise<void> {
    for (const reminder of reminderSchedule('VOUCHER_EXPIRY_REMINDER', expiresAtMs, EXPIRY_REMINDER_DAYS, now())) {
      if (
        await waitUntil(
          () => !isPreRedemption(),
          reminder.atMs,
          `voucher expiry reminder (${reminder.daysBefore} days before)`,
        )
      )
        return;
      record(reminder.kind, 'system', true, { via: 'timer' });
      outbox.push({
        kind: reminder.kind,
        message: `Voucher ${state.voucherId} expires on ${state.deadlines.voucherExpiresAt} (${reminder.daysBefore} days)`,
      });
    }
    if (await waitUntil(() => !isPreRedemption(), expiresAtMs, 'voucher expiry (180 days from assignment)')) return;
    await mutex.runExclusive(async () => {
      if (!isPreRedemption()) return;
      state.daysDisposition = daysDisposition(state.customer.enrollmentEndsAt, state.days, now(), 'EXPIRED');
      record('voucherExpired', 'system', true, {
        via: 'timer',
        detail: `${state.days} days ${state.daysDisposition.outcome === 'LOST' ? 'lost' : 'returned to the pool'}`,
      });
      setStatus(
        'EXPIRED',
        `Voucher ${state.voucherId} expired unredeemed; ${state.days} days ${state.daysDisposition.outcome === 'LOST' ? 'lost' : 'returned to the customer pool'}`,
      );
      await releaseClaim();
    });
  }

  async function invoiceReminders(dueAtMs: number, redeemedAtMs: number): Promise<void> {
    const submitted = () =>
      state.invoice?.referenceNumber !== undefined ||
      !['REDEEMED', 'AWAITING_SAVB_REGISTRATION', 'INVOICE_DENIED'].includes(state.status);
    for (const reminder of reminderSchedule('INVOICE_REMINDER', dueAtMs, INVOICE_REMINDER_DAYS, redeemedAtMs)) {
      if (
        await waitUntil(
          submitted,
          reminder.atMs,
          `invoice reminder (${reminder.daysBefore} days before the window closes)`,
        )
      )
        return;
      record(reminder.kind, 'system', true, { via: 'timer' });
      outbox.push({
        kind: reminder.kind,
        message: `The invoice for voucher ${state.voucherId} is due by ${state.invoice!.dueAt} (${reminder.daysBefore} days)`,
      });
    }
  }

  /** Polls SAVB until the request is paid or denied. */
  async function pollPayment(submitted: InvoiceSubmitted): Promise<'PAID' | 'DENIED'> {
    let status = submitted.status;
    let reason: string | undefined;
    if (status === 'DENIED')
      reason = (await savb.getPaymentStatus({ referenceNumber: submitted.referenceNumber })).reason;
    while (status !== 'PAID' && status !== 'DENIED') {
      await sleep((settings.savbPollInterval ?? DEFAULT_SAVB_POLL_INTERVAL) as never, {
        summary: 'SAVB payment status poll',
      });
      const answer = await savb.getPaymentStatus.executeWithOptions(
        { summary: `SAVB status of ${submitted.referenceNumber}` },
        [{ referenceNumber: submitted.referenceNumber }],
      );
      if (answer.status !== state.invoice!.savbStatus)
        record(`savbStatus${answer.status}`, 'system', true, { via: 'activity', detail: answer.reason });
      status = answer.status;
      reason = answer.reason;
      state.invoice!.savbStatus = status;
    }
    if (status === 'DENIED')
      state.invoice!.lastRefusal = { code: 'DENIED', message: reason ?? 'denied by SAVB', at: toIso(now()) };
    return status;
  }

  async function invoice(): Promise<void> {
    const redeemedAtMs = Date.parse(state.redeemedAt!);
    const dueAtMs = invoiceDueAtMs(redeemedAtMs);
    const inv = state.invoice!;
    const reminders = invoiceReminders(dueAtMs, redeemedAtMs);
    let deniedRequests = 0;
    const waitForRetry = async (untilMs: number, summary: string) => {
      const retried = await waitUntil(() => invoiceRetryRequested, Math.min(untilMs, dueAtMs), summary);
      invoiceRetryRequested = false;
      return retried;
    };
    for (;;) {
      if (now() >= dueAtMs) {
        record('invoiceWindowMissed', 'system', true, { via: 'timer' });
        setStatus(
          'INVOICE_WINDOW_MISSED',
          `The 60-day invoice window for voucher ${state.voucherId} closed at ${inv.dueAt} without an accepted invoice`,
        );
        break;
      }
      const r = state.reservation!;
      inv.attempts += 1;
      inv.idempotencyKey = invoiceIdempotencyKey(state.voucherId, deniedRequests);
      try {
        const submitted = await savb.submitInvoice.executeWithOptions(
          { summary: `SAVB invoice, idempotency key ${inv.idempotencyKey}` },
          [
            {
              voucherId: state.voucherId,
              idempotencyKey: inv.idempotencyKey,
              partnerId: state.partnerId!,
              offering: state.offering,
              locationId: r.locationId,
              country: r.deliveryCountry,
              days: state.days,
            },
          ],
        );
        Object.assign(inv, {
          referenceNumber: submitted.referenceNumber,
          savbStatus: submitted.status,
          amount: submitted.amount,
          currency: submitted.currency,
        });
        inv.submittedAt ??= toIso(now());
        record('invoiceSubmitted', 'system', true, {
          via: 'activity',
          detail: `${submitted.referenceNumber}: ${submitted.amount} ${submitted.currency}`,
        });
        setStatus(
          'INVOICE_SUBMITTED',
          `Invoice ${submitted.referenceNumber} for voucher ${state.voucherId} submitted to SAVB: ${submitted.amount} ${submitted.currency}`,
        );
        const outcome = await pollPayment(submitted);
        if (outcome === 'PAID') {
          inv.paidAt = toIso(now());
          setStatus('PAID', `Invoice ${submitted.referenceNumber} for voucher ${state.voucherId} paid`);
          break;
        }
        deniedRequests += 1;
        setStatus(
          'INVOICE_DENIED',
          `Invoice ${submitted.referenceNumber} for voucher ${state.voucherId} denied: ${inv.lastRefusal?.message}`,
        );
        // A denied request can be fixed and retried while the window is open; otherwise it stays denied.
        if (!(await waitForRetry(dueAtMs, 'invoice window (denied; waiting for a retry)'))) break;
        inv.referenceNumber = undefined;
        continue;
      } catch (err) {
        if (isCancellation(err)) throw err;
        const failure = (err as { cause?: unknown }).cause;
        if (failure instanceof ApplicationFailure && failure.type === SAVB_REFUSAL) {
          const { code, message } = (failure.details?.[0] ?? {}) as { code?: string; message?: string };
          inv.lastRefusal = { code: code ?? 'UNKNOWN', message: message ?? failure.message, at: toIso(now()) };
          record('invoiceRefused', 'system', false, {
            via: 'activity',
            refusals: [ruleRefusal(code ?? 'UNKNOWN', message ?? failure.message)],
          });
          if (code === SAVB_PARTNER_NOT_REGISTERED) {
            if (state.status !== 'AWAITING_SAVB_REGISTRATION') {
              setStatus(
                'AWAITING_SAVB_REGISTRATION',
                `Partner ${state.partnerId} must register for ${state.offering} in SAVB; the invoice is retried until ${inv.dueAt}`,
              );
            }
            await waitForRetry(
              now() + msToNumber((settings.registrationRetryInterval ?? DEFAULT_REGISTRATION_RETRY_INTERVAL) as never),
              'SAVB registration re-try',
            );
          } else {
            setStatus('INVOICE_DENIED', `SAVB refused the invoice for voucher ${state.voucherId}: ${code}`);
            // Nothing was submitted: without a fixed retry before the window closes, the window is missed.
            await waitForRetry(dueAtMs, 'invoice window (refused; waiting for a retry)');
          }
        } else {
          // SAVB unreachable for a long stretch: keep trying at the registration interval inside the window.
          log.warn('invoice submission failed; will retry', { error: (err as Error).message });
          record('invoiceSubmissionFailed', 'system', false, { via: 'activity', detail: (err as Error).message });
          await waitForRetry(
            now() + msToNumber((settings.registrationRetryInterval ?? DEFAULT_REGISTRATION_RETRY_INTERVAL) as never),
            'SAVB re-try after failure',
          );
        }
      }
    }
    await reminders;
  }

  // A starter that set the search attributes (the API) saves the first upsert: each is an event
  // and a visibility write. Decided by the input, so histories without the setting replay as before.
  if (settings.searchAttributesSetAtStart) showCurrentDetails();
  else publish();
  outbox.push({
    kind: 'STATUS_ASSIGNED',
    message: `Voucher ${state.voucherId} assigned: ${state.days} days of ${state.engagementType}, valid until ${dateOf(expiresAtMs - 1)}`,
  });
  const pump = notificationPump();

  await untilRedeemedOrExpired();
  if (state.status === 'REDEEMED') await invoice();

  // Let in-flight messages finish (they will be refused: the engagement has ended), then
  // background work, then flush notifications.
  await condition(allHandlersFinished);
  await Promise.all(background);
  closing = true;
  await pump;
  return { voucherId: state.voucherId, status: state.status };
}
