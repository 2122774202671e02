// The partner routes, the directory and the catalog over real HTTP, against a Temporal dev server
// running the real partner workflow.
import { PROBLEM_BASE } from '../../api/problems';
import { DevStack, eventually, http, startDevStack } from '../support/dev-stack';
import { profile, uniqueId } from './fixtures';

let stack: DevStack;
beforeAll(async () => {
  stack = await startDevStack({ partnerIds: ['contoso', 'fabrikam'] });
});
afterAll(async () => {
  await stack?.stop();
});

const req = (method: string, path: string, opts: Parameters<typeof http>[3] = {}) => http(stack, method, path, opts);

/** Creates a partner whose token exists (contoso / fabrikam) or any other ID, through the API. */
async function putPartner(partnerId: string, body = profile()) {
  const res = await req('PUT', `/v1/partners/${partnerId}`, { as: 'backoffice', body });
  expect([200, 201]).toContain(res.status);
  return res;
}

describe('PUT /v1/partners/{partnerId}', () => {
  it('creates (201) and then replaces (200) the profile', async () => {
    const id = uniqueId('P');
    const created = await req('PUT', `/v1/partners/${id}`, { as: 'backoffice', body: profile({ name: 'First name' }) });
    expect(created.status).toBe(201);
    expect(created.body.partnerId).toBe(id);
    expect(created.body.profile.name).toBe('First name');

    const replaced = await req('PUT', `/v1/partners/${id}`, {
      as: 'backoffice',
      body: profile({ name: 'Second name' }),
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.profile.name).toBe('Second name');

    const read = await req('GET', `/v1/partners/${id}`, { as: 'operator' });
    expect(read.status).toBe(200);
    expect(read.body.profile.name).toBe('Second name');
  });

  it('two concurrent creations of a new partner: one 201, one 200', async () => {
    const id = uniqueId('P');
    const [a, b] = await Promise.all([
      req('PUT', `/v1/partners/${id}`, { as: 'backoffice', body: profile() }),
      req('PUT', `/v1/partners/${id}`, { as: 'backoffice', body: profile() }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
  });

  it('is for the back-office only', async () => {
    const id = uniqueId('P');
    expect((await req('PUT', `/v1/partners/${id}`, { as: 'operator', body: profile() })).status).toBe(403);
    expect((await req('PUT', `/v1/partners/contoso`, { as: 'contoso', body: profile() })).status).toBe(403);
    const anonymous = await req('PUT', `/v1/partners/${id}`, { body: profile() });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('refuses a profile that does not match the schema, naming the fields', async () => {
    const res = await req('PUT', `/v1/partners/${uniqueId('P')}`, {
      as: 'backoffice',
      body: { ...profile(), locations: [{ locationId: 'L1', country: 'usa' }], extra: true },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.type).toBe(`${PROBLEM_BASE}validation-failed`);
    expect(res.body.fields).toEqual(expect.arrayContaining(['locations.0.country', 'extra']));
  });

  it('refuses a partner ID that is not an identifier', async () => {
    const res = await req('PUT', `/v1/partners/${encodeURIComponent('bad id!')}`, {
      as: 'backoffice',
      body: profile(),
    });
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual(['partnerId']);
  });
});

describe('GET /v1/partners/{partnerId} and /eligibility', () => {
  beforeAll(async () => {
    await putPartner('contoso');
    await putPartner('fabrikam', profile({ name: 'Fabrikam Partners' }));
  });

  it.each(['backoffice', 'operator', 'contoso'])('%s reads contoso', async (who) => {
    const res = await req('GET', '/v1/partners/contoso', { as: who });
    expect(res.status).toBe(200);
    expect(res.body.partnerId).toBe('contoso');
    expect(res.body.enrollments).toBeDefined();
    const matrix = await req('GET', '/v1/partners/contoso/eligibility', { as: who });
    expect(matrix.status).toBe(200);
    expect(matrix.body.partnerId).toBe('contoso');
    const row = matrix.body.rows.find((r: { engagementType: string }) => r.engagementType === 'DDPS-WINDOWS-OFFICE');
    expect(row).toBeDefined();
    expect(typeof row.eligible).toBe('boolean');
  });

  it('another partner gets 403, no token 401', async () => {
    expect((await req('GET', '/v1/partners/contoso', { as: 'fabrikam' })).status).toBe(403);
    expect((await req('GET', '/v1/partners/contoso/eligibility', { as: 'fabrikam' })).status).toBe(403);
    expect((await req('GET', '/v1/partners/contoso')).status).toBe(401);
    expect(
      (await req('GET', '/v1/partners/contoso', { headers: { authorization: 'Bearer not-a-known-token' } })).status,
    ).toBe(401);
  });

  it('an unknown partner is a 404', async () => {
    const res = await req('GET', `/v1/partners/${uniqueId('nobody')}`, { as: 'operator' });
    expect(res.status).toBe(404);
    expect(res.body.type).toBe(`${PROBLEM_BASE}partner-not-found`);
    expect((await req('GET', `/v1/partners/${uniqueId('nobody')}/eligibility`, { as: 'backoffice' })).status).toBe(404);
  });
});

describe('enrollments', () => {
  it('the partner itself enrolls (201); a second enrollment is refused by the rule (422)', async () => {
    const id = 'fabrikam';
    await putPartner(id, profile({ name: 'Fabrikam Partners' }));
    const first = await req('POST', `/v1/partners/${id}/enrollments`, { as: id, body: { offering: 'DDPS' } });
    // The suite's server is fresh: nothing enrolled this partner before.
    expect(first.status).toBe(201);
    expect(first.body.enrollments.DDPS.status).toBe('ACTIVE');
    const again = await req('POST', `/v1/partners/${id}/enrollments`, { as: 'backoffice', body: { offering: 'DDPS' } });
    expect(again.status).toBe(422);
    expect(again.body.type).toBe(`${PROBLEM_BASE}offering-already-enrolled`);
    expect(again.body.rules[0].code).toBe('OFFERING_ALREADY_ENROLLED');
  });

  it('needs a qualifying competency (422 naming the rule)', async () => {
    const id = uniqueId('P');
    await putPartner(id);
    const res = await req('POST', `/v1/partners/${id}/enrollments`, { as: 'backoffice', body: { offering: 'SSDPS' } });
    expect(res.status).toBe(422);
    expect(res.body.rules.map((r: { code: string }) => r.code)).toContain('ENROLLMENT_NO_QUALIFYING_COMPETENCY');
  });

  it('refuses an unknown offering (422), a bad body (400), other roles (403), unknown partners (404)', async () => {
    const id = uniqueId('P');
    await putPartner(id);
    const unknown = await req('POST', `/v1/partners/${id}/enrollments`, {
      as: 'backoffice',
      body: { offering: 'NOPE' },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.rules[0].code).toBe('OFFERING_UNKNOWN');
    expect(
      (await req('POST', `/v1/partners/${id}/enrollments`, { as: 'backoffice', body: { offering: 'DDPS', x: 1 } }))
        .status,
    ).toBe(400);
    expect(
      (await req('POST', `/v1/partners/${id}/enrollments`, { as: 'operator', body: { offering: 'DDPS' } })).status,
    ).toBe(403);
    expect(
      (await req('POST', `/v1/partners/${id}/enrollments`, { as: 'contoso', body: { offering: 'DDPS' } })).status,
    ).toBe(403);
    expect(
      (
        await req('POST', `/v1/partners/${uniqueId('nobody')}/enrollments`, {
          as: 'backoffice',
          body: { offering: 'DDPS' },
        })
      ).status,
    ).toBe(404);
  });

  it('renewal before the window opens is refused (422); roles as for enrollment', async () => {
    const id = uniqueId('P');
    await putPartner(id);
    expect(
      (await req('POST', `/v1/partners/${id}/enrollments`, { as: 'backoffice', body: { offering: 'DDPS' } })).status,
    ).toBe(201);
    const early = await req('POST', `/v1/partners/${id}/enrollments/DDPS/renewal`, { as: 'backoffice' });
    expect(early.status).toBe(422);
    expect(early.body.rules[0].code).toBe('RENEWAL_WINDOW_NOT_OPEN');
    const none = await req('POST', `/v1/partners/${id}/enrollments/SDPS/renewal`, { as: 'backoffice', body: {} });
    expect(none.status).toBe(422);
    expect(none.body.rules[0].code).toBe('ENROLLMENT_NOT_ACTIVE');
    expect((await req('POST', `/v1/partners/${id}/enrollments/DDPS/renewal`, { as: 'operator' })).status).toBe(403);
    expect((await req('POST', `/v1/partners/${id}/enrollments/DDPS/renewal`, { as: 'contoso' })).status).toBe(403);
    expect((await req('POST', `/v1/partners/${id}/enrollments/DDPS/renewal`)).status).toBe(401);
    expect(
      (await req('POST', `/v1/partners/${uniqueId('nobody')}/enrollments/DDPS/renewal`, { as: 'backoffice' })).status,
    ).toBe(404);
  });
});

describe('GET /v1/directory', () => {
  it('lists partners enrolled in an offering with a location in a country, for every role', async () => {
    const inDe = uniqueId('P');
    const inFr = uniqueId('P');
    const notEnrolled = uniqueId('P');
    await putPartner(
      inDe,
      profile({ name: `Directory DE ${inDe}`, locations: [{ locationId: 'L-DE', country: 'DE' }] }),
    );
    await putPartner(
      inFr,
      profile({ name: `Directory FR ${inFr}`, locations: [{ locationId: 'L-FR', country: 'FR' }] }),
    );
    await putPartner(
      notEnrolled,
      profile({ name: `Directory none ${notEnrolled}`, locations: [{ locationId: 'L-DE', country: 'DE' }] }),
    );
    for (const id of [inDe, inFr]) {
      expect(
        (await req('POST', `/v1/partners/${id}/enrollments`, { as: 'backoffice', body: { offering: 'DDPS' } })).status,
      ).toBe(201);
    }
    const ids = (res: { body: { items: { partnerId: string }[] } }) => res.body.items.map((i) => i.partnerId);

    const de = await eventually(
      () => req('GET', '/v1/directory?offering=DDPS&country=DE', { as: 'contoso' }),
      (res) => res.status === 200 && ids(res).includes(inDe),
      { what: 'the new partner in the directory' },
    );
    expect(ids(de)).not.toContain(inFr);
    expect(ids(de)).not.toContain(notEnrolled);
    const entry = de.body.items.find((i: { partnerId: string }) => i.partnerId === inDe);
    expect(entry).toEqual(
      expect.objectContaining({ name: `Directory DE ${inDe}`, countries: ['DE'], offerings: ['DDPS'] }),
    );

    for (const who of ['backoffice', 'operator']) {
      const all = await req('GET', '/v1/directory?offering=DDPS', { as: who });
      expect(all.status).toBe(200);
      expect(ids(all)).toEqual(expect.arrayContaining([inDe, inFr]));
      expect(ids(all)).not.toContain(notEnrolled);
    }
    const byCountry = await req('GET', '/v1/directory?country=DE', { as: 'backoffice' });
    expect(ids(byCountry)).toEqual(expect.arrayContaining([inDe, notEnrolled]));
    expect(ids(byCountry)).not.toContain(inFr);
  });

  it('validates its filters and needs a token', async () => {
    const bad = await req('GET', '/v1/directory?country=Germany', { as: 'operator' });
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual(['country']);
    expect((await req('GET', '/v1/directory?colour=blue', { as: 'operator' })).status).toBe(400);
    expect((await req('GET', '/v1/directory')).status).toBe(401);
  });
});

describe('GET /v1/catalog', () => {
  it.each(['backoffice', 'operator', 'contoso'])('%s reads the catalog', async (who) => {
    const res = await req('GET', '/v1/catalog', { as: who });
    expect(res.status).toBe(200);
    const ddps = res.body.offerings.find((o: { code: string }) => o.code === 'DDPS');
    expect(ddps.engagementTypes[0]).toEqual({
      code: 'DDPS-WINDOWS-OFFICE',
      name: 'Windows and Office Deployment Planning',
      allowedDays: [1, 3, 5, 10, 15],
      qualifyingCompetencies: [{ area: 'Windows and Devices', minLevel: 'Silver' }],
    });
    expect(res.body.offerings.map((o: { code: string }) => o.code)).toEqual([
      'DDPS',
      'DYDPS',
      'PVDPS',
      'SDPS',
      'S-EDPS',
      'SSDPS',
    ]);
  });

  it('needs a token', async () => {
    expect((await req('GET', '/v1/catalog')).status).toBe(401);
  });
});
