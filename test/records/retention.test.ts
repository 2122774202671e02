// Records outlive Temporal's retention: an engagement walked to PAID through the API, its workflow
// then deleted as retention would delete it, is still answered over the API from the record store
// (same state, history and invoice), its voucher cannot be started again, and partners see only
// their own records.
import type { EngagementState } from '../../domain/engagement';
import { DevStack, eventually, http, startDevStack } from '../support/dev-stack';
import { deleteWorkflow, finished, setUpPartner, walkToRedeemed } from '../support/records-lifecycle';

let stack: DevStack;
const req = (method: string, path: string, opts: Parameters<typeof http>[3] = {}) => http(stack, method, path, opts);

beforeAll(async () => {
  stack = await startDevStack({ partnerIds: ['contoso', 'fabrikam'] });
  await setUpPartner(stack, 'contoso');
});
afterAll(async () => {
  await stack?.stop();
});

it('a paid engagement is answered from the record store after its workflow is deleted', async () => {
  const body = await walkToRedeemed(stack, 'contoso');
  const { voucherId } = body;
  const final = await finished(stack, voucherId);
  expect(final.status).toBe('PAID');

  await deleteWorkflow(stack, voucherId);

  // The same state as the workflow's last answer: status, invoice, every history entry, notifications.
  const read = await req('GET', `/v1/engagements/${voucherId}`, { as: 'backoffice' });
  expect(read.status).toBe(200);
  expect(read.body).toEqual(final);
  const state = read.body as EngagementState;
  expect(state.invoice).toEqual(
    expect.objectContaining({ savbStatus: 'PAID', amount: expect.any(Number), referenceNumber: expect.any(String) }),
  );
  expect(state.history.map((e) => e.event)).toEqual(
    expect.arrayContaining([
      'engagementStarted',
      'voucherForwarded',
      'voucherReserved',
      'completionReportSubmitted',
      'voucherRedeemed',
      'invoiceSubmitted',
      'savbStatusPAID',
    ]),
  );
  expect(state.notifications.map((n) => n.kind)).toContain('STATUS_PAID');

  // Every history entry is in the store once, in order.
  const entries = await stack.records.db.query<{ seq: number; event: string }>(
    'SELECT seq, event FROM engagement_history WHERE voucher_id = $1 ORDER BY seq',
    [voucherId],
  );
  expect(entries.rows).toEqual(final.history.map((e, seq) => ({ seq, event: e.event })));

  // The engagement's partner reads it; another partner learns nothing.
  expect((await req('GET', `/v1/engagements/${voucherId}`, { as: 'contoso' })).status).toBe(200);
  const other = await req('GET', `/v1/engagements/${voucherId}`, { as: 'fabrikam' });
  expect(other.status).toBe(404);
  expect(other.text).not.toContain('contoso');

  // The voucher cannot be started again: the same request answers with the recorded engagement (no
  // new workflow), any other request is a conflict.
  const again = await req('POST', '/v1/engagements', { as: 'backoffice', body });
  expect(again.status).toBe(200);
  expect(again.body.status).toBe('PAID');
  const conflict = await req('POST', '/v1/engagements', { as: 'backoffice', body: { ...body, days: 3 } });
  expect(conflict.status).toBe(409);
  expect(conflict.body.fields).toEqual(['days']);
  await expect(stack.client.workflow.getHandle(`engagement-${voucherId}`).describe()).rejects.toThrow();

  // Messages to it: the engagement has ended (409), to its partner; another partner gets a 404.
  const cancel = await req('POST', `/v1/engagements/${voucherId}/cancellation`, {
    as: 'backoffice',
    body: { reason: 'too late' },
  });
  expect(cancel.status).toBe(409);
  const redeemAgain = await req('POST', `/v1/engagements/${voucherId}/redemption`, { as: 'fabrikam' });
  expect(redeemAgain.status).toBe(404);

  // Closed engagements are listed from the store, to their partner only.
  const closed = await req('GET', '/v1/engagements?closed=true', { as: 'contoso' });
  expect(closed.status).toBe(200);
  expect(closed.body.items).toEqual([
    expect.objectContaining({ voucherId, status: 'PAID', partnerId: 'contoso', workflowStatus: 'Completed' }),
  ]);
  expect((await req('GET', '/v1/engagements?closed=true', { as: 'fabrikam' })).body.items).toEqual([]);
});

it("the partner's profile and enrollments are recorded", async () => {
  const partner = await eventually(
    () =>
      stack.records.db.query<{ name: string; offering: string; status: string }>(
        `SELECT p.name, e.offering, e.status FROM partners p JOIN partner_enrollments e USING (partner_id)
         WHERE partner_id = 'contoso'`,
      ),
    (result) => result.rows.length === 1,
    { what: "contoso's record" },
  );
  expect(partner.rows).toEqual([{ name: 'Contoso Consulting', offering: 'DDPS', status: 'ACTIVE' }]);
});
