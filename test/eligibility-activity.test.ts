// The eligibility and 15-day-slot activities, called directly with a real client against the
// time-skipping test server, reading a real partner workflow and a real agreement registry.
import { Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createEligibilityActivities } from '../activities/eligibility';
import { createRecordActivities } from '../activities/records';
import { createRecordDatabase, type RecordDatabase } from './support/record-db';
import { findEngagementType } from '../domain/catalog';
import { DAY_MS, dateOf } from '../domain/dates';
import type { FifteenDayClaim } from '../domain/rules/delivery';
import type { PartnerProfile } from '../domain/schemas';
import { temporalTestServerPath } from '../scripts/temporal-binaries';
import {
  TASK_QUEUE,
  agreementWorkflowId,
  enrollmentRequestedUpdate,
  fifteenDayClaimsQuery,
  partnerWorkflowId,
  profileReplacedUpdate,
} from '../workflows/messages';
import type { partnerWorkflow } from '../workflows/partner/workflow';

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let activities: ReturnType<typeof createEligibilityActivities>;
let records: RecordDatabase;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
  records = await createRecordDatabase();
  const notify = () => Promise.resolve({ delivered: true });
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowsPath: require.resolve('./support/partner-workflows-entry'),
    // The partner workflow's notification channel is not exercised here (no timer is reached).
    activities: { notifyPartner: notify, ...createRecordActivities({ records: records.db, notify }) },
  });
  running = worker.run();
  activities = createEligibilityActivities({ client: env.client });
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await records?.drop();
});

const profile: PartnerProfile = {
  name: 'Fabrikam',
  locations: [{ locationId: 'FR-1', country: 'FR' }],
  competencies: [{ area: 'Collaboration and Content', level: 'Silver', expiresAt: '2099-06-30' }],
  consultants: [
    {
      consultantId: 'C-1',
      name: 'Marie',
      exams: [{ code: 'MS-300', area: 'Collaboration and Content', passedAt: '2022-02-02' }],
    },
  ],
};

async function startPartner(partnerId: string) {
  return env.client.workflow.start<typeof partnerWorkflow>('partnerWorkflow', {
    workflowId: partnerWorkflowId(partnerId),
    taskQueue: TASK_QUEUE,
    args: [{ partnerId }],
  });
}

describe('checkEligibility', () => {
  test('an unknown partner is a refusal, not an error', async () => {
    const result = await activities.checkEligibility({
      partnerId: 'NOBODY',
      engagementType: 'SDPS-SHAREPOINT',
      atMs: await env.currentTimeMs(),
    });
    expect(result.snapshot).toBeUndefined();
    expect(result.refusals.map((r) => r.code)).toEqual(['PARTNER_UNKNOWN']);
  });

  test('a partner entity without a profile yet is unknown too', async () => {
    await startPartner('NO-PROFILE');
    const result = await activities.checkEligibility({
      partnerId: 'NO-PROFILE',
      engagementType: 'SDPS-SHAREPOINT',
      atMs: await env.currentTimeMs(),
    });
    expect(result.refusals.map((r) => r.code)).toEqual(['PARTNER_UNKNOWN']);
  });

  test('reads the partner entity and applies the rules at the given time and competency date', async () => {
    const handle = await startPartner('FABRIKAM');
    await handle.executeUpdate(profileReplacedUpdate, { args: [profile] });
    const state = await handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'SDPS' }] });
    const atMs = await env.currentTimeMs();

    const eligible = await activities.checkEligibility({
      partnerId: 'FABRIKAM',
      engagementType: 'SDPS-SHAREPOINT',
      atMs,
    });
    expect(eligible.refusals).toEqual([]);
    expect(eligible.snapshot).toEqual({ partnerId: 'FABRIKAM', profile, enrollments: state.enrollments });

    // Another type of the same offering: the competency and the consultant's exams do not qualify.
    const ppm = await activities.checkEligibility({ partnerId: 'FABRIKAM', engagementType: 'SDPS-PPM', atMs });
    expect(ppm.refusals.map((r) => r.code)).toEqual(['COMPETENCY_NOT_QUALIFYING', 'NO_QUALIFIED_CONSULTANT']);

    // The competency must still be valid on the engagement start.
    const late = await activities.checkEligibility({
      partnerId: 'FABRIKAM',
      engagementType: 'SDPS-SHAREPOINT',
      atMs,
      competencyDate: '2099-07-01',
    });
    expect(late.refusals.map((r) => r.code)).toEqual(['COMPETENCY_NOT_QUALIFYING']);

    // As of a time after the enrollment's lapse.
    const afterLapse = Date.parse(state.enrollments.SDPS.validUntil) + DAY_MS;
    const lapsed = await activities.checkEligibility({
      partnerId: 'FABRIKAM',
      engagementType: 'SDPS-SHAREPOINT',
      atMs: afterLapse,
      competencyDate: dateOf(afterLapse),
    });
    expect(lapsed.refusals.map((r) => r.code)).toEqual(['ENROLLMENT_NOT_ACTIVE']);

    const unknownType = await activities.checkEligibility({ partnerId: 'FABRIKAM', engagementType: 'NOPE', atMs });
    expect(unknownType.refusals.map((r) => r.code)).toEqual(['ENGAGEMENT_TYPE_UNKNOWN']);

    // The engagement's own catalog entry decides when it sends one (here: one the worker's catalog has not).
    const entry = { ...findEngagementType('SDPS-SHAREPOINT')!, code: 'SDPS-NEXT' };
    const fromEntry = await activities.checkEligibility({
      partnerId: 'FABRIKAM',
      engagementType: 'SDPS-NEXT',
      atMs,
      type: entry,
    });
    expect(fromEntry.refusals).toEqual([]);
    const stricter = { ...entry, qualifyingCompetencies: [{ area: 'Cloud CRM', minLevel: 'Gold' as const }] };
    const refused = await activities.checkEligibility({
      partnerId: 'FABRIKAM',
      engagementType: 'SDPS-SHAREPOINT',
      atMs,
      type: stricter,
    });
    expect(refused.refusals.map((r) => r.code)).toEqual(['COMPETENCY_NOT_QUALIFYING', 'NO_QUALIFIED_CONSULTANT']);
  });
});

