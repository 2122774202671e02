// The engagement workflow on the time-skipping test server with the real worker, activities,
// partner workflow and SAVB simulator: a voucher's whole life runs in seconds.
import { engagementCatalogEntry } from '../domain/catalog';
import type { EngagementState } from '../domain/engagement';
import { engagementSignals, engagementUpdates } from '../workflows/messages';
import {
  DAY_MS,
  PM_EMAIL,
  TimeSkippingStack,
  addDays,
  createPartner,
  keepEnrolled,
  dateOf,
  engagementInput,
  partnerProfile,
  refusalOf,
  report,
  reservation,
  startEngagement,
  startTimeSkippingStack,
  settle,
  stateOf,
} from './support/time-skipping';

let stack: TimeSkippingStack;
const P1 = 'P-CONTOSO';
const P2 = 'P-NORTHWIND';
const P3 = 'P-UNQUALIFIED';

beforeAll(async () => {
  stack = await startTimeSkippingStack();
  await createPartner(stack, P1, ['DDPS']);
  await createPartner(stack, P2, ['DDPS']);
  // Silver in an area that qualifies for nothing of DDPS: enrollment refused, so never eligible.
  await createPartner(stack, P3, [], partnerProfile({ competencies: [{ area: 'Messaging', level: 'Silver' }] }));
});

beforeEach(async () => {
  await keepEnrolled(stack, P1);
  await keepEnrolled(stack, P2);
});

afterAll(async () => {
  await stack?.stop();
});

const now = () => stack.env.currentTimeMs();
const u = engagementUpdates;
const as = (partnerId: string) => ({ actor: `partner:${partnerId}` as const });

/** Starts an engagement and walks it to a status as a partner, returning the handle and the reservation used. */
async function walkTo(
  target: 'FORWARDED' | 'RESERVED' | 'REPORT_SUBMITTED' | 'REDEEMED',
  overrides: Parameters<typeof engagementInput>[1] = {},
  partner = P1,
) {
  const t0 = await now();
  const input = engagementInput(t0, overrides);
  const handle = await startEngagement(stack, input);
  await handle.executeUpdate(u.voucherForwarded, {
    args: [{ partnerId: partner, projectManagerEmail: PM_EMAIL, ...as(partner) }],
  });
  if (target === 'FORWARDED') return { handle, input };
  const res = reservation(t0);
  await handle.executeUpdate(u.voucherReserved, { args: [{ ...res, ...as(partner) }] });
  if (target === 'RESERVED') return { handle, input, res };
  await stack.env.sleep('14 days'); // delivered
  await handle.executeUpdate(u.completionReportSubmitted, { args: [{ ...report(res, input.days), ...as(partner) }] });
  if (target === 'REPORT_SUBMITTED') return { handle, input, res };
  const redeemed = await handle.executeUpdate(u.voucherRedeemed, { args: [as(partner)] });
  return { handle, input, res, redeemed };
}

const events = (s: EngagementState, name: string) => s.history.filter((e) => e.event === name);

