// The reports, from the record store, with exact figures for a known set of engagements: invoices,
// days per customer agreement, and open vouchers expiring; JSON and CSV agree, pages follow their
// tokens, a partner sees only its own expiring vouchers, and the OpenAPI document has them.
import { addDays, dateOf } from '../../domain/dates';
import { PM_EMAIL, startBody, uniqueId } from '../api/fixtures';
import { DevStack, eventually, http, startDevStack } from '../support/dev-stack';
import { finished, setUpPartner, walkToRedeemed } from '../support/records-lifecycle';

let stack: DevStack;
const req = (method: string, path: string, opts: Parameters<typeof http>[3] = {}) => http(stack, method, path, opts);
const today = () => dateOf(Date.now());

// Agreement A: a paid 1-day voucher (contoso), an open 3-day one, a 5-day one cancelled while the
// customer's enrollment is active (returned). Agreement B: a paid 1-day voucher (fabrikam), a
// 10-day one cancelled after the customer's enrollment ended (lost), a 5-day one forwarded to contoso.
const A = uniqueId('AGR-A');
const B = uniqueId('AGR-B');
const ids: Record<string, string> = {};

async function start(name: string, agreementNumber: string, days: number, enrollmentEndsAt = '2099-12-31') {
  const body = startBody({ days });
  body.customer = { ...body.customer, agreementNumber, enrollmentEndsAt };
  const res = await req('POST', '/v1/engagements', { as: 'backoffice', body });
  expect(res.status).toBe(201);
  ids[name] = body.voucherId;
  return body.voucherId;
}

async function cancel(voucherId: string) {
  const res = await req('POST', `/v1/engagements/${voucherId}/cancellation`, {
    as: 'backoffice',
    body: { reason: 'customer withdrew' },
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  stack = await startDevStack({ partnerIds: ['contoso', 'fabrikam'] });
  await setUpPartner(stack, 'contoso');
  await setUpPartner(stack, 'fabrikam');
  const paidA = await walkToRedeemed(stack, 'contoso', { customer: { ...startBody().customer, agreementNumber: A } });
  const paidB = await walkToRedeemed(stack, 'fabrikam', { customer: { ...startBody().customer, agreementNumber: B } });
  ids.paidA = paidA.voucherId;
  ids.paidB = paidB.voucherId;
  await start('openA', A, 3);
  await cancel(await start('returnedA', A, 5));
  await cancel(await start('lostB', B, 10, '2020-01-01'));
  const forwarded = await start('forwardedB', B, 5);
  const res = await req('POST', `/v1/engagements/${forwarded}/forwarding`, {
    as: 'contoso',
    body: { partnerId: 'contoso', projectManagerEmail: PM_EMAIL },
  });
  expect(res.status).toBe(200);
  await finished(stack, ids.paidA);
  await finished(stack, ids.paidB);
});
afterAll(async () => {
  await stack?.stop();
});

const EXPECTED_DAYS = [
  { agreementNumber: A, engagements: 3, assigned: 9, redeemed: 1, returned: 5, lost: 0, open: 3 },
  { agreementNumber: B, engagements: 3, assigned: 16, redeemed: 1, returned: 0, lost: 10, open: 5 },
];

/** CSV rows as objects (the figures here hold no commas or quotes). */
function parseCsv(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trim().split('\n');
  const columns = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [columns[i], value])));
}
const asCsvValues = (rows: object[]) =>
  rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? '' : String(v)])));

it('days per customer agreement: assigned, redeemed, returned, lost, open', async () => {
  const report = await eventually(
    () => req('GET', '/v1/reports/days', { as: 'operator' }),
    (res) => JSON.stringify(res.body?.items) === JSON.stringify(EXPECTED_DAYS),
    { what: 'the days report to reach the expected figures' },
  );
  expect(report.body).toEqual({ items: EXPECTED_DAYS });

  const csv = await req('GET', '/v1/reports/days', { as: 'backoffice', headers: { accept: 'text/csv' } });
  expect(csv.status).toBe(200);
  expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
  expect(csv.text.split('\n')[0]).toBe('agreementNumber,engagements,assigned,redeemed,returned,lost,open');
  expect(parseCsv(csv.text)).toEqual(asCsvValues(EXPECTED_DAYS));

  // One agreement per page: the token leads to the second, in JSON and in CSV.
  const first = await req('GET', '/v1/reports/days?pageSize=1', { as: 'backoffice' });
  expect(first.body.items).toEqual([EXPECTED_DAYS[0]]);
  const second = await req('GET', `/v1/reports/days?pageSize=1&pageToken=${first.body.nextPageToken}`, {
    as: 'backoffice',
  });
  expect(second.body).toEqual({ items: [EXPECTED_DAYS[1]] });
  const csvFirst = await req('GET', '/v1/reports/days?pageSize=1', {
    as: 'backoffice',
    headers: { accept: 'text/csv' },
  });
  const token = csvFirst.headers.get('x-next-page-token');
  expect(token).toBeTruthy();
  const csvSecond = await req('GET', `/v1/reports/days?pageSize=1&pageToken=${token}`, {
    as: 'backoffice',
    headers: { accept: 'text/csv' },
  });
  expect(parseCsv(csvSecond.text)).toEqual(asCsvValues([EXPECTED_DAYS[1]]));
  expect(csvSecond.headers.get('x-next-page-token')).toBeNull();
  // A token is bound to its filters.
  const tampered = await req('GET', `/v1/reports/days?pageSize=1&agreementNumber=${A}&pageToken=${token}`, {
    as: 'backoffice',
  });
  expect(tampered.status).toBe(400);

  // One agreement by its number; a number no agreement can have (a NUL: CI's hostile-input test found
  // it answered 503 from PostgreSQL) is a 400 naming the parameter.
  const one = await req('GET', `/v1/reports/days?agreementNumber=${A}`, { as: 'operator' });
  expect(one.body).toEqual({ items: EXPECTED_DAYS.filter((row) => row.agreementNumber === A) });
  const nul = await req('GET', '/v1/reports/days?agreementNumber=%00%00', { as: 'operator' });
  expect(nul.status).toBe(400);
  expect(nul.body.fields).toEqual(['agreementNumber']);
});