/** Waits until the partner's record holds the enrollment and its history has stopped growing. */
async function recorded(handle: WorkflowHandle, offering: string): Promise<void> {
  let last = -1;
  for (let i = 0; i < 200; i += 1) {
    const row = await records.db.query<{ state: { enrollments: Record<string, unknown> } }>(
      'SELECT state FROM partners WHERE partner_id = $1',
      [handle.workflowId.replace(/^partner-/, '')],
    );
    const description = await handle.describe();
    const settled = !description.raw.pendingActivities?.length && description.historyLength === last;
    if (row.rows[0]?.state.enrollments[offering] && settled) return;
    last = description.historyLength;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the record of ${handle.workflowId} never settled`);
}

describe('partner reads', () => {
  test('a read is reused while the partner is unchanged, and a change is seen by the very next check', async () => {
    // A real client whose queries are counted, so the test sees when the partner workflow is asked.
    let queries = 0;
    const client = new Client({
      connection: env.connection,
      interceptors: { workflow: [{ query: (input, next) => ((queries += 1), next(input)) }] },
    });
    const checker = createEligibilityActivities({ client });
    const handle = await startPartner('NORTHWIND');
    await handle.executeUpdate(profileReplacedUpdate, { args: [profile] });
    await handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'SDPS' }] });
    const check = async () =>
      checker.checkEligibility({
        partnerId: 'NORTHWIND',
        engagementType: 'SDPS-SHAREPOINT',
        atMs: await env.currentTimeMs(),
      });

    // The partner's record write (activities/records.ts) extends its history too: let it land first.
    await recorded(handle, 'SDPS');
    for (let i = 0; i < 3; i += 1) expect((await check()).refusals).toEqual([]);
    expect(queries).toBe(1);

    // The only consultant is replaced by one without the exams: the next check knows it.
    await handle.executeUpdate(profileReplacedUpdate, {
      args: [{ ...profile, consultants: [{ consultantId: 'C-2', name: 'Jean', exams: [] }] }],
    });
    expect((await check()).refusals.map((r) => r.code)).toEqual(['NO_QUALIFIED_CONSULTANT']);
    expect(queries).toBe(2);
  });
});

describe('15-day slots', () => {
  const claim = (voucherId: string, extra: Partial<FifteenDayClaim> = {}): FifteenDayClaim => ({
    voucherId,
    agreementNumber: 'EA-1001',
    engagementType: 'SDPS-SHAREPOINT',
    division: 'Retail',
    ...extra,
  });
  const claimsOf = (agreementNumber: string) =>
    env.client.workflow.getHandle(agreementWorkflowId(agreementNumber)).query(fifteenDayClaimsQuery);

  test('the first claim starts the registry; a repeat is refused, another division accepted, a re-claim is idempotent', async () => {
    expect(await activities.claimFifteenDaySlot(claim('V-1'))).toEqual({});
    expect(await activities.claimFifteenDaySlot(claim('V-1'))).toEqual({});

    const repeat = await activities.claimFifteenDaySlot(claim('V-2'));
    expect(repeat.refusal).toMatchObject({ kind: 'RULE', code: 'REPEAT_FIFTEEN_DAY_ENGAGEMENT' });

    expect(await activities.claimFifteenDaySlot(claim('V-3', { division: 'Wholesale' }))).toEqual({});
    expect((await claimsOf('EA-1001')).map((c) => c.voucherId)).toEqual(['V-1', 'V-3']);
  });

  test('a release frees the slot; releasing on an agreement without a registry is a no-op', async () => {
    const c = (v: string) => claim(v, { agreementNumber: 'EA-2002' });
    expect(await activities.claimFifteenDaySlot(c('V-1'))).toEqual({});
    expect((await activities.claimFifteenDaySlot(c('V-2'))).refusal?.code).toBe('REPEAT_FIFTEEN_DAY_ENGAGEMENT');
    await activities.releaseFifteenDaySlot({ agreementNumber: 'EA-2002', voucherId: 'V-1' });
    expect(await activities.claimFifteenDaySlot(c('V-2'))).toEqual({});
    expect((await claimsOf('EA-2002')).map((x) => x.voucherId)).toEqual(['V-2']);

    await expect(
      activities.releaseFifteenDaySlot({ agreementNumber: 'EA-NEVER', voucherId: 'V-9' }),
    ).resolves.toBeUndefined();
  });

  test('a malformed claim fails without retry', async () => {
    const err = await activities
      .claimFifteenDaySlot(claim('not a voucher id', { agreementNumber: 'EA-3003' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).type).toBe('InvalidMessage');
  });
});
