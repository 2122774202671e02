// What an operator sees of an engagement on a real (dev) Temporal server: the search attributes
// kept current as the engagement moves, the one-line summary, the current details,
// named timers and activities, and the visibility query an operator would type.
import { temporal } from '@temporalio/proto';
import type { EngagementInput } from '../domain/engagement';
import { TASK_QUEUE, engagementStateQuery, engagementWorkflowId } from '../workflows/messages';
import { SA } from '../workflows/search-attributes';
import { PM_EMAIL, profile, startBody } from './api/fixtures';
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

test('search attributes follow the engagement; summary, details, timers and activities are named', async () => {
  const body = startBody({ days: 5 });
  expect((await req('POST', '/v1/engagements', { as: 'backoffice', body })).status).toBe(201);
  const handle = stack.client.workflow.getHandle(engagementWorkflowId(body.voucherId));

  const started = await handle.describe();
  expect(started.typedSearchAttributes.get(SA.EngagementStatus)).toBe('ASSIGNED');
  expect(started.typedSearchAttributes.get(SA.VoucherId)).toBe(body.voucherId);
  expect(started.typedSearchAttributes.get(SA.EngagementDays)).toBe(5);
  expect(started.typedSearchAttributes.get(SA.CustomerAgreement)).toBe(body.customer.agreementNumber);
  expect(started.typedSearchAttributes.get(SA.VoucherExpiresAt)?.getTime()).toBe(
    Date.parse(body.assignedAt) + 180 * 86_400_000,
  );
  expect(await started.staticSummary()).toBe(`DDPS-WINDOWS-OFFICE · 5 days · voucher ${body.voucherId}`);

  await req('POST', `/v1/engagements/${body.voucherId}/forwarding`, {
    as: 'contoso',
    body: { partnerId: 'contoso', projectManagerEmail: PM_EMAIL },
  });
  const forwarded = await handle.describe();
  expect(forwarded.typedSearchAttributes.get(SA.EngagementStatus)).toBe('FORWARDED');
  expect(forwarded.typedSearchAttributes.get(SA.PartnerId)).toBe('contoso');

  // The current details the UI shows, from the workflow's metadata query.
  const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  expect(metadata.currentDetails).toContain('**FORWARDED**');
  expect(metadata.currentDetails).toContain('partner contoso');

  // Timers carry a summary the UI shows.
  const history = await handle.fetchHistory();
  const timerSummaries = (history.events ?? [])
    .filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_STARTED)
    .map((e) => e.userMetadata?.summary?.data && Buffer.from(e.userMetadata.summary.data).toString());
  expect(timerSummaries.join(' ')).toContain('voucher expiry reminder (30 days before)');
  const activitySummaries = (history.events ?? [])
    .filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    .map((e) => e.userMetadata?.summary?.data && Buffer.from(e.userMetadata.summary.data).toString());
  expect(activitySummaries.join(' ')).toContain('eligibility of contoso for DDPS-WINDOWS-OFFICE');

  // The API set them all at start, so the workflow's first upsert is the forwarding's; and it starts
  // engagements at the current change level, so no patch marker (nor the SDK's TemporalChangeVersion
  // upsert that goes with each) is written: every event here is one the engagement needs.
  const ofType = (type: temporal.api.enums.v1.EventType) => (history.events ?? []).filter((e) => e.eventType === type);
  const upserts = ofType(temporal.api.enums.v1.EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES);
  expect(
    upserts.map((e) => Object.keys(e.upsertWorkflowSearchAttributesEventAttributes!.searchAttributes!.indexedFields!)),
  ).toEqual([expect.arrayContaining(['EngagementStatus', 'PartnerId'])]);
  expect(ofType(temporal.api.enums.v1.EventType.EVENT_TYPE_MARKER_RECORDED)).toHaveLength(0);

  // The operator's query finds it (visibility is eventually consistent).
  const query = `EngagementStatus='FORWARDED' AND PartnerId='contoso' AND VoucherId='${body.voucherId}'`;
  const found = await eventually(
    async () => {
      const ids: string[] = [];
      for await (const wf of stack.client.workflow.list({ query })) ids.push(wf.workflowId);
      return ids;
    },
    (ids) => ids.length === 1,
    { what: 'the engagement in visibility' },
  );
  expect(found).toEqual([engagementWorkflowId(body.voucherId)]);
});

test('an engagement an operator starts without search attributes gets them from the workflow; the status follows', async () => {
  const body = startBody({ days: 3 });
  const input: EngagementInput = { ...body, settings: { searchAttributes: true } };
  const handle = await stack.client.workflow.start('engagementWorkflow', {
    workflowId: engagementWorkflowId(body.voucherId),
    taskQueue: TASK_QUEUE,
    args: [input],
  });
  await handle.query(engagementStateQuery); // answered after the first workflow task
  const started = await handle.describe();
  expect(started.typedSearchAttributes.get(SA.EngagementStatus)).toBe('ASSIGNED');
  expect(started.typedSearchAttributes.get(SA.VoucherId)).toBe(body.voucherId);
  expect(started.typedSearchAttributes.get(SA.Offering)).toBe(body.offering);
  expect(started.typedSearchAttributes.get(SA.EngagementDays)).toBe(3);
  expect(started.typedSearchAttributes.get(SA.VoucherExpiresAt)?.getTime()).toBe(
    Date.parse(body.assignedAt) + 180 * 86_400_000,
  );

  const forwarded = await req('POST', `/v1/engagements/${body.voucherId}/forwarding`, {
    as: 'contoso',
    body: { partnerId: 'contoso', projectManagerEmail: PM_EMAIL },
  });
  expect(forwarded.status).toBe(200);
  const after = await handle.describe();
  expect(after.typedSearchAttributes.get(SA.EngagementStatus)).toBe('FORWARDED');
  expect(after.typedSearchAttributes.get(SA.PartnerId)).toBe('contoso');
  expect(after.typedSearchAttributes.get(SA.CustomerCountry)).toBe(body.customer.country);

  // Without a change level the workflow asks patched(): the changes it met are marked, and listed in
  // the SDK's TemporalChangeVersion (as in every engagement started before the levels).
  const changes = after.searchAttributes.TemporalChangeVersion as string[] | undefined;
  expect(changes).toEqual(expect.arrayContaining(['record-store', 'notification-event-status']));
});
