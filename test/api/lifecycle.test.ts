// A whole engagement through HTTP only, as a back-office system and a partner would drive it:
// partner profile, enrollment, engagement start, forwarding, reservation, completion report,
// redemption, then the invoice to SAVB (the simulator) until the engagement is PAID.
import { readFileSync } from 'node:fs';
import { DevStack, eventually, http, startDevStack } from '../support/dev-stack';
import { PM_EMAIL, profile, reportBody, startBody, today } from './fixtures';

let stack: DevStack;
const req = (method: string, path: string, opts: Parameters<typeof http>[3] = {}) => http(stack, method, path, opts);

beforeAll(async () => {
  stack = await startDevStack({ partnerIds: ['contoso', 'fabrikam'] });
  if (!stack.savb) throw new Error('the lifecycle needs the SAVB simulator (savb-simulator/server.ts)');
});
afterAll(async () => {
  await stack?.stop();
});

it('an engagement goes from assignment to PAID through the API', async () => {
  // 1-3. The partner's profile, enrollment and eligibility.
  const put = await req('PUT', '/v1/partners/contoso', { as: 'backoffice', body: profile() });
  expect(put.status).toBe(201);
  const enrolled = await req('POST', '/v1/partners/contoso/enrollments', { as: 'contoso', body: { offering: 'DDPS' } });
  expect(enrolled.status).toBe(201);
  expect(enrolled.body.enrollments.DDPS.status).toBe('ACTIVE');
  const matrix = await req('GET', '/v1/partners/contoso/eligibility', { as: 'contoso' });
  expect(
    matrix.body.rows.find((r: { engagementType: string }) => r.engagementType === 'DDPS-WINDOWS-OFFICE').eligible,
  ).toBe(true);
  const directory = await req('GET', '/v1/directory?offering=DDPS&country=US', { as: 'backoffice' });
  expect(directory.body.items.map((i: { partnerId: string }) => i.partnerId)).toContain('contoso');

  // 4. The customer's voucher, assigned to its project manager (one day: deliverable today in real time).
  const body = startBody({ days: 1 });
  const voucherId = body.voucherId;
  const started = await req('POST', '/v1/engagements', { as: 'backoffice', body });
  expect(started.status).toBe(201);
  expect(started.body.status).toBe('ASSIGNED');

  // 5. The partner validates the voucher with the project manager's e-mail.
  const forwarded = await req('POST', `/v1/engagements/${voucherId}/forwarding`, {
    as: 'contoso',
    body: { partnerId: 'contoso', projectManagerEmail: PM_EMAIL },
  });
  expect(forwarded.status).toBe(200);
  expect(forwarded.body.status).toBe('FORWARDED');
  expect(forwarded.body.eligibility.eligible).toBe(true);

  // ... and reserves it, starting today.
  const day = today();
  const reserved = await req('POST', `/v1/engagements/${voucherId}/reservation`, {
    as: 'contoso',
    body: { locationId: 'LOC-US', consultantId: 'C-1', startDate: day, endDate: day, deliveryCountry: 'US' },
  });
  expect(reserved.status).toBe(200);
  expect(reserved.body.status).toBe('RESERVED');

  // 6. Delivered; the completion report with both deliverables.
  const reported = await req('POST', `/v1/engagements/${voucherId}/completion-report`, {
    as: 'contoso',
    body: reportBody(day),
  });
  expect(reported.status).toBe(200);
  expect(reported.body.status).toBe('REPORT_SUBMITTED');

  // 7. Redeemed (the body may be omitted).
  const redeemed = await req('POST', `/v1/engagements/${voucherId}/redemption`, { as: 'contoso' });
  expect(redeemed.status).toBe(200);
  expect(['REDEEMED', 'AWAITING_SAVB_REGISTRATION', 'INVOICE_SUBMITTED', 'PAID']).toContain(redeemed.body.status);

  // 8. The invoice. The partner's first DDPS invoice is refused until its global admin registers it
  //    in SAVB (which SAVB accepts now that it has seen a redeemed DDPS voucher); then the partner
  //    asks for a retry, and SAVB approves and pays.
  const waiting = await eventually(
    () => req('GET', `/v1/engagements/${voucherId}`, { as: 'contoso' }),
    (res) => ['AWAITING_SAVB_REGISTRATION', 'INVOICE_SUBMITTED', 'PAID'].includes(res.body?.status),
    { what: 'the invoice step', timeoutMs: 30_000 },
  );
  // The suite's server is fresh: contoso is not registered in SAVB yet.
  expect(waiting.body.status).toBe('AWAITING_SAVB_REGISTRATION');
  const registered = await fetch(`${stack.savb!.url}/registrations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ partnerId: 'contoso', offering: 'DDPS' }),
  });
  expect(registered.status).toBe(201);
  const retry = await req('POST', `/v1/engagements/${voucherId}/invoice/retry`, {
    as: 'contoso',
    body: { note: 'registered in SAVB' },
  });
  // The workflow also retries by itself at SAVB_REGISTRATION_RETRY_INTERVAL: it may have moved on.
  expect([200, 409]).toContain(retry.status);

  const paid = await eventually(
    () => req('GET', `/v1/engagements/${voucherId}`, { as: 'backoffice' }),
    (res) => res.body?.status === 'PAID' || res.body?.status === 'INVOICE_DENIED',
    { what: 'PAID', timeoutMs: 60_000, intervalMs: 250 },
  );
  expect(paid.body.status).toBe('PAID');
  expect(paid.body.invoice).toEqual(expect.objectContaining({ savbStatus: 'PAID', idempotencyKey: voucherId }));
  // SAVB holds one payment request for the voucher, the one the engagement names, paid: one day at
  // the US rate of config/rate-card.sample.json.
  const requests = await fetch(`${stack.savb!.url}/payment-requests?voucherId=${voucherId}`);
  const { items } = (await requests.json()) as { items: Array<Record<string, unknown>> };
  expect(items).toEqual([
    expect.objectContaining({
      referenceNumber: paid.body.invoice.referenceNumber,
      status: 'PAID',
      partnerId: 'contoso',
      country: 'US',
      days: 1,
      amount: 1000,
      currency: 'USD',
    }),
  ]);
  expect(paid.body.invoice.amount).toBe(1000);

  // The list shows it as paid, to the partner too.
  await eventually(
    () => req('GET', '/v1/engagements?status=PAID', { as: 'contoso' }),
    (res) => res.status === 200 && res.body.items.some((i: { voucherId: string }) => i.voucherId === voucherId),
    { what: 'the paid engagement in the list' },
  );
  // Nothing changes any more.
  expect(
    (await req('POST', `/v1/engagements/${voucherId}/cancellation`, { as: 'backoffice', body: { reason: 'too late' } }))
      .status,
  ).toBe(409);
  const history = paid.body.history.map((e: { event: string }) => e.event);
  expect(history).toEqual(
    expect.arrayContaining(['voucherForwarded', 'voucherReserved', 'completionReportSubmitted', 'voucherRedeemed']),
  );
});

/** The partner's first invoice of an offering waits for its SAVB registration; registers it and waits for PAID. */
async function registerAndWaitPaid(partnerId: string, voucherId: string) {
  await eventually(
    () => req('GET', `/v1/engagements/${voucherId}`, { as: partnerId }),
    (res) => res.body?.status === 'AWAITING_SAVB_REGISTRATION',
    { what: 'the invoice waiting for the SAVB registration', timeoutMs: 30_000 },
  );
  const registered = await fetch(`${stack.savb!.url}/registrations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ partnerId, offering: 'DDPS' }),
  });
  expect(registered.status).toBe(201);
  return eventually(
    () => req('GET', `/v1/engagements/${voucherId}`, { as: 'backoffice' }),
    (res) => ['PAID', 'INVOICE_DENIED', 'INVOICE_WINDOW_MISSED'].includes(res.body?.status),
    { what: 'PAID', timeoutMs: 60_000, intervalMs: 250 },
  );
}