describe('a voucher from assignment to payment', () => {
  test('the full lifecycle ends PAID with one SAVB payment request of days × the country rate', async () => {
    stack.savb.register(P1, 'DDPS');
    const { handle, input } = await walkTo('REDEEMED');
    await settle(stack, handle, 'PAID');
    const result = await handle.result();
    expect(result.status).toBe('PAID');
    const s = await stateOf(handle);
    expect(s.status).toBe('PAID');
    expect(s.invoice).toMatchObject({
      amount: 5 * 1000,
      currency: 'USD',
      savbStatus: 'PAID',
      idempotencyKey: input.voucherId,
    });
    expect(stack.savb.requests().filter((r) => r.voucherId === input.voucherId)).toHaveLength(1);
    expect(s.history.map((e) => e.event)).toEqual(
      expect.arrayContaining([
        'engagementStarted',
        'voucherForwarded',
        'voucherReserved',
        'completionReportSubmitted',
        'voucherRedeemed',
        'invoiceSubmitted',
      ]),
    );
    expect(s.notifications.map((n) => n.kind)).toEqual(
      expect.arrayContaining([
        'STATUS_ASSIGNED',
        'STATUS_FORWARDED',
        'STATUS_RESERVED',
        'STATUS_REPORT_SUBMITTED',
        'STATUS_REDEEMED',
        'STATUS_INVOICE_SUBMITTED',
        'STATUS_PAID',
      ]),
    );
    // No webhook is configured in this suite: every notification is recorded as not delivered, and says why.
    expect(s.notifications.every((n) => !n.delivered && n.detail === 'no webhook configured')).toBe(true);
  });

  test('an unregistered partner waits for SAVB registration, then the invoice is paid', async () => {
    const partner = 'P-FIRST-TIMER';
    await createPartner(stack, partner, ['DDPS']);
    const { handle, input } = await walkTo('REDEEMED', {}, partner);
    await settle(stack, handle, 'AWAITING_SAVB_REGISTRATION', '1 minute');
    const waiting = await stateOf(handle);
    expect(waiting.invoice?.lastRefusal?.code).toBe('PARTNER_NOT_REGISTERED');
    // The partner registers in SAVB (allowed now that it has a redeemed voucher there), and asks for a retry.
    const registered = await fetch(`${stack.savb.url}/registrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ partnerId: partner, offering: 'DDPS' }),
    });
    expect(registered.status).toBe(201);
    await handle.executeUpdate(u.invoiceRetryRequested, { args: [as(partner)] });
    await settle(stack, handle, 'PAID');
    expect((await handle.result()).status).toBe('PAID');
    expect(stack.savb.requests().filter((r) => r.voucherId === input.voucherId)).toHaveLength(1);
  });

  test('registration is also picked up by the periodic re-try, without a retry request', async () => {
    const partner = 'P-SECOND-TIMER';
    await createPartner(stack, partner, ['DDPS']);
    const { handle } = await walkTo('REDEEMED', {}, partner);
    await settle(stack, handle, 'AWAITING_SAVB_REGISTRATION', '1 minute');
    stack.savb.register(partner, 'DDPS');
    await settle(stack, handle, 'PAID', '1 day');
    expect((await handle.result()).status).toBe('PAID');
  });

  test('a denied invoice waits for a retry; the retry creates a fresh request and is paid', async () => {
    stack.savb.register(P1, 'DDPS');
    const voucherId = 'V-DENIED-ONCE';
    stack.savb.deny(voucherId, 'deliverable unreadable');
    const { handle, input } = await walkTo('REDEEMED', { voucherId });
    await settle(stack, handle, 'INVOICE_DENIED');
    const denied = await stateOf(handle);
    expect(denied.invoice?.lastRefusal).toMatchObject({ code: 'DENIED', message: 'deliverable unreadable' });
    // The partner fixes the problem with SAVB and retries.
    await fetch(`${stack.savb.url}/_admin/deny/${input.voucherId}`, { method: 'DELETE' });
    const afterRetry = await handle.executeUpdate(u.invoiceRetryRequested, {
      args: [{ note: 'fixed the deliverable', ...as(P1) }],
    });
    expect(events(afterRetry, 'invoiceRetryRequested')).toHaveLength(1);
    await settle(stack, handle, 'PAID');
    expect((await handle.result()).status).toBe('PAID');
    const requests = stack.savb.requests().filter((r) => r.voucherId === input.voucherId);
    expect(requests.map((r) => r.status)).toEqual(['DENIED', 'PAID']);
  });

  test('without registration the 60-day invoice window is missed, after reminders 14 and 3 days before', async () => {
    const partner = 'P-NEVER-REGISTERS';
    await createPartner(stack, partner, ['DDPS']);
    const { handle, redeemed } = await walkTo('REDEEMED', {}, partner);
    await stack.env.sleep('60 days');
    expect((await handle.result()).status).toBe('INVOICE_WINDOW_MISSED');
    const s = await stateOf(handle);
    const due = Date.parse(redeemed!.deadlines.invoiceDueAt!);
    for (const [kind, days] of [
      ['INVOICE_REMINDER_14D', 14],
      ['INVOICE_REMINDER_3D', 3],
    ] as const) {
      const sent = s.notifications.filter((n) => n.kind === kind);
      expect(sent).toHaveLength(1);
      expect(Math.abs(Date.parse(sent[0].at) - (due - days * DAY_MS))).toBeLessThan(60_000);
    }
    expect(Date.parse(events(s, 'invoiceWindowMissed')[0].at)).toBeGreaterThanOrEqual(due);
  });
});

describe('expiry and reminders', () => {
  test('an unredeemed voucher expires at day 180 and its days return to an active enrollment', async () => {
    const t0 = await now();
    const input = engagementInput(t0);
    const handle = await startEngagement(stack, input);
    await stack.env.sleep('180 days');
    expect((await handle.result()).status).toBe('EXPIRED');
    const s = await stateOf(handle);
    expect(s.daysDisposition).toMatchObject({ outcome: 'RETURNED_TO_POOL', days: 5, reason: 'EXPIRED' });
    expect(Date.parse(s.daysDisposition!.at)).toBeGreaterThanOrEqual(t0 + 180 * DAY_MS);
    expect(Date.parse(s.daysDisposition!.at)).toBeLessThan(t0 + 180 * DAY_MS + 60_000);
    // Each reminder once, at its moment.
    for (const [kind, days] of [
      ['VOUCHER_EXPIRY_REMINDER_30D', 30],
      ['VOUCHER_EXPIRY_REMINDER_7D', 7],
    ] as const) {
      const sent = s.notifications.filter((n) => n.kind === kind);
      expect(sent).toHaveLength(1);
      expect(Math.abs(Date.parse(sent[0].at) - (t0 + (180 - days) * DAY_MS))).toBeLessThan(60_000);
    }
  });

  test('a validity extension moves the expiry and its reminders; partners cannot extend', async () => {
    const t0 = await now();
    const input = engagementInput(t0);
    const handle = await startEngagement(stack, input);
    const partnerTry = await refusalOf(
      handle.executeUpdate(u.voucherExpiryExtended, { args: [{ days: 90, reason: 'program extension', ...as(P1) }] }),
    );
    expect(partnerTry).toMatchObject({ type: 'Forbidden', codes: ['ROLE_NOT_ALLOWED'] });
    const extended = await handle.executeUpdate(u.voucherExpiryExtended, {
      args: [{ days: 90, reason: 'program extension', actor: 'backoffice' }],
    });
    expect(Date.parse(extended.deadlines.voucherExpiresAt)).toBe(Date.parse(input.assignedAt) + 270 * DAY_MS);
    expect(extended.deadlines.lastValidDate).toBe(dateOf(Date.parse(input.assignedAt) + 270 * DAY_MS - 1));
    await stack.env.sleep('200 days');
    expect((await stateOf(handle)).status).toBe('ASSIGNED');
    await stack.env.sleep('71 days');
    expect((await handle.result()).status).toBe('EXPIRED');
    const s = await stateOf(handle);
    for (const [kind, days] of [
      ['VOUCHER_EXPIRY_REMINDER_30D', 30],
      ['VOUCHER_EXPIRY_REMINDER_7D', 7],
    ] as const) {
      const sent = s.notifications.filter((n) => n.kind === kind);
      expect(sent).toHaveLength(1);
      expect(Math.abs(Date.parse(sent[0].at) - (t0 + (270 - days) * DAY_MS))).toBeLessThan(60_000);
    }
    expect(Date.parse(s.daysDisposition!.at)).toBeGreaterThanOrEqual(t0 + 270 * DAY_MS);
  });

  test('a redeemed voucher cannot be extended', async () => {
    stack.savb.register(P1, 'DDPS');
    const { handle } = await walkTo('REDEEMED');
    const r = await refusalOf(
      handle.executeUpdate(u.voucherExpiryExtended, { args: [{ days: 30, reason: 'late', actor: 'backoffice' }] }),
    );
    expect(r).toMatchObject({ type: 'StateConflict', codes: ['NOT_ALLOWED_IN_STATUS'] });
  });

  test("an expired voucher's days are lost when the customer's enrollment has ended", async () => {
    const t0 = await now();
    const input = engagementInput(t0);
    input.customer.enrollmentEndsAt = addDays(dateOf(t0), 90);
    const handle = await startEngagement(stack, input);
    await stack.env.sleep('180 days');
    expect((await handle.result()).status).toBe('EXPIRED');
    expect((await stateOf(handle)).daysDisposition).toMatchObject({ outcome: 'LOST', days: 5 });
  });

  test('an engagement started with 20 days left sends the 30-day reminder once, at once, then the 7-day one', async () => {
    const t0 = await now();
    const input = engagementInput(t0, { assignedAt: new Date(t0 - 160 * DAY_MS).toISOString() });
    const handle = await startEngagement(stack, input);
    await stack.env.sleep('20 days');
    expect((await handle.result()).status).toBe('EXPIRED');
    const s = await stateOf(handle);
    const thirty = s.notifications.filter((n) => n.kind === 'VOUCHER_EXPIRY_REMINDER_30D');
    const seven = s.notifications.filter((n) => n.kind === 'VOUCHER_EXPIRY_REMINDER_7D');
    expect(thirty).toHaveLength(1);
    expect(Date.parse(thirty[0].at) - t0).toBeLessThan(60_000);
    expect(seven).toHaveLength(1);
    expect(Math.abs(Date.parse(seven[0].at) - (t0 + 13 * DAY_MS))).toBeLessThan(60_000);
  });

  test('a redeemed voucher does not expire and gets no expiry reminder after redemption', async () => {
    stack.savb.register(P1, 'DDPS');
    const { handle } = await walkTo('REDEEMED');
    await settle(stack, handle, 'PAID');
    expect((await handle.result()).status).toBe('PAID');
    const s = await stateOf(handle);
    expect(s.notifications.filter((n) => n.kind.startsWith('VOUCHER_EXPIRY_REMINDER'))).toHaveLength(0);
    expect(s.daysDisposition).toBeUndefined();
  });
});

describe('refusals: the update is rejected with the rule, the state is unchanged', () => {
  test('forwarding with the wrong project manager e-mail', async () => {
    const handle = await startEngagement(stack, engagementInput(await now()));
    const r = await refusalOf(
      handle.executeUpdate(u.voucherForwarded, {
        args: [{ partnerId: P1, projectManagerEmail: 'someone@else.example', ...as(P1) }],
      }),
    );
    expect(r).toMatchObject({ type: 'RuleViolation', codes: ['PROJECT_MANAGER_EMAIL_MISMATCH'] });
    expect((await stateOf(handle)).status).toBe('ASSIGNED');
  });

  test('a partner forwarding a voucher for another partner is forbidden', async () => {
    const handle = await startEngagement(stack, engagementInput(await now()));
    const r = await refusalOf(
      handle.executeUpdate(u.voucherForwarded, { args: [{ partnerId: P1, projectManagerEmail: PM_EMAIL, ...as(P2) }] }),
    );
    expect(r).toMatchObject({ type: 'Forbidden', codes: ['FORWARDING_FOR_ANOTHER_PARTNER'] });
  });

  test('a malformed message is refused as invalid, naming the fields', async () => {
    const handle = await startEngagement(stack, engagementInput(await now()));
    const r = await refusalOf(
      handle.executeUpdate(u.voucherForwarded, {
        args: [{ partnerId: P1, projectManagerEmail: 'not-an-email', extra: 1 } as never],
      }),
    );
    expect(r.type).toBe('InvalidMessage');
    expect(r.refusals[0].fields).toEqual(expect.arrayContaining(['projectManagerEmail']));
  });

  test('invalid Unicode echoed in a refusal does not take the worker down', async () => {
    const handle = await startEngagement(stack, engagementInput(await now()));
    // A lone surrogate in an unknown key (zod names unknown keys in its message) and in a value.
    const hostile = { partnerId: P1, projectManagerEmail: PM_EMAIL, ['\uD800key']: 1, ...as(P1) } as never;
    const r = await refusalOf(handle.executeUpdate(u.voucherForwarded, { args: [hostile] }));
    expect(r.type).toBe('InvalidMessage');
    expect(r.refusals[0].message).toContain('\uFFFD');
    const cancel = await refusalOf(
      handle.executeUpdate(u.engagementCancelled, { args: [{ reason: '\uDC00', actor: 'backoffice' }] }),
    );
    expect(cancel.type).toBe('InvalidMessage');
    // The worker is still there: the next message is handled.
    const s = await handle.executeUpdate(u.voucherForwarded, {
      args: [{ partnerId: P1, projectManagerEmail: PM_EMAIL, ...as(P1) }],
    });
    expect(s.status).toBe('FORWARDED');
  });

  test('an ineligible partner is forwarded with the unmet requirements, and cannot reserve', async () => {
    const t0 = await now();
    const handle = await startEngagement(stack, engagementInput(t0));
    const s = await handle.executeUpdate(u.voucherForwarded, {
      args: [{ partnerId: P3, projectManagerEmail: PM_EMAIL, ...as(P3) }],
    });
    expect(s.status).toBe('FORWARDED');
    expect(s.eligibility?.eligible).toBe(false);
    expect(s.eligibility?.refusals.map((r) => r.code)).toEqual(['ENROLLMENT_NOT_ACTIVE', 'COMPETENCY_NOT_QUALIFYING']);
    const r = await refusalOf(handle.executeUpdate(u.voucherReserved, { args: [{ ...reservation(t0), ...as(P3) }] }));
    expect(r.codes).toEqual(['PARTNER_NOT_ELIGIBLE']);
    expect((await stateOf(handle)).reservation).toBeUndefined();
  });

  test.each([
    ['LOCATION_COUNTRY_MISMATCH', { locationId: 'LOC-DE', deliveryCountry: 'US' }],
    ['LOCATION_UNKNOWN', { locationId: 'LOC-XX' }],
    ['CONSULTANT_NOT_QUALIFIED', { consultantId: 'C-2' }],
    ['CONSULTANT_UNKNOWN', { consultantId: 'C-404' }],
  ])('a reservation is refused with %s', async (code, overrides) => {
    const { handle, input } = await walkTo('FORWARDED');
    const r = await refusalOf(
      handle.executeUpdate(u.voucherReserved, {
        args: [{ ...reservation(Date.parse(input.assignedAt), overrides), ...as(P1) }],
      }),
    );
    expect(r.type).toBe('RuleViolation');
    expect(r.codes).toContain(code);
    expect((await stateOf(handle)).status).toBe('FORWARDED');
  });

  test('a reservation starting in the past or ending after expiry is refused', async () => {
    const { handle, input } = await walkTo('FORWARDED');
    const t0 = Date.parse(input.assignedAt);
    const past = await refusalOf(
      handle.executeUpdate(u.voucherReserved, {
        args: [{ ...reservation(t0, { startDate: addDays(dateOf(t0), -1) }), ...as(P1) }],
      }),
    );
    expect(past.codes).toContain('START_DATE_IN_PAST');
    const late = addDays(dateOf(t0), 178);
    const after = await refusalOf(
      handle.executeUpdate(u.voucherReserved, {
        args: [{ ...reservation(t0, { startDate: late, endDate: addDays(late, 6) }), ...as(P1) }],
      }),
    );
    expect(after.codes).toContain('DATES_AFTER_EXPIRY');
  });

  test('a reservation in a delivery country the rate card does not price is refused before any work', async () => {
    const partner = 'P-KIWI';
    const profile = partnerProfile();
    await createPartner(stack, partner, ['DDPS'], {
      ...profile,
      locations: [...profile.locations, { locationId: 'LOC-NZ', country: 'NZ' }],
    });
    const { handle, input } = await walkTo('FORWARDED', {}, partner);
    const res = reservation(Date.parse(input.assignedAt), { locationId: 'LOC-NZ', deliveryCountry: 'NZ' });
    const r = await refusalOf(handle.executeUpdate(u.voucherReserved, { args: [{ ...res, ...as(partner) }] }));
    expect(r).toMatchObject({ type: 'RuleViolation', codes: ['NO_RATE_FOR_COUNTRY'] });
    expect(r.refusals[0]?.fields).toEqual(['deliveryCountry']);
    expect((await stateOf(handle)).status).toBe('FORWARDED');
    const elsewhere = await handle.executeUpdate(u.voucherReserved, {
      args: [{ ...res, locationId: 'LOC-DE', deliveryCountry: 'DE', ...as(partner) }],
    });
    expect(elsewhere.status).toBe('RESERVED');
  });

  test('only the forwarded partner may reserve', async () => {
    const { handle, input } = await walkTo('FORWARDED');
    const r = await refusalOf(
      handle.executeUpdate(u.voucherReserved, { args: [{ ...reservation(Date.parse(input.assignedAt)), ...as(P2) }] }),
    );
    expect(r).toMatchObject({ type: 'Forbidden', codes: ['NOT_THE_FORWARDED_PARTNER'] });
  });

  test('completion reports are refused for off-site days over 3, a missing deliverable, and a future delivery', async () => {
    const { handle, input, res } = await walkTo('RESERVED');
    await stack.env.sleep('14 days');
    const offsite = await refusalOf(
      handle.executeUpdate(u.completionReportSubmitted, {
        args: [{ ...report(res!, 5, { onSiteDays: 1, offSiteDays: 4 }), ...as(P1) }],
      }),
    );
    expect(offsite.codes).toEqual(['OFF_SITE_DAYS_EXCEEDED']);
    const full = report(res!, 5);
    const missing = await refusalOf(
      handle.executeUpdate(u.completionReportSubmitted, {
        args: [{ ...full, deliverables: full.deliverables.slice(0, 1), ...as(P1) }],
      }),
    );
    expect(missing.codes).toEqual(['DELIVERABLE_MISSING']);
    const future = await refusalOf(
      handle.executeUpdate(u.completionReportSubmitted, {
        args: [{ ...report(res!, 5, { deliveredTo: addDays(dateOf(await now()), 3) }), ...as(P1) }],
      }),
    );
    expect(future.codes).toContain('DELIVERY_IN_FUTURE');
    const s = await stateOf(handle);
    expect(s.status).toBe('RESERVED');
    expect(s.report).toBeUndefined();
    // Refused by the validator: nothing entered the engagement's history.
    expect(events(s, 'completionReportSubmitted')).toEqual([]);
    expect(input.days).toBe(5);
  });

  test('redeeming before the report is a state conflict; after expiry the voucher cannot be redeemed', async () => {
    const { handle } = await walkTo('RESERVED');
    const r = await refusalOf(handle.executeUpdate(u.voucherRedeemed, { args: [as(P1)] }));
    expect(r).toMatchObject({ type: 'StateConflict', codes: ['NOT_ALLOWED_IN_STATUS'] });
    await stack.env.sleep('14 days');
    const reserved = await stateOf(handle);
    await handle.executeUpdate(u.completionReportSubmitted, {
      args: [{ ...report(reserved.reservation!, reserved.days), ...as(P1) }],
    });
    // Reported but not redeemed when the 180 days run out: the voucher expires, and cannot be redeemed.
    await stack.env.sleep('180 days');
    expect((await handle.result()).status).toBe('EXPIRED');
    await expect(handle.executeUpdate(u.voucherRedeemed, { args: [as(P1)] })).rejects.toThrow();
    const expired = await stateOf(handle);
    expect(expired.redeemedAt).toBeUndefined();
    expect(expired.daysDisposition).toMatchObject({ reason: 'EXPIRED', days: 5 });
  });

  test('a refused signal changes nothing and is recorded as rejected in the history', async () => {
    const { handle, input } = await walkTo('FORWARDED');
    await handle.signal(engagementSignals.voucherReserved, {
      ...reservation(Date.parse(input.assignedAt), { locationId: 'LOC-DE', deliveryCountry: 'US' }),
      ...as(P1),
    });
    await handle.signal(engagementSignals.voucherRedeemed, {});
    const s = await stateOf(handle);
    expect(s.status).toBe('FORWARDED');
    const rejected = s.history.filter((e) => !e.accepted);
    expect(rejected.map((e) => [e.event, e.via, e.refusals?.[0].code])).toEqual([
      ['voucherReserved', 'signal', 'LOCATION_COUNTRY_MISMATCH'],
      ['voucherRedeemed', 'signal', 'NOT_ALLOWED_IN_STATUS'],
    ]);
    expect(rejected[1].actor).toBe('operator');
  });

  test('an accepted signal from an operator works like the update', async () => {
    const { handle, input } = await walkTo('FORWARDED');
    await handle.signal(engagementSignals.voucherReserved, {
      ...reservation(Date.parse(input.assignedAt)),
      actor: 'operator',
    });
    // A signal returns before it is handled (the reservation reads the partner first): wait for it.
    await settle(stack, handle, 'RESERVED', '1 minute');
    const s = await stateOf(handle);
    expect(events(s, 'voucherReserved')[0]).toMatchObject({ actor: 'operator', accepted: true });
  });

  test('a signal naming a partner acts as the operator: it can do what only staff may, and is recorded with the claim', async () => {
    const { handle } = await walkTo('FORWARDED');
    const extend = { days: 30, reason: 'program-wide extension' };
    // As an update from the partner: refused (only staff extend).
    expect(
      (await refusalOf(handle.executeUpdate(u.voucherExpiryExtended, { args: [{ ...extend, ...as(P1) }] }))).codes,
    ).toEqual(['ROLE_NOT_ALLOWED']);
    await handle.signal(engagementSignals.voucherExpiryExtended, { ...extend, ...as(P1) });
    await handle.signal(engagementSignals.voucherRedeemed, as(P2));
    const s = await stateOf(handle);
    expect(events(s, 'voucherExpiryExtended')).toEqual([
      expect.objectContaining({ actor: 'operator', claimedActor: `partner:${P1}`, accepted: true }),
    ]);
    // A signal that names another partner is not that partner either: refused for the status, not the actor.
    expect(events(s, 'voucherRedeemed').at(-1)).toMatchObject({
      actor: 'operator',
      claimedActor: `partner:${P2}`,
      accepted: false,
      refusals: [expect.objectContaining({ code: 'NOT_ALLOWED_IN_STATUS' })],
    });
  });
});

describe('forwarding attempts with a wrong e-mail', () => {
  test('five lock forwarding for an hour, the right e-mail too; after the hour the partner forwards', async () => {
    const t0 = await now();
    const handle = await startEngagement(stack, engagementInput(t0));
    const forward = (email: string) =>
      handle.executeUpdate(u.voucherForwarded, { args: [{ partnerId: P1, projectManagerEmail: email, ...as(P1) }] });
    for (let i = 0; i < 5; i++) {
      expect((await refusalOf(forward(`guess${i}@fabrikam.example`))).codes).toEqual([
        'PROJECT_MANAGER_EMAIL_MISMATCH',
      ]);
    }
    const locked = await refusalOf(forward(PM_EMAIL));
    expect(locked).toMatchObject({ type: 'TooManyAttempts', codes: ['FORWARDING_ATTEMPTS_EXCEEDED'] });
    expect(Date.parse(locked.refusals[0].retryAt!)).toBeGreaterThan(t0 + 59 * 60_000);
    expect((await stateOf(handle)).forwardingGuard).toMatchObject({ wrongEmails: 0, locks: 1 });
    await stack.env.sleep('61 minutes');
    const forwarded = await forward(PM_EMAIL);
    expect(forwarded.status).toBe('FORWARDED');
  });

  test('an operator may still forward by signal while partners are locked out', async () => {
    const t0 = await now();
    const handle = await startEngagement(stack, engagementInput(t0));
    for (let i = 0; i < 5; i++) {
      await refusalOf(
        handle.executeUpdate(u.voucherForwarded, {
          args: [{ partnerId: P1, projectManagerEmail: `guess${i}@fabrikam.example`, ...as(P1) }],
        }),
      );
    }
    await handle.signal(engagementSignals.voucherForwarded, { partnerId: P1, projectManagerEmail: PM_EMAIL });
    expect((await settle(stack, handle, 'FORWARDED', '1 minute')).partnerId).toBe(P1);
  });
});

describe('changes of plan', () => {
  test('a reservation can be moved before the start, cancelled back to FORWARDED, and reserved again', async () => {
    const { handle, input, res } = await walkTo('RESERVED');
    const moved = await handle.executeUpdate(u.reservationChanged, {
      args: [{ startDate: addDays(res!.startDate, 3), endDate: addDays(res!.endDate, 3), ...as(P1) }],
    });
    expect(moved.reservation?.startDate).toBe(addDays(res!.startDate, 3));
    const cancelled = await handle.executeUpdate(u.reservationCancelled, {
      args: [{ reason: 'customer rescheduled', ...as(P1) }],
    });
    expect(cancelled.status).toBe('FORWARDED');
    expect(cancelled.reservation).toBeUndefined();
    const again = await handle.executeUpdate(u.voucherReserved, {
      args: [{ ...reservation(Date.parse(input.assignedAt)), ...as(P1) }],
    });
    expect(again.status).toBe('RESERVED');
  });

  test('a reservation cannot change once the engagement has started', async () => {
    const { handle, res } = await walkTo('RESERVED');
    await stack.env.sleep('8 days');
    const r = await refusalOf(
      handle.executeUpdate(u.reservationChanged, {
        args: [{ startDate: addDays(res!.startDate, 20), endDate: addDays(res!.endDate, 20), ...as(P1) }],
      }),
    );
    expect(r).toMatchObject({ type: 'StateConflict', codes: ['ENGAGEMENT_STARTED'] });
  });

  test('another partner may take over before the reservation, not after', async () => {
    const { handle, input } = await walkTo('FORWARDED');
    const taken = await handle.executeUpdate(u.voucherForwarded, {
      args: [{ partnerId: P2, projectManagerEmail: PM_EMAIL, ...as(P2) }],
    });
    expect(taken.partnerId).toBe(P2);
    await handle.executeUpdate(u.voucherReserved, {
      args: [{ ...reservation(Date.parse(input.assignedAt)), ...as(P2) }],
    });
    const r = await refusalOf(
      handle.executeUpdate(u.voucherForwarded, { args: [{ partnerId: P1, projectManagerEmail: PM_EMAIL, ...as(P1) }] }),
    );
    expect(r).toMatchObject({ type: 'StateConflict', codes: ['NOT_ALLOWED_IN_STATUS'] });
    expect((await stateOf(handle)).partnerId).toBe(P2);
  });

  test('cancellation by the back-office ends the engagement and returns the days', async () => {
    const { handle } = await walkTo('RESERVED');
    const forbidden = await refusalOf(
      handle.executeUpdate(u.engagementCancelled, { args: [{ reason: 'no', ...as(P1) }] }),
    );
    expect(forbidden.type).toBe('Forbidden');
    const s = await handle.executeUpdate(u.engagementCancelled, {
      args: [{ reason: 'customer withdrew', actor: 'backoffice' }],
    });
    expect(s.status).toBe('CANCELLED');
    expect(s.daysDisposition).toMatchObject({ outcome: 'RETURNED_TO_POOL', days: 5, reason: 'CANCELLED' });
    expect((await handle.result()).status).toBe('CANCELLED');
  });

  test('a second 15-day engagement of the same type and agreement is refused unless the division differs', async () => {
    const t0 = await now();
    const first = engagementInput(t0, { days: 15 });
    const h1 = await startEngagement(stack, first);
    await h1.executeUpdate(u.voucherForwarded, { args: [{ partnerId: P1, projectManagerEmail: PM_EMAIL, ...as(P1) }] });
    const res15 = reservation(t0, {
      endDate: addDays(reservation(t0).startDate, 20),
      division: 'Retail',
      productScope: 'Windows 11',
    });
    await h1.executeUpdate(u.voucherReserved, { args: [{ ...res15, ...as(P1) }] });

    const second = engagementInput(t0, { days: 15, customer: first.customer });
    const h2 = await startEngagement(stack, second);
    await h2.executeUpdate(u.voucherForwarded, { args: [{ partnerId: P1, projectManagerEmail: PM_EMAIL, ...as(P1) }] });
    const r = await refusalOf(h2.executeUpdate(u.voucherReserved, { args: [{ ...res15, ...as(P1) }] }));
    expect(r.codes).toEqual(['REPEAT_FIFTEEN_DAY_ENGAGEMENT']);
    const other = await h2.executeUpdate(u.voucherReserved, { args: [{ ...res15, division: 'Wholesale', ...as(P1) }] });
    expect(other.status).toBe('RESERVED');

    // Cancelling the first frees its slot for a third engagement with the same scope.
    await h1.executeUpdate(u.engagementCancelled, { args: [{ reason: 'withdrawn', actor: 'backoffice' }] });
    const third = engagementInput(t0, { days: 15, customer: first.customer });
    const h3 = await startEngagement(stack, third);
    await h3.executeUpdate(u.voucherForwarded, { args: [{ partnerId: P1, projectManagerEmail: PM_EMAIL, ...as(P1) }] });
    expect((await h3.executeUpdate(u.voucherReserved, { args: [{ ...res15, ...as(P1) }] })).status).toBe('RESERVED');
  });
});

describe('the invoice phase at its edges', () => {
  /** SAVB's delays for requests created from now on (wall-clock ms: SAVB keeps its own time). */
  async function savbTiming(timing: { approveAfterMs: number; payAfterMs: number }): Promise<void> {
    const answer = await fetch(`${stack.savb.url}/_admin/timing`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(timing),
    });
    expect(answer.status).toBe(200);
  }

  test('an accepted invoice is followed past day 60 while status polls fail, and is paid at SAVB’s time when SAVB recovers', async () => {
    stack.savb.register(P1, 'DDPS');
    await savbTiming({ approveAfterMs: 0, payAfterMs: 2_000 });
    try {
      const { handle, input, redeemed } = await walkTo('REDEEMED');
      const submitted = await settle(stack, handle, 'INVOICE_SUBMITTED', '1 minute');
      expect(submitted.invoice?.savbStatus).toBe('APPROVED');
      stack.savb.setFaults({ down: true });
      await stack.env.sleep('61 days');
      const during = await stateOf(handle);
      expect(await now()).toBeGreaterThan(Date.parse(redeemed!.deadlines.invoiceDueAt!));
      expect(during.status).toBe('INVOICE_SUBMITTED');
      expect(during.invoice?.lastPollError?.message).toContain('503');
      expect(Date.parse(during.invoice!.lastPollError!.at)).toBeGreaterThan(Date.parse(during.invoice!.dueAt));
      // One event for the run of failures, not one per poll.
      expect(events(during, 'savbStatusPollFailed')).toHaveLength(1);
      // An accepted, undenied request is pending: no reminder to invoice.
      expect(during.notifications.filter((n) => n.kind.startsWith('INVOICE_REMINDER'))).toHaveLength(0);

      stack.savb.setFaults({ down: false });
      const paid = await settle(stack, handle, 'PAID', '6 hours');
      expect((await handle.result()).status).toBe('PAID');
      expect(events(paid, 'invoiceWindowMissed')).toHaveLength(0);
      const [request] = stack.savb.requests().filter((r) => r.voucherId === input.voucherId);
      expect(request.status).toBe('PAID');
      // paidAt is when SAVB paid (its clock), not when the workflow (far ahead in skipped time) heard of it.
      expect(paid.invoice?.paidAt).toBe(request.paidAt);
    } finally {
      stack.savb.setFaults({ down: false });
      await savbTiming({ approveAfterMs: 0, payAfterMs: 0 });
    }
  });

  test('after a SAVB denial the 14- and 3-day invoice reminders are still sent, at their moments', async () => {
    stack.savb.register(P1, 'DDPS');
    const voucherId = 'V-DENIED-REMINDED';
    stack.savb.deny(voucherId, 'completion report not signed');
    const { handle, redeemed } = await walkTo('REDEEMED', { voucherId });
    await settle(stack, handle, 'INVOICE_DENIED', '1 minute');
    // The partner does not retry: the window closes with the request denied.
    await stack.env.sleep('60 days');
    expect((await handle.result()).status).toBe('INVOICE_DENIED');
    const s = await stateOf(handle);
    const due = Date.parse(redeemed!.deadlines.invoiceDueAt!);
    for (const [kind, days] of [
      ['INVOICE_REMINDER_14D', 14],
      ['INVOICE_REMINDER_3D', 3],
    ] as const) {
      const sent = s.notifications.filter((n) => n.kind === kind);
      expect(sent).toHaveLength(1);
      expect(Math.abs(Date.parse(sent[0].at) - (due - days * DAY_MS))).toBeLessThan(60_000);
    }
  });
});

describe('the catalog an engagement was started with', () => {
  test('an engagement decides with its own catalog entry, not the catalog the worker has now', async () => {
    const t0 = await now();
    const bundled = engagementCatalogEntry('DDPS-WINDOWS-OFFICE')!;
    // The entry as an edited catalog would have had it: another qualifying competency.
    const edited = {
      version: 'catalog-edited',
      type: { ...bundled.type, qualifyingCompetencies: [{ area: 'Messaging', minLevel: 'Silver' as const }] },
    };
    const handle = await startEngagement(stack, engagementInput(t0, { catalogEntry: edited }));
    const forwarded = await handle.executeUpdate(u.voucherForwarded, {
      args: [{ partnerId: P1, projectManagerEmail: PM_EMAIL, ...as(P1) }],
    });
    expect(forwarded.eligibility?.eligible).toBe(false);
    expect(forwarded.eligibility?.refusals.map((r) => r.code)).toContain('COMPETENCY_NOT_QUALIFYING');
    // The same partner, with the entry the catalog has today, is eligible.
    const current = await startEngagement(stack, engagementInput(t0, { catalogEntry: bundled }));
    const ok = await current.executeUpdate(u.voucherForwarded, {
      args: [{ partnerId: P1, projectManagerEmail: PM_EMAIL, ...as(P1) }],
    });
    expect(ok.eligibility?.eligible).toBe(true);
  });

  test('an engagement started by hand with a length its type does not allow fails at once, naming the rule', async () => {
    const handle = await startEngagement(stack, engagementInput(await now(), { days: 20 }));
    const failure = await handle.result().then(
      () => undefined,
      (err: Error & { cause?: Error & { details?: { code: string }[] } }) => err.cause,
    );
    expect(failure?.message).toContain('DAYS_NOT_ALLOWED');
    expect((await handle.describe()).status.name).toBe('FAILED');
  });
});

test('a reservation ending on the last valid day is accepted with a warning naming the expiry instant', async () => {
  const t0 = await now();
  // Assigned 170 days ago: 10 days of validity left.
  const input = engagementInput(t0, { assignedAt: new Date(t0 - 170 * DAY_MS).toISOString() });
  const handle = await startEngagement(stack, input);
  const forwarded = await handle.executeUpdate(u.voucherForwarded, {
    args: [{ partnerId: P1, projectManagerEmail: PM_EMAIL, ...as(P1) }],
  });
  const last = forwarded.deadlines.lastValidDate;
  const reserved = await handle.executeUpdate(u.voucherReserved, {
    args: [{ ...reservation(t0, { startDate: addDays(last, -4), endDate: last }), ...as(P1) }],
  });
  expect(reserved.reservation?.warnings).toEqual([
    expect.objectContaining({ code: 'REDEEM_BEFORE_EXPIRY', fields: ['endDate'] }),
  ]);
  expect(reserved.reservation?.warnings?.[0].message).toContain(forwarded.deadlines.voucherExpiresAt);
  const moved = await handle.executeUpdate(u.reservationChanged, {
    args: [{ startDate: addDays(last, -6), endDate: addDays(last, -2), ...as(P1) }],
  });
  expect(moved.reservation?.warnings).toBeUndefined();
});
