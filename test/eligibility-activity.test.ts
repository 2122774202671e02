// The eligibility and 15-day-slot activities, called directly with a real client against the
// time-skipping test server, reading a real partner workflow and a real agreement registry.
import { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createEligibilityActivities } from '../activities/eligibility';
import { createRecordActivities } from '../activities/records';
import { createRecordPool, type RecordDb } from '../records/pool';
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

describe('partner reads', () => {
  /** A checker whose client counts what it asks Temporal (describes and queries). */
  function countingChecker(deps: { records?: RecordDb } = {}) {
    const asked = { describes: 0, queries: 0 };
    const client = new Client({
      connection: env.connection,
      interceptors: {
        workflow: [
          {
            query: (input, next) => ((asked.queries += 1), next(input)),
            describe: (input, next) => ((asked.describes += 1), next(input)),
          },
        ],
      },
    });
    return { asked, checker: createEligibilityActivities({ client, ...deps }) };
  }
  const checkOf = (checker: ReturnType<typeof createEligibilityActivities>, partnerId: string) => async () =>
    checker.checkEligibility({ partnerId, engagementType: 'SDPS-SHAREPOINT', atMs: await env.currentTimeMs() });
  const codes = (result: { refusals: Array<{ code: string }> }) => result.refusals.map((r) => r.code);

  test('with the record store, an acknowledged change is read there by the very next check, without asking Temporal', async () => {
    const { asked, checker } = countingChecker({ records: records.db });
    const handle = await startPartner('CONTOSO');
    await handle.executeUpdate(profileReplacedUpdate, { args: [profile] });
    const check = checkOf(checker, 'CONTOSO');
    // Refused: no enrollment yet. No wait for the record: the update answered once it was written.
    expect(codes(await check())).toEqual(['ENROLLMENT_NOT_ACTIVE']);
    const state = await handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'SDPS' }] });
    const eligible = await check();
    expect(eligible.refusals).toEqual([]);
    expect(eligible.snapshot).toEqual({ partnerId: 'CONTOSO', profile, enrollments: state.enrollments });
    await handle.executeUpdate(profileReplacedUpdate, {
      args: [{ ...profile, consultants: [{ consultantId: 'C-2', name: 'Jean', exams: [] }] }],
    });
    expect(codes(await check())).toEqual(['NO_QUALIFIED_CONSULTANT']);
    expect(asked).toEqual({ describes: 0, queries: 0 });
  });

  test('a row not known to hold every acknowledged change (an older run wrote it) is not trusted: the workflow answers', async () => {
    const { asked, checker } = countingChecker({ records: records.db });
    const handle = await startPartner('ADVENTURE');
    await handle.executeUpdate(profileReplacedUpdate, { args: [profile] });
    await handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'SDPS' }] });
    // What a partner run from before the change leaves: a row behind the workflow, not marked current.
    await records.db.query(
      `UPDATE partners SET holds_acknowledged = false, state = jsonb_set(state, '{enrollments}', '{}') WHERE partner_id = $1`,
      ['ADVENTURE'],
    );
    expect((await checkOf(checker, 'ADVENTURE')()).refusals).toEqual([]);
    expect(asked).toEqual({ describes: 1, queries: 1 });
    // A partner the store has never seen is asked of Temporal too (and is unknown there).
    expect(codes(await checkOf(checker, 'NOBODY-YET')())).toEqual(['PARTNER_UNKNOWN']);
  });

  test('a record store that cannot answer sends the check to the workflow', async () => {
    const unreachable = createRecordPool('postgres://nobody@127.0.0.1:1/none');
    try {
      const { asked, checker } = countingChecker({ records: unreachable });
      const handle = await startPartner('LITWARE');
      await handle.executeUpdate(profileReplacedUpdate, { args: [profile] });
      await handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'SDPS' }] });
      expect((await checkOf(checker, 'LITWARE')()).refusals).toEqual([]);
      expect(asked).toEqual({ describes: 1, queries: 1 });
    } finally {
      await unreachable.end();
    }
  });

  test('without the record store, a read is reused while the partner is unchanged, and a change is seen by the very next check', async () => {
    const { asked, checker } = countingChecker();
    const handle = await startPartner('NORTHWIND');
    await handle.executeUpdate(profileReplacedUpdate, { args: [profile] });
    await handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'SDPS' }] });
    const check = checkOf(checker, 'NORTHWIND');
    for (let i = 0; i < 3; i += 1) expect((await check()).refusals).toEqual([]);
    expect(asked.queries).toBe(1);

    // The only consultant is replaced by one without the exams: the next check knows it.
    await handle.executeUpdate(profileReplacedUpdate, {
      args: [{ ...profile, consultants: [{ consultantId: 'C-2', name: 'Jean', exams: [] }] }],
    });
    expect(codes(await check())).toEqual(['NO_QUALIFIED_CONSULTANT']);
    expect(asked.queries).toBe(2);
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