it("an engagement delivered outside the customer's country is invoiced at the delivery country's rate", async () => {
  const card = JSON.parse(readFileSync(stack.config.RATE_CARD_PATH, 'utf8')) as {
    rates: Record<string, { currency: string; dailyRate: number }>;
  };
  // The rates differ, so an invoice at the customer's rate would show.
  expect(card.rates.DE).not.toEqual(card.rates.US);

  // fabrikam delivers from its German location for a US customer.
  expect((await req('PUT', '/v1/partners/fabrikam', { as: 'backoffice', body: profile() })).status).toBe(201);
  const enrolled = await req('POST', '/v1/partners/fabrikam/enrollments', {
    as: 'fabrikam',
    body: { offering: 'DDPS' },
  });
  expect(enrolled.status).toBe(201);
  const body = startBody({ days: 1 });
  expect(body.customer.country).toBe('US');
  const { voucherId } = body;
  expect((await req('POST', '/v1/engagements', { as: 'backoffice', body })).status).toBe(201);
  const forwarding = { partnerId: 'fabrikam', projectManagerEmail: PM_EMAIL };
  expect(
    (await req('POST', `/v1/engagements/${voucherId}/forwarding`, { as: 'fabrikam', body: forwarding })).status,
  ).toBe(200);
  const day = today();
  const reservation = {
    locationId: 'LOC-DE',
    consultantId: 'C-1',
    startDate: day,
    endDate: day,
    deliveryCountry: 'DE',
  };
  const reserved = await req('POST', `/v1/engagements/${voucherId}/reservation`, { as: 'fabrikam', body: reservation });
  expect(reserved.status).toBe(200);
  const reported = await req('POST', `/v1/engagements/${voucherId}/completion-report`, {
    as: 'fabrikam',
    body: reportBody(day),
  });
  expect(reported.status).toBe(200);
  expect((await req('POST', `/v1/engagements/${voucherId}/redemption`, { as: 'fabrikam' })).status).toBe(200);

  const paid = await registerAndWaitPaid('fabrikam', voucherId);
  expect(paid.body.status).toBe('PAID');
  const { currency, dailyRate } = card.rates.DE;
  expect(paid.body.invoice).toEqual(expect.objectContaining({ amount: dailyRate, currency }));

  // What SAVB was asked to pay: 1 day at the German rate, in its currency, for the German location.
  const answer = await fetch(`${stack.savb!.url}/payment-requests?voucherId=${voucherId}`);
  const { items } = (await answer.json()) as { items: Array<Record<string, unknown>> };
  expect(items).toEqual([
    expect.objectContaining({
      referenceNumber: paid.body.invoice.referenceNumber,
      partnerId: 'fabrikam',
      locationId: 'LOC-DE',
      country: 'DE',
      days: 1,
      amount: 1 * dailyRate,
      currency,
      status: 'PAID',
    }),
  ]);
});
