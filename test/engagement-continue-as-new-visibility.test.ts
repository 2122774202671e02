// Continue-as-new seen from outside on a real (dev) Temporal server: after the engagement starts a new
// run while waiting for SAVB registration, its search attributes, the API's state and an identical
// repeated start answer as before, and the engagement still ends PAID.
import type { EngagementInput } from '../domain/engagement';
import { TASK_QUEUE, engagementWorkflowId } from '../workflows/messages';
import { SA } from '../workflows/search-attributes';
import { PM_EMAIL, profile, reportBody, startBody, today } from './api/fixtures';
import { DevStack, eventually, http, startDevStack } from './support/dev-stack';

let stack: DevStack;
const req = (method: string, path: string, opts: Parameters<typeof http>[3] = {}) => http(stack, method, path, opts);

beforeAll(async () => {
  stack = await startDevStack({ partnerIds: ['contoso'] });
  await req('PUT', '/v1/partners/contoso', { as: 'backoffice', body: profile() });
  await req('POST', '/v1/partners/contoso/enrollments', { as: 'contoso', body: { offering: 'DDPS' } });
});
afterAll(async () => {
  await stack?.stop();
});

test('after continue-as-new the search attributes, the state and a repeated start are the same; then PAID', async () => {
  const body = startBody({ days: 1 });
  const voucherId = body.voucherId;
  // Started as an operator would, with short runs so a new one comes within seconds of re-tries.
  const input: EngagementInput = {
    ...body,
    settings: {
      searchAttributes: true,
      savbPollInterval: '1s',
      registrationRetryInterval: '1s',
      continueAsNewAfterEvents: 60,
    },
  };
  const handle = await stack.client.workflow.start('engagementWorkflow', {
    workflowId: engagementWorkflowId(voucherId),
    taskQueue: TASK_QUEUE,
    args: [input],
  });
  const firstRunId = handle.firstExecutionRunId;
  const day = today();
  const as = { as: 'contoso' };
  await req('POST', `/v1/engagements/${voucherId}/forwarding`, {
    ...as,
    body: { partnerId: 'contoso', projectManagerEmail: PM_EMAIL },
  });
  const steps = [
    ['reservation', { locationId: 'LOC-US', consultantId: 'C-1', startDate: day, endDate: day, deliveryCountry: 'US' }],
    ['completion-report', reportBody(day)],
    ['redemption', {}],
  ] as const;
  for (const [step, stepBody] of steps)
    expect((await req('POST', `/v1/engagements/${voucherId}/${step}`, { ...as, body: stepBody })).status).toBe(200);

  // contoso is not registered in SAVB: the engagement re-tries every second and soon runs anew.
  const described = await eventually(
    () => handle.describe(),
    (d) => d.runId !== firstRunId && d.typedSearchAttributes.get(SA.EngagementStatus) === 'AWAITING_SAVB_REGISTRATION',
    { what: 'a later run waiting for SAVB registration', timeoutMs: 60_000, intervalMs: 250 },
  );
  const first = await stack.client.workflow.getHandle(handle.workflowId, firstRunId).describe();
  expect(first.status.name).toBe('CONTINUED_AS_NEW');
  // Every search attribute but the status is what the first run showed (the status moved on).
  for (const key of Object.values(SA).filter((k) => k !== SA.EngagementStatus))
    expect([key.name, described.typedSearchAttributes.get(key)]).toEqual([
      key.name,
      first.typedSearchAttributes.get(key),
    ]);
  expect(described.typedSearchAttributes.get(SA.PartnerId)).toBe('contoso');
  expect(described.typedSearchAttributes.get(SA.VoucherId)).toBe(voucherId);

  // The API reads the same engagement from the new run, and a repeated identical start is still 200.
  const state = await req('GET', `/v1/engagements/${voucherId}`, { as: 'backoffice' });
  expect(state.status).toBe(200);
  expect(state.body.status).toBe('AWAITING_SAVB_REGISTRATION');
  expect(state.body.history.map((e: { event: string }) => e.event)).toEqual(
    expect.arrayContaining(['engagementStarted', 'voucherForwarded', 'voucherReserved', 'voucherRedeemed']),
  );
  expect(state.body.notifications.map((n: { kind: string }) => n.kind)).toContain('STATUS_ASSIGNED');
  const repeated = await req('POST', '/v1/engagements', { as: 'backoffice', body });
  expect(repeated.status).toBe(200);

  // Visibility lists the engagement once, by the status an operator would filter on.
  const query = `EngagementStatus='AWAITING_SAVB_REGISTRATION' AND VoucherId='${voucherId}' AND ExecutionStatus='Running'`;
  await eventually(
    async () => {
      const ids: string[] = [];
      for await (const wf of stack.client.workflow.list({ query })) ids.push(wf.workflowId);
      return ids;
    },
    (ids) => ids.length === 1,
    { what: 'the running engagement in visibility' },
  );

  await fetch(`${stack.savb!.url}/registrations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ partnerId: 'contoso', offering: 'DDPS' }),
  });
  const paid = await eventually(
    () => req('GET', `/v1/engagements/${voucherId}`, { as: 'backoffice' }),
    (res) => res.body?.status === 'PAID',
    { what: 'PAID', timeoutMs: 60_000, intervalMs: 250 },
  );
  expect(paid.body.invoice.savbStatus).toBe('PAID');
  expect((await handle.result()) as { status: string }).toMatchObject({ status: 'PAID' });
});
