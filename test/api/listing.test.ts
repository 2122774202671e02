// GET /v1/engagements: every filter, the partner's restriction to its own engagements, and
// pagination with opaque page tokens, against the dev server's visibility (eventually consistent:
// polled with a bounded loop).
import { DAY_MS } from '../../domain/dates';
import { PROBLEM_BASE } from '../../api/problems';
import { DevStack, eventually, http, startDevStack } from '../support/dev-stack';
import { PM_EMAIL, profile, startBody } from './fixtures';

let stack: DevStack;
const req = (method: string, path: string, opts: Parameters<typeof http>[3] = {}) => http(stack, method, path, opts);

interface Summary {
  voucherId: string;
  status: string;
  offering: string;
  engagementType: string;
  partnerId?: string;
  customerCountry: string;
  days: number;
  voucherExpiresAt: string;
  workflowStatus: string;
  startedAt: string;
}
const ids = (items: Summary[]) => items.map((i) => i.voucherId).sort();

/** One page, as `who`. */
async function page(query: string, who = 'operator') {
  const res = await req('GET', `/v1/engagements?${query}`, { as: who });
  expect(res.status).toBe(200);
  return res.body as { items: Summary[]; nextPageToken?: string };
}

/** Every item of a filtered list, following the page tokens. */
async function all(query: string, who = 'operator', pageSize = 100): Promise<{ items: Summary[]; pages: number }> {
  const items: Summary[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const body = await page(`${query}&pageSize=${pageSize}${token ? `&pageToken=${token}` : ''}`, who);
    items.push(...body.items);
    token = body.nextPageToken;
    pages += 1;
  } while (token && pages < 50);
  return { items, pages };
}

/** Polls the list until it holds exactly `expected` (visibility lags a little behind). */
async function listed(query: string, expected: string[], who = 'operator') {
  const result = await eventually(
    () => all(query, who),
    (r) => JSON.stringify(ids(r.items)) === JSON.stringify([...expected].sort()),
    {
      what: `GET /v1/engagements?${query} as ${who} to list ${expected.length} engagements`,
    },
  );
  return result.items;
}

// Five DDPS engagements in NZ, assigned 0..4 days ago; two S-EDPS ones in AU.
const nz: string[] = [];
const au: string[] = [];
const now = Date.now();

beforeAll(async () => {
  stack = await startDevStack({ partnerIds: ['contoso', 'fabrikam'], savb: false });
  for (const id of ['contoso', 'fabrikam']) {
    expect((await req('PUT', `/v1/partners/${id}`, { as: 'backoffice', body: profile({ name: id }) })).status).toBe(
      201,
    );
    expect(
      (await req('POST', `/v1/partners/${id}/enrollments`, { as: 'backoffice', body: { offering: 'DDPS' } })).status,
    ).toBe(201);
  }
  for (let k = 0; k < 5; k++) {
    const body = startBody({ assignedAt: new Date(now - k * DAY_MS).toISOString() });
    body.customer.country = 'NZ';
    expect((await req('POST', '/v1/engagements', { as: 'backoffice', body })).status).toBe(201);
    nz.push(body.voucherId);
  }
  for (let k = 0; k < 2; k++) {
    const body = startBody({ offering: 'S-EDPS', engagementType: 'S-EDPS-EXCHANGE', days: 3 });
    body.customer.country = 'AU';
    expect((await req('POST', '/v1/engagements', { as: 'backoffice', body })).status).toBe(201);
    au.push(body.voucherId);
  }
  // contoso takes NZ #0 and #1, fabrikam NZ #2.
  for (const [index, partnerId] of [
    [0, 'contoso'],
    [1, 'contoso'],
    [2, 'fabrikam'],
  ] as const) {
    const res = await req('POST', `/v1/engagements/${nz[index]}/forwarding`, {
      as: partnerId,
      body: { partnerId, projectManagerEmail: PM_EMAIL },
    });
    expect(res.status).toBe(200);
  }
});
afterAll(async () => {
  await stack?.stop();
});

