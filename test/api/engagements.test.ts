// The engagement routes over real HTTP against a Temporal dev server running the real workflows:
// idempotent start, who may do what (and the 404 a partner gets for someone else's engagement),
// and the refusals with their problem types.
import { PROBLEM_BASE } from '../../api/problems';
import { SA } from '../../workflows/search-attributes';
import { DevStack, eventually, http, startDevStack } from '../support/dev-stack';
import { PM_EMAIL, addDays, profile, reservationBody, reportBody, startBody, today, uniqueId } from './fixtures';

let stack: DevStack;
const req = (method: string, path: string, opts: Parameters<typeof http>[3] = {}) => http(stack, method, path, opts);
const codes = (res: { body: { rules?: { code: string }[] } }) => (res.body.rules ?? []).map((r) => r.code);

beforeAll(async () => {
  stack = await startDevStack({ partnerIds: ['contoso', 'fabrikam', 'northwind'] });
  // contoso and fabrikam are eligible for DDPS-WINDOWS-OFFICE; northwind has no qualifying competency.
  for (const id of ['contoso', 'fabrikam']) {
    expect((await req('PUT', `/v1/partners/${id}`, { as: 'backoffice', body: profile({ name: id }) })).status).toBe(
      201,
    );
    expect((await req('POST', `/v1/partners/${id}/enrollments`, { as: id, body: { offering: 'DDPS' } })).status).toBe(
      201,
    );
  }
  const northwind = profile({ name: 'northwind', competencies: [{ area: 'Messaging', level: 'Gold' }] });
  expect((await req('PUT', '/v1/partners/northwind', { as: 'backoffice', body: northwind })).status).toBe(201);
});
afterAll(async () => {
  await stack?.stop();
});

async function started(overrides: Parameters<typeof startBody>[0] = {}) {
  const body = startBody(overrides);
  const res = await req('POST', '/v1/engagements', { as: 'backoffice', body });
  expect(res.status).toBe(201);
  return body.voucherId;
}

async function forwarded(partnerId = 'contoso', overrides: Parameters<typeof startBody>[0] = {}) {
  const voucherId = await started(overrides);
  const res = await req('POST', `/v1/engagements/${voucherId}/forwarding`, {
    as: partnerId,
    body: { partnerId, projectManagerEmail: PM_EMAIL },
  });
  expect(res.status).toBe(200);
  return voucherId;
}