it('invoices by period, partner, offering and status', async () => {
  const all = await eventually(
    () => req('GET', '/v1/reports/invoices?status=PAID', { as: 'backoffice' }),
    (res) => res.body?.items?.length === 2,
    { what: 'two paid invoices' },
  );
  const row = (voucherId: string, partnerId: string) =>
    expect.objectContaining({
      voucherId,
      partnerId,
      offering: 'DDPS',
      referenceNumber: expect.any(String),
      amount: 1000,
      currency: 'USD',
      status: 'PAID',
      submittedAt: expect.stringMatching(new RegExp(`^${today()}T`)),
      paidAt: expect.stringMatching(new RegExp(`^${today()}T`)),
    });
  expect(all.body.items).toEqual([row(ids.paidA, 'contoso'), row(ids.paidB, 'fabrikam')]);

  const contoso = await req(
    'GET',
    `/v1/reports/invoices?partnerId=contoso&offering=DDPS&from=${today()}&to=${today()}`,
    {
      as: 'operator',
    },
  );
  expect(contoso.body.items).toEqual([row(ids.paidA, 'contoso')]);
  const tomorrow = addDays(today(), 1);
  expect((await req('GET', `/v1/reports/invoices?from=${tomorrow}`, { as: 'operator' })).body.items).toEqual([]);
  expect((await req('GET', '/v1/reports/invoices?status=DENIED', { as: 'operator' })).body.items).toEqual([]);

  const csv = await req('GET', '/v1/reports/invoices?status=PAID', { as: 'operator', headers: { accept: 'text/csv' } });
  expect(parseCsv(csv.text)).toEqual(asCsvValues(all.body.items));

  // The last day a date can name ends the period too (the day after it is past what PostgreSQL reads as ISO).
  const toTheEnd = await req('GET', '/v1/reports/invoices?status=PAID&to=9999-12-31', { as: 'operator' });
  expect(toTheEnd.body.items).toEqual(all.body.items);

  // Partners do not read the invoice report; a reversed period is a 400.
  expect((await req('GET', '/v1/reports/invoices', { as: 'contoso' })).status).toBe(403);
  const reversed = await req('GET', `/v1/reports/invoices?from=${tomorrow}&to=${today()}`, { as: 'operator' });
  expect(reversed.status).toBe(400);
});

it('open vouchers expiring in a period, by partner; a partner sees its own', async () => {
  const until = addDays(today(), 181);
  const report = await eventually(
    () => req('GET', `/v1/reports/expiring?from=${today()}&to=${until}`, { as: 'backoffice' }),
    (res) => res.body?.items?.length === 2 && res.body.items[0].partnerId === 'contoso',
    { what: 'two open vouchers, one forwarded' },
  );
  expect(report.body.items).toEqual([
    expect.objectContaining({ voucherId: ids.forwardedB, partnerId: 'contoso', status: 'FORWARDED', days: 5 }),
    expect.objectContaining({ voucherId: ids.openA, partnerId: null, status: 'ASSIGNED', days: 3, agreementNumber: A }),
  ]);
  const csv = await req('GET', `/v1/reports/expiring?from=${today()}&to=${until}`, {
    as: 'backoffice',
    headers: { accept: 'text/csv' },
  });
  expect(parseCsv(csv.text)).toEqual(asCsvValues(report.body.items));

  const own = await req('GET', `/v1/reports/expiring?from=${today()}&to=${until}`, { as: 'contoso' });
  expect(own.body.items.map((i: { voucherId: string }) => i.voucherId)).toEqual([ids.forwardedB]);
  expect((await req('GET', '/v1/reports/expiring', { as: 'fabrikam' })).body.items).toEqual([]);
  expect((await req('GET', '/v1/reports/expiring?partnerId=contoso', { as: 'fabrikam' })).body.items).toEqual([]);
  const toTheEnd = await req('GET', `/v1/reports/expiring?from=${today()}&to=9999-12-31`, { as: 'backoffice' });
  expect(toTheEnd.body.items).toEqual(report.body.items);
  // Nothing expires in the next few days.
  expect((await req('GET', `/v1/reports/expiring?to=${addDays(today(), 30)}`, { as: 'operator' })).body.items).toEqual(
    [],
  );
});

it('the reports are in the OpenAPI document, with CSV', async () => {
  const doc = (await req('GET', '/openapi.json')).body;
  for (const path of ['/v1/reports/invoices', '/v1/reports/days', '/v1/reports/expiring']) {
    expect(Object.keys(doc.paths[path].get.responses['200'].content)).toEqual(['application/json', 'text/csv']);
  }
});