describe('GET /v1/engagements', () => {
  it('lists by country, with a compact summary per engagement from the search attributes', async () => {
    const items = await listed('country=NZ', nz);
    const first = items.find((i) => i.voucherId === nz[0])!;
    expect(first).toEqual(
      expect.objectContaining({
        voucherId: nz[0],
        status: 'FORWARDED',
        offering: 'DDPS',
        engagementType: 'DDPS-WINDOWS-OFFICE',
        partnerId: 'contoso',
        customerCountry: 'NZ',
        days: 5,
        workflowStatus: 'Running',
      }),
    );
    expect(Date.parse(first.voucherExpiresAt)).toBeGreaterThan(now);
    expect(items.find((i) => i.voucherId === nz[4])!.partnerId).toBeUndefined();
  });

  it('filters by offering', async () => {
    await listed('offering=S-EDPS', au);
    await listed('offering=DDPS&country=AU', []);
  });

  it('filters by status', async () => {
    await listed('country=NZ&status=FORWARDED', nz.slice(0, 3));
    await listed('country=NZ&status=ASSIGNED', nz.slice(3));
    await listed('status=ASSIGNED&offering=S-EDPS', au);
  });

  it('filters by partner', async () => {
    await listed('partnerId=contoso', nz.slice(0, 2));
    await listed('partnerId=fabrikam&country=NZ', [nz[2]]);
  });

  it('filters by expiry (an instant or a date)', async () => {
    // NZ #3 and #4 were assigned 3 and 4 days ago, so they expire before 180 - 2.5 days from now.
    const before = new Date(now + 180 * DAY_MS - 2.5 * DAY_MS).toISOString();
    await listed(`country=NZ&expiresBefore=${encodeURIComponent(before)}`, nz.slice(3));
    const farFuture = new Date(now + 400 * DAY_MS).toISOString().slice(0, 10);
    await listed(`country=NZ&expiresBefore=${farFuture}`, nz);
    await listed('country=NZ&expiresBefore=2000-01-01', []);
  });

  it('a partner sees only its own engagements, whatever it asks for', async () => {
    await listed('country=NZ', nz.slice(0, 2), 'contoso');
    await listed('', [nz[2]], 'fabrikam');
    await listed('partnerId=fabrikam', [], 'contoso');
    await listed('offering=S-EDPS', [], 'contoso');
  });

  it('back-office and operators see all; no token is a 401', async () => {
    await listed('country=NZ', nz, 'backoffice');
    await listed('country=NZ', nz, 'operator');
    expect((await req('GET', '/v1/engagements')).status).toBe(401);
  });

  it('paginates: pageSize=2 over 5 engagements is 3 pages, no duplicates, nothing missed', async () => {
    await listed('country=NZ', nz);
    const first = await page('country=NZ&pageSize=2');
    expect(first.items).toHaveLength(2);
    expect(first.nextPageToken).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await page(`country=NZ&pageSize=2&pageToken=${first.nextPageToken}`);
    expect(second.items).toHaveLength(2);
    expect(second.nextPageToken).toBeDefined();
    const third = await page(`country=NZ&pageSize=2&pageToken=${second.nextPageToken}`);
    expect(third.items).toHaveLength(1);
    expect(third.nextPageToken).toBeUndefined();
    const seen = [...first.items, ...second.items, ...third.items].map((i) => i.voucherId);
    expect(new Set(seen).size).toBe(5);
    expect(seen.sort()).toEqual([...nz].sort());

    const walked = await all('country=NZ', 'operator', 2);
    expect(walked.pages).toBe(3);
    expect(ids(walked.items)).toEqual([...nz].sort());
  });

  it('refuses bad filters and page tokens (400)', async () => {
    for (const query of [
      'status=LOST',
      'pageSize=0',
      'pageSize=101',
      'pageSize=two',
      'country=nz',
      'expiresBefore=soon',
      'sort=asc',
      'pageToken=%21%21',
    ]) {
      const res = await req('GET', `/v1/engagements?${query}`, { as: 'operator' });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const forged = await req(
      'GET',
      `/v1/engagements?pageToken=${Buffer.from('not a token of this server').toString('base64url')}`,
      { as: 'operator' },
    );
    expect(forged.status).toBe(400);
    expect(forged.body.type).toBe(`${PROBLEM_BASE}invalid-page-token`);
    expect(forged.body.fields).toEqual(['pageToken']);
    // A real token with other filters (or another partner's view) is refused too.
    const first = await page('country=NZ&pageSize=2');
    const otherFilters = await req('GET', `/v1/engagements?country=AU&pageSize=2&pageToken=${first.nextPageToken}`, {
      as: 'operator',
    });
    expect(otherFilters.status).toBe(400);
    expect(otherFilters.body.type).toBe(`${PROBLEM_BASE}invalid-page-token`);
    const tampered = first.nextPageToken!.slice(0, -2) + (first.nextPageToken!.endsWith('AA') ? 'BB' : 'AA');
    expect(
      (await req('GET', `/v1/engagements?country=NZ&pageSize=2&pageToken=${tampered}`, { as: 'operator' })).status,
    ).toBe(400);
  });
});