describe('POST /v1/engagements', () => {
  it('starts an engagement: 201, Location, the state', async () => {
    const body = startBody();
    const res = await req('POST', '/v1/engagements', { as: 'backoffice', body });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v1/engagements/${body.voucherId}`);
    expect(res.body).toEqual(
      expect.objectContaining({
        voucherId: body.voucherId,
        status: 'ASSIGNED',
        offering: 'DDPS',
        engagementType: 'DDPS-WINDOWS-OFFICE',
        days: 5,
      }),
    );
    // Valid for 180 days from assignment.
    expect(res.body.deadlines.voucherExpiresAt).toBe(
      new Date(Date.parse(body.assignedAt) + 180 * 86_400_000).toISOString(),
    );
    const workflow = await stack.client.workflow.getHandle(`engagement-${body.voucherId}`).describe();
    expect(workflow.type).toBe('engagementWorkflow');
    expect(workflow.typedSearchAttributes.get(SA.EngagementStatus)).toBe('ASSIGNED');
    expect(workflow.typedSearchAttributes.get(SA.VoucherId)).toBe(body.voucherId);
    expect(workflow.typedSearchAttributes.get(SA.EngagementDays)).toBe(5);
    expect(await workflow.staticSummary()).toBe(`DDPS-WINDOWS-OFFICE · 5 days · voucher ${body.voucherId}`);
  });

  it('is idempotent: the same voucher and body again is a 200 with the same engagement', async () => {
    const body = startBody();
    const first = await req('POST', '/v1/engagements', { as: 'backoffice', body });
    expect(first.status).toBe(201);
    const handle = stack.client.workflow.getHandle(`engagement-${body.voucherId}`);
    const { runId } = await handle.describe();
    const again = await req('POST', '/v1/engagements', { as: 'backoffice', body });
    expect(again.status).toBe(200);
    expect(again.body.voucherId).toBe(body.voucherId);
    expect(again.body.history[0]).toEqual(first.body.history[0]);
    // The same instant written differently is the same request.
    const sameInstant = { ...body, assignedAt: body.assignedAt.replace('Z', '+00:00') };
    expect((await req('POST', '/v1/engagements', { as: 'backoffice', body: sameInstant })).status).toBe(200);
    // Still the first run: a repeat neither starts nor replaces the workflow.
    const now = await handle.describe();
    expect(now.runId).toBe(runId);
    expect(now.status.name).toBe('RUNNING');
  });

  it('the same voucher with another body is a 409 naming the differences', async () => {
    const body = startBody();
    expect((await req('POST', '/v1/engagements', { as: 'backoffice', body })).status).toBe(201);
    const other = await req('POST', '/v1/engagements', {
      as: 'backoffice',
      body: { ...body, days: 3, customer: { ...body.customer, name: 'Someone else' } },
    });
    expect(other.status).toBe(409);
    expect(other.body.type).toBe(`${PROBLEM_BASE}engagement-conflict`);
    expect(other.body.fields).toEqual(['days', 'customer.name']);
  });

  it('an identical repeat after the voucher expired answers 200 with the engagement; another body is still 409', async () => {
    // Assigned so that the voucher expires two seconds from now (the dev server runs on the real clock).
    const body = startBody({ assignedAt: new Date(Date.now() - 180 * 86_400_000 + 2_000).toISOString() });
    expect((await req('POST', '/v1/engagements', { as: 'backoffice', body })).status).toBe(201);
    await eventually(
      () => req('GET', `/v1/engagements/${body.voucherId}`, { as: 'backoffice' }),
      (r) => r.body.status === 'EXPIRED',
      { what: 'the voucher expired', timeoutMs: 30_000 },
    );
    const again = await req('POST', '/v1/engagements', { as: 'backoffice', body });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ voucherId: body.voucherId, status: 'EXPIRED' });
    const other = await req('POST', '/v1/engagements', { as: 'backoffice', body: { ...body, days: 3 } });
    expect(other.status).toBe(409);
    // A voucher never started and already expired is still refused.
    const fresh = await req('POST', '/v1/engagements', {
      as: 'backoffice',
      body: { ...body, voucherId: uniqueId('V-EXP') },
    });
    expect(fresh.status).toBe(422);
    expect(codes(fresh)).toContain('VOUCHER_EXPIRED');
  });

  it('two identical starts racing: one 201 and one 200, the same engagement', async () => {
    const body = startBody();
    const [a, b] = await Promise.all([
      req('POST', '/v1/engagements', { as: 'backoffice', body }),
      req('POST', '/v1/engagements', { as: 'backoffice', body }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(a.body.voucherId).toBe(body.voucherId);
    expect(b.body.voucherId).toBe(body.voucherId);
    expect(a.body.history[0]).toEqual(b.body.history[0]);
  });

  it('refuses what the program does not allow (422, naming the rules)', async () => {
    const unknownType = await req('POST', '/v1/engagements', {
      as: 'backoffice',
      body: startBody({ engagementType: 'SDPS-SHAREPOINT' }),
    });
    expect(unknownType.status).toBe(422);
    expect(unknownType.body.type).toBe(`${PROBLEM_BASE}engagement-type-unknown`);
    expect(codes(unknownType)).toEqual(['ENGAGEMENT_TYPE_UNKNOWN']);

    const badDays = await req('POST', '/v1/engagements', { as: 'backoffice', body: startBody({ days: 2 }) });
    expect(badDays.status).toBe(422);
    expect(codes(badDays)).toEqual(['DAYS_NOT_ALLOWED']);
    expect(badDays.body.fields).toEqual(['days']);

    const expired = await req('POST', '/v1/engagements', {
      as: 'backoffice',
      body: startBody({ assignedAt: new Date(Date.now() - 181 * 86_400_000).toISOString() }),
    });
    expect(expired.status).toBe(422);
    expect(expired.body.type).toBe(`${PROBLEM_BASE}voucher-expired`);

    const offering = await req('POST', '/v1/engagements', { as: 'backoffice', body: startBody({ offering: 'NOPE' }) });
    expect(offering.status).toBe(422);
    expect(codes(offering)).toContain('OFFERING_UNKNOWN');
  });

  it('refuses malformed requests (400) with the offending fields', async () => {
    const { customer, ...noCustomer } = startBody();
    const missing = await req('POST', '/v1/engagements', { as: 'backoffice', body: noCustomer });
    expect(missing.status).toBe(400);
    expect(missing.body.fields).toEqual(['customer']);
    void customer;
    const unknownField = await req('POST', '/v1/engagements', {
      as: 'backoffice',
      body: { ...startBody(), priority: 'high' },
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.type).toBe(`${PROBLEM_BASE}validation-failed`);
    expect(unknownField.body.fields).toEqual(['priority']);
    const nested = await req('POST', '/v1/engagements', {
      as: 'backoffice',
      body: { ...startBody(), customer: { ...startBody().customer, projectManagerEmail: 'not-an-email', vip: true } },
    });
    expect(nested.status).toBe(400);
    expect(nested.body.fields).toEqual(expect.arrayContaining(['customer.projectManagerEmail', 'customer.vip']));
    const badDate = await req('POST', '/v1/engagements', {
      as: 'backoffice',
      body: { ...startBody(), assignedAt: '2026-13-01' },
    });
    expect(badDate.status).toBe(400);
    expect(badDate.body.fields).toEqual(['assignedAt']);
  });

  it('is for the back-office only', async () => {
    expect((await req('POST', '/v1/engagements', { as: 'operator', body: startBody() })).status).toBe(403);
    expect((await req('POST', '/v1/engagements', { as: 'contoso', body: startBody() })).status).toBe(403);
    expect((await req('POST', '/v1/engagements', { body: startBody() })).status).toBe(401);
  });
});

describe('GET /v1/engagements/{voucherId}', () => {
  it('back-office and operators read any engagement; a partner only its own (404 otherwise)', async () => {
    const voucherId = await started();
    for (const who of ['backoffice', 'operator']) {
      const res = await req('GET', `/v1/engagements/${voucherId}`, { as: who });
      expect(res.status).toBe(200);
      expect(res.body.voucherId).toBe(voucherId);
    }
    const unknown = await req('GET', `/v1/engagements/${uniqueId('nothing')}`, { as: 'contoso' });
    expect(unknown.status).toBe(404);
    const notYet = await req('GET', `/v1/engagements/${voucherId}`, { as: 'contoso' });
    expect(notYet.status).toBe(404);
    // A partner cannot tell someone else's engagement from an unknown voucher.
    expect(notYet.body.type).toBe(unknown.body.type);
    expect(notYet.body.title).toBe(unknown.body.title);

    expect(
      (
        await req('POST', `/v1/engagements/${voucherId}/forwarding`, {
          as: 'contoso',
          body: { partnerId: 'contoso', projectManagerEmail: PM_EMAIL },
        })
      ).status,
    ).toBe(200);
    const own = await req('GET', `/v1/engagements/${voucherId}`, { as: 'contoso' });
    expect(own.status).toBe(200);
    expect(own.body.partnerId).toBe('contoso');
    expect((await req('GET', `/v1/engagements/${voucherId}`, { as: 'fabrikam' })).status).toBe(404);
    expect((await req('GET', `/v1/engagements/${voucherId}`)).status).toBe(401);
  });

  it('an unknown voucher is a 404 problem; a malformed one a 400', async () => {
    const res = await req('GET', `/v1/engagements/${uniqueId('nothing')}`, { as: 'operator' });
    expect(res.status).toBe(404);
    expect(res.body.type).toBe(`${PROBLEM_BASE}engagement-not-found`);
    expect((await req('GET', `/v1/engagements/${encodeURIComponent("x' OR 1=1")}`, { as: 'operator' })).status).toBe(
      400,
    );
  });
});

describe('forwarding', () => {
  it('a partner with the right e-mail takes the voucher: FORWARDED with the eligibility result', async () => {
    const voucherId = await started();
    const res = await req('POST', `/v1/engagements/${voucherId}/forwarding`, {
      as: 'contoso',
      body: { partnerId: 'contoso', projectManagerEmail: PM_EMAIL },
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('FORWARDED');
    expect(res.body.partnerId).toBe('contoso');
    expect(res.body.eligibility).toEqual(expect.objectContaining({ partnerId: 'contoso', eligible: true }));
  });

  it("without the project manager's e-mail a partner learns nothing (404, as an unknown voucher); its own engagement says 422", async () => {
    const voucherId = await started();
    const wrong = { partnerId: 'contoso', projectManagerEmail: 'someone@else.example' };
    const res = await req('POST', `/v1/engagements/${voucherId}/forwarding`, { as: 'contoso', body: wrong });
    expect(res.status).toBe(404);
    expect(res.body.type).toBe(`${PROBLEM_BASE}engagement-not-found`);
    // Once forwarded to it, the partner is told which rule refused a second forwarding.
    await req('POST', `/v1/engagements/${voucherId}/forwarding`, {
      as: 'contoso',
      body: { partnerId: 'contoso', projectManagerEmail: PM_EMAIL },
    });
    const own = await req('POST', `/v1/engagements/${voucherId}/forwarding`, { as: 'contoso', body: wrong });
    expect(own.status).toBe(422);
    expect(own.body.type).toBe(`${PROBLEM_BASE}project-manager-email-mismatch`);
    expect(own.body.fields).toEqual(['projectManagerEmail']);
  });

  it('wrong e-mails are limited per voucher across API instances: the fifth locks forwarding (429 with Retry-After), the right e-mail too', async () => {
    const voucherId = await started();
    const apis = [stack, await stack.anotherApi()];
    const path = `/v1/engagements/${voucherId}/forwarding`;
    for (let attempt = 0; attempt < 5; attempt++) {
      const guess = { partnerId: 'fabrikam', projectManagerEmail: `guess${attempt}@fabrikam.example` };
      const res = await http(apis[attempt % 2], 'POST', path, { as: 'fabrikam', body: guess });
      expect(res.status).toBe(404);
    }
    const right = { partnerId: 'fabrikam', projectManagerEmail: PM_EMAIL };
    for (const api of apis) {
      const locked = await http(api, 'POST', path, { as: 'fabrikam', body: right });
      expect(locked.status).toBe(429);
      expect(locked.body.type).toBe(`${PROBLEM_BASE}forwarding-attempts-exceeded`);
      const retryAfter = Number(locked.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(3500);
      expect(retryAfter).toBeLessThanOrEqual(3600);
    }
    // Another voucher is not affected.
    await forwarded('fabrikam');
    const state = await req('GET', `/v1/engagements/${voucherId}`, { as: 'backoffice' });
    expect(state.body.status).toBe('ASSIGNED');
    expect(state.body.forwardingGuard).toMatchObject({ wrongEmails: 0, locks: 1 });
  });

  it('a partner forwards only to itself (403); only partners forward (403); unknown vouchers 404', async () => {
    const voucherId = await started();
    expect(
      (
        await req('POST', `/v1/engagements/${voucherId}/forwarding`, {
          as: 'contoso',
          body: { partnerId: 'fabrikam', projectManagerEmail: PM_EMAIL },
        })
      ).status,
    ).toBe(403);
    for (const who of ['backoffice', 'operator']) {
      expect(
        (
          await req('POST', `/v1/engagements/${voucherId}/forwarding`, {
            as: who,
            body: { partnerId: 'contoso', projectManagerEmail: PM_EMAIL },
          })
        ).status,
      ).toBe(403);
    }
    const unknown = await req('POST', `/v1/engagements/${uniqueId('nothing')}/forwarding`, {
      as: 'contoso',
      body: { partnerId: 'contoso', projectManagerEmail: PM_EMAIL },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toBe(`${PROBLEM_BASE}engagement-not-found`);
  });

  it('another partner may take over while not reserved; the first then gets 404', async () => {
    const voucherId = await forwarded('contoso');
    const takeover = await req('POST', `/v1/engagements/${voucherId}/forwarding`, {
      as: 'fabrikam',
      body: { partnerId: 'fabrikam', projectManagerEmail: PM_EMAIL },
    });
    expect(takeover.status).toBe(200);
    expect(takeover.body.partnerId).toBe('fabrikam');
    expect((await req('GET', `/v1/engagements/${voucherId}`, { as: 'contoso' })).status).toBe(404);
    expect(
      (await req('POST', `/v1/engagements/${voucherId}/reservation`, { as: 'contoso', body: reservationBody() }))
        .status,
    ).toBe(404);
  });

  it('an ineligible partner is recorded as such and cannot reserve (422 PARTNER_NOT_ELIGIBLE)', async () => {
    const voucherId = await started();
    const res = await req('POST', `/v1/engagements/${voucherId}/forwarding`, {
      as: 'northwind',
      body: { partnerId: 'northwind', projectManagerEmail: PM_EMAIL },
    });
    expect(res.status).toBe(200);
    expect(res.body.eligibility.eligible).toBe(false);
    expect(res.body.eligibility.refusals.map((r: { code: string }) => r.code)).toEqual(
      expect.arrayContaining(['COMPETENCY_NOT_QUALIFYING']),
    );
    const reserve = await req('POST', `/v1/engagements/${voucherId}/reservation`, {
      as: 'northwind',
      body: reservationBody(),
    });
    expect(reserve.status).toBe(422);
    expect(codes(reserve)).toContain('PARTNER_NOT_ELIGIBLE');
  });
});

describe('reservation', () => {
  it('reserve (200 RESERVED), change the dates, cancel back to FORWARDED', async () => {
    const voucherId = await forwarded('contoso');
    const reserved = await req('POST', `/v1/engagements/${voucherId}/reservation`, {
      as: 'contoso',
      body: reservationBody(),
    });
    expect(reserved.status).toBe(200);
    expect(reserved.body.status).toBe('RESERVED');
    expect(reserved.body.reservation).toEqual(
      expect.objectContaining({ locationId: 'LOC-US', consultantId: 'C-1', deliveryCountry: 'US' }),
    );

    const again = await req('POST', `/v1/engagements/${voucherId}/reservation`, {
      as: 'contoso',
      body: reservationBody(),
    });
    expect(again.status).toBe(409);
    expect(again.body.type).toBe(`${PROBLEM_BASE}not-allowed-in-status`);

    const start = addDays(today(), 10);
    const changed = await req('PATCH', `/v1/engagements/${voucherId}/reservation`, {
      as: 'contoso',
      body: { startDate: start, endDate: addDays(start, 4) },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.reservation.startDate).toBe(start);

    const cancelled = await req('DELETE', `/v1/engagements/${voucherId}/reservation`, { as: 'contoso' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('FORWARDED');
  });

  it('the back-office may cancel a reservation (with a reason); operators may not', async () => {
    const voucherId = await forwarded('contoso');
    expect(
      (await req('POST', `/v1/engagements/${voucherId}/reservation`, { as: 'contoso', body: reservationBody() }))
        .status,
    ).toBe(200);
    expect((await req('DELETE', `/v1/engagements/${voucherId}/reservation`, { as: 'operator' })).status).toBe(403);
    expect((await req('DELETE', `/v1/engagements/${voucherId}/reservation`, { as: 'fabrikam' })).status).toBe(404);
    const res = await req('DELETE', `/v1/engagements/${voucherId}/reservation`, {
      as: 'backoffice',
      body: { reason: 'customer asked' },
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('FORWARDED');
  });

  it('refuses by the program rules (422), naming each', async () => {
    const voucherId = await forwarded('contoso');
    const wrongCountry = await req('POST', `/v1/engagements/${voucherId}/reservation`, {
      as: 'contoso',
      body: reservationBody({ locationId: 'LOC-DE' }),
    });
    expect(wrongCountry.status).toBe(422);
    expect(wrongCountry.body.type).toBe(`${PROBLEM_BASE}location-country-mismatch`);
    const past = await req('POST', `/v1/engagements/${voucherId}/reservation`, {
      as: 'contoso',
      body: reservationBody({ startDate: addDays(today(), -2), endDate: addDays(today(), 5) }),
    });
    expect(past.status).toBe(422);
    expect(codes(past)).toContain('START_DATE_IN_PAST');
    const several = await req('POST', `/v1/engagements/${voucherId}/reservation`, {
      as: 'contoso',
      body: reservationBody({ consultantId: 'C-404', endDate: addDays(today(), 8) }),
    });
    expect(several.status).toBe(422);
    expect(codes(several)).toEqual(expect.arrayContaining(['CONSULTANT_UNKNOWN', 'RESERVED_SPAN_TOO_SHORT']));
  });

  it('refuses malformed bodies (400) and the wrong roles (403)', async () => {
    const voucherId = await forwarded('contoso');
    const bad = await req('POST', `/v1/engagements/${voucherId}/reservation`, {
      as: 'contoso',
      body: { ...reservationBody(), startDate: 'tomorrow' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual(['startDate']);
    expect(
      (
        await req('PATCH', `/v1/engagements/${voucherId}/reservation`, {
          as: 'contoso',
          body: { startDate: today(), endDate: today(), note: 1 },
        })
      ).status,
    ).toBe(400);
    for (const who of ['backoffice', 'operator']) {
      expect(
        (await req('POST', `/v1/engagements/${voucherId}/reservation`, { as: who, body: reservationBody() })).status,
      ).toBe(403);
      expect(
        (
          await req('PATCH', `/v1/engagements/${voucherId}/reservation`, {
            as: who,
            body: { startDate: today(), endDate: today() },
          })
        ).status,
      ).toBe(403);
    }
    expect(
      (
        await req('PATCH', `/v1/engagements/${voucherId}/reservation`, {
          as: 'contoso',
          body: { startDate: today(), endDate: today() },
        })
      ).status,
    ).toBe(409);
  });
});

describe('PATCH /v1/engagements/{voucherId}/reservation: the date rules', () => {
  /** A 5-day engagement assigned `ageDays` ago, reserved by contoso from `startIn` days on; its last valid date. */
  async function reserved(ageDays: number, startIn: number) {
    const voucherId = await forwarded('contoso', {
      assignedAt: new Date(Date.now() - ageDays * 86_400_000).toISOString(),
    });
    const start = addDays(today(), startIn);
    const res = await req('POST', `/v1/engagements/${voucherId}/reservation`, {
      as: 'contoso',
      body: reservationBody({ startDate: start, endDate: addDays(start, 4) }),
    });
    expect(res.status).toBe(200);
    // The server's clock and expiry decide the last valid date.
    const lastValid = res.body.deadlines.lastValidDate as string;
    return { voucherId, reservation: res.body.reservation as { startDate: string; endDate: string }, lastValid };
  }

  const change = (voucherId: string, startDate: string, endDate: string) =>
    req('PATCH', `/v1/engagements/${voucherId}/reservation`, { as: 'contoso', body: { startDate, endDate } });

  function refusedBy(res: Awaited<ReturnType<typeof change>>, status: number, code: string, fields?: string[]) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.type).toBe(`${PROBLEM_BASE}${code.toLowerCase().replace(/_/g, '-')}`);
    expect(codes(res)).toEqual([code]);
    if (fields) expect(res.body.fields).toEqual(fields);
  }

  it('refuses a start in the past, an end before the start, and dates after expiry (422 naming the rule)', async () => {
    // Assigned 170 days ago: the voucher is valid for about 10 more days.
    const { voucherId, reservation, lastValid } = await reserved(170, 1);
    const t = today();
    refusedBy(await change(voucherId, addDays(t, -1), addDays(t, 4)), 422, 'START_DATE_IN_PAST', ['startDate']);
    refusedBy(await change(voucherId, addDays(t, 6), addDays(t, 2)), 422, 'END_BEFORE_START', ['endDate']);
    refusedBy(await change(voucherId, addDays(lastValid, 1), addDays(lastValid, 5)), 422, 'DATES_AFTER_EXPIRY', [
      'startDate',
      'endDate',
    ]);
    refusedBy(await change(voucherId, addDays(lastValid, -3), addDays(lastValid, 1)), 422, 'DATES_AFTER_EXPIRY', [
      'endDate',
    ]);
    // Nothing of the refused changes was kept.
    const read = await req('GET', `/v1/engagements/${voucherId}`, { as: 'contoso' });
    expect(read.body.reservation).toEqual(reservation);
    expect(read.body.history.map((e: { event: string }) => e.event)).not.toContain('reservationChanged');
  });

  it('accepts a valid change, up to the last valid date, and records it', async () => {
    const { voucherId, reservation, lastValid } = await reserved(170, 1);
    const start = addDays(lastValid, -4);
    const changed = await change(voucherId, start, lastValid);
    expect(changed.status).toBe(200);
    expect(changed.body.status).toBe('RESERVED');
    // Ending on the last valid day: accepted, with the warning that redemption must come before the expiry instant.
    expect(changed.body.reservation).toEqual({
      ...reservation,
      startDate: start,
      endDate: lastValid,
      warnings: [expect.objectContaining({ code: 'REDEEM_BEFORE_EXPIRY', fields: ['endDate'] })],
    });
    const read = await req('GET', `/v1/engagements/${voucherId}`, { as: 'contoso' });
    expect(read.body.reservation).toEqual(changed.body.reservation);
    expect(read.body.history.map((e: { event: string }) => e.event)).toContain('reservationChanged');
  });

  it('refuses any change once the engagement started (409 ENGAGEMENT_STARTED)', async () => {
    // Starts today: the engagement has started, so its dates are fixed.
    const voucherId = await forwarded('contoso', { days: 1 });
    const t = today();
    const res = await req('POST', `/v1/engagements/${voucherId}/reservation`, {
      as: 'contoso',
      body: reservationBody({ startDate: t, endDate: t }),
    });
    expect(res.status).toBe(200);
    refusedBy(await change(voucherId, addDays(t, 2), addDays(t, 2)), 409, 'ENGAGEMENT_STARTED');
    const read = await req('GET', `/v1/engagements/${voucherId}`, { as: 'contoso' });
    expect(read.body.reservation).toEqual(expect.objectContaining({ startDate: t, endDate: t }));
  });
});

describe('completion report, redemption, invoice retry, cancellation', () => {
  it('are refused in the wrong status (409)', async () => {
    const voucherId = await forwarded('contoso');
    const report = await req('POST', `/v1/engagements/${voucherId}/completion-report`, {
      as: 'contoso',
      body: reportBody(),
    });
    expect(report.status).toBe(409);
    expect(codes(report)).toEqual(['NOT_ALLOWED_IN_STATUS']);
    expect((await req('POST', `/v1/engagements/${voucherId}/redemption`, { as: 'contoso' })).status).toBe(409);
    expect((await req('POST', `/v1/engagements/${voucherId}/redemption`, { as: 'contoso', body: {} })).status).toBe(
      409,
    );
    expect((await req('POST', `/v1/engagements/${voucherId}/invoice/retry`, { as: 'operator' })).status).toBe(409);
    expect(
      (await req('POST', `/v1/engagements/${voucherId}/invoice/retry`, { as: 'contoso', body: { note: 'fixed' } }))
        .status,
    ).toBe(409);
  });

  it('a completion report is checked against the rules (422)', async () => {
    const voucherId = await forwarded('contoso', { days: 1 });
    const t = today();
    expect(
      (
        await req('POST', `/v1/engagements/${voucherId}/reservation`, {
          as: 'contoso',
          body: reservationBody({ startDate: t, endDate: t }),
        })
      ).status,
    ).toBe(200);
    const res = await req('POST', `/v1/engagements/${voucherId}/completion-report`, {
      as: 'contoso',
      body: reportBody(t, { deliverables: [reportBody().deliverables[0]], onSiteDays: 0, offSiteDays: 1 }),
    });
    expect(res.status).toBe(422);
    expect(codes(res)).toContain('DELIVERABLE_MISSING');
    const future = await req('POST', `/v1/engagements/${voucherId}/completion-report`, {
      as: 'contoso',
      body: reportBody(addDays(t, 1)),
    });
    expect(future.status).toBe(422);
    expect(codes(future)).toContain('DELIVERY_IN_FUTURE');
    const bad = await req('POST', `/v1/engagements/${voucherId}/completion-report`, {
      as: 'contoso',
      body: { ...reportBody(t), onSiteDays: -1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual(['onSiteDays']);
  });

  it('who may send them', async () => {
    const voucherId = await forwarded('contoso');
    for (const who of ['backoffice', 'operator']) {
      expect(
        (await req('POST', `/v1/engagements/${voucherId}/completion-report`, { as: who, body: reportBody() })).status,
      ).toBe(403);
      expect((await req('POST', `/v1/engagements/${voucherId}/redemption`, { as: who })).status).toBe(403);
    }
    expect((await req('POST', `/v1/engagements/${voucherId}/invoice/retry`, { as: 'backoffice' })).status).toBe(403);
    for (const path of ['completion-report', 'redemption', 'invoice/retry']) {
      expect(
        (
          await req('POST', `/v1/engagements/${voucherId}/${path}`, {
            as: 'fabrikam',
            body: path === 'completion-report' ? reportBody() : {},
          })
        ).status,
      ).toBe(404);
      expect((await req('POST', `/v1/engagements/${voucherId}/${path}`, { body: {} })).status).toBe(401);
    }
  });

  it('the back-office cancels with a reason: CANCELLED, days back to the pool; then nothing more (409)', async () => {
    const voucherId = await forwarded('contoso');
    expect(
      (await req('POST', `/v1/engagements/${voucherId}/cancellation`, { as: 'backoffice', body: {} })).status,
    ).toBe(400);
    expect(
      (await req('POST', `/v1/engagements/${voucherId}/cancellation`, { as: 'operator', body: { reason: 'x' } }))
        .status,
    ).toBe(403);
    expect(
      (await req('POST', `/v1/engagements/${voucherId}/cancellation`, { as: 'contoso', body: { reason: 'x' } })).status,
    ).toBe(403);
    const res = await req('POST', `/v1/engagements/${voucherId}/cancellation`, {
      as: 'backoffice',
      body: { reason: 'project stopped' },
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('CANCELLED');
    expect(res.body.daysDisposition).toEqual(
      expect.objectContaining({ outcome: 'RETURNED_TO_POOL', days: 5, reason: 'CANCELLED' }),
    );
    const after = await req('POST', `/v1/engagements/${voucherId}/reservation`, {
      as: 'contoso',
      body: reservationBody(),
    });
    expect(after.status).toBe(409);
    const again = await req('POST', `/v1/engagements/${voucherId}/cancellation`, {
      as: 'backoffice',
      body: { reason: 'again' },
    });
    expect(again.status).toBe(409);
    // The final state stays readable.
    const read = await req('GET', `/v1/engagements/${voucherId}`, { as: 'contoso' });
    expect(read.status).toBe(200);
    expect(read.body.status).toBe('CANCELLED');
  });
});

describe('every engagement route × every role', () => {
  type Expect = 'allowed' | 403 | 404;
  const routes: { method: string; path: string; body?: unknown; roles: Record<string, Expect> }[] = [
    {
      method: 'GET',
      path: '',
      roles: { backoffice: 'allowed', operator: 'allowed', contoso: 'allowed', fabrikam: 404 },
    },
    {
      method: 'POST',
      path: '/forwarding',
      body: { partnerId: 'contoso', projectManagerEmail: PM_EMAIL },
      roles: { backoffice: 403, operator: 403, contoso: 'allowed', fabrikam: 403 },
    },
    {
      method: 'POST',
      path: '/reservation',
      body: reservationBody(),
      roles: { backoffice: 403, operator: 403, contoso: 'allowed', fabrikam: 404 },
    },
    {
      method: 'PATCH',
      path: '/reservation',
      body: { startDate: addDays(today(), 3), endDate: addDays(today(), 9) },
      roles: { backoffice: 403, operator: 403, contoso: 'allowed', fabrikam: 404 },
    },
    {
      method: 'DELETE',
      path: '/reservation',
      roles: { backoffice: 'allowed', operator: 403, contoso: 'allowed', fabrikam: 404 },
    },
    {
      method: 'POST',
      path: '/completion-report',
      body: reportBody(),
      roles: { backoffice: 403, operator: 403, contoso: 'allowed', fabrikam: 404 },
    },
    {
      method: 'POST',
      path: '/redemption',
      body: {},
      roles: { backoffice: 403, operator: 403, contoso: 'allowed', fabrikam: 404 },
    },
    {
      method: 'POST',
      path: '/invoice/retry',
      body: {},
      roles: { backoffice: 403, operator: 'allowed', contoso: 'allowed', fabrikam: 404 },
    },
    {
      method: 'POST',
      path: '/cancellation',
      body: { reason: 'test' },
      roles: { backoffice: 'allowed', operator: 403, contoso: 403, fabrikam: 403 },
    },
  ];
  let voucherId: string;
  beforeAll(async () => {
    voucherId = await forwarded('contoso');
  });

  for (const route of routes) {
    for (const [who, expected] of Object.entries(route.roles)) {
      it(`${route.method} /v1/engagements/{voucherId}${route.path} as ${who}: ${expected}`, async () => {
        // The cancellation would end the engagement: the allowed case runs on a throw-away one.
        const target =
          route.path === '/cancellation' && expected === 'allowed' ? await forwarded('contoso') : voucherId;
        const res = await req(route.method, `/v1/engagements/${target}${route.path}`, { as: who, body: route.body });
        if (expected === 'allowed') {
          expect([401, 403, 404]).not.toContain(res.status);
          expect(res.status).toBeLessThan(500);
        } else {
          expect(res.status).toBe(expected);
        }
        expect((await req(route.method, `/v1/engagements/${target}${route.path}`, { body: route.body })).status).toBe(
          401,
        );
      });
    }
  }
});
