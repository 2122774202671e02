// The customer agreement registry behind the 15-day repeat rule, on the time-skipping test server.
import { WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Refusal } from '../domain/refusals';
import type { FifteenDayClaim } from '../domain/rules/delivery';
import { temporalTestServerPath } from '../scripts/temporal-binaries';
import type { customerAgreementWorkflow } from '../workflows/agreement';
import {
  TASK_QUEUE,
  agreementWorkflowId,
  fifteenDayClaimUpdate,
  fifteenDayClaimsQuery,
  fifteenDayReleaseSignal,
} from '../workflows/messages';

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowsPath: require.resolve('./support/partner-workflows-entry'),
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

let seq = 0;
async function startAgreement(
  claims?: FifteenDayClaim[],
): Promise<{ agreementNumber: string; handle: WorkflowHandle<typeof customerAgreementWorkflow> }> {
  const agreementNumber = claims?.[0]?.agreementNumber ?? `AG-${++seq}-${Date.now()}`;
  const handle = await env.client.workflow.start<typeof customerAgreementWorkflow>('customerAgreementWorkflow', {
    workflowId: agreementWorkflowId(agreementNumber),
    taskQueue: TASK_QUEUE,
    args: [{ agreementNumber, claims }],
  });
  return { agreementNumber, handle };
}

async function refusalOf(p: Promise<unknown>): Promise<{ type?: string; refusal: Refusal }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause as ApplicationFailure;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return { type: cause.type ?? undefined, refusal: cause.details?.[0] as Refusal };
}

test('a second 15-day engagement of the same type, division and product scope is refused; another division is accepted', async () => {
  const { agreementNumber, handle } = await startAgreement();
  const first: FifteenDayClaim = {
    voucherId: 'V-1',
    agreementNumber,
    engagementType: 'SDPS-SHAREPOINT',
    division: 'Retail',
    productScope: 'SharePoint Online',
  };
  expect((await handle.executeUpdate(fifteenDayClaimUpdate, { args: [first] })).claims).toEqual([first]);

  // Division and scope are compared without regard to case and surrounding spaces.
  const repeat = { ...first, voucherId: 'V-2', division: ' retail ' };
  const { type, refusal } = await refusalOf(handle.executeUpdate(fifteenDayClaimUpdate, { args: [repeat] }));
  expect(type).toBe('RuleViolation');
  expect(refusal).toMatchObject({ kind: 'RULE', code: 'REPEAT_FIFTEEN_DAY_ENGAGEMENT' });
  expect(refusal.message).toContain('V-1');

  const otherDivision = { ...first, voucherId: 'V-3', division: 'Wholesale' };
  const otherScope = { ...first, voucherId: 'V-4', productScope: 'SharePoint Server' };
  const otherType = { ...first, voucherId: 'V-5', engagementType: 'SDPS-PPM' };
  for (const claim of [otherDivision, otherScope, otherType])
    await handle.executeUpdate(fifteenDayClaimUpdate, { args: [claim] });
  expect((await handle.query(fifteenDayClaimsQuery)).map((c) => c.voucherId)).toEqual(['V-1', 'V-3', 'V-4', 'V-5']);
});

test('a claim is idempotent per voucher: claiming again replaces the earlier claim', async () => {
  const { agreementNumber, handle } = await startAgreement();
  const claim: FifteenDayClaim = { voucherId: 'V-1', agreementNumber, engagementType: 'S-EDPS-EXCHANGE' };
  await handle.executeUpdate(fifteenDayClaimUpdate, { args: [claim] });
  await handle.executeUpdate(fifteenDayClaimUpdate, { args: [claim] });
  const changed = { ...claim, division: 'Europe' };
  expect((await handle.executeUpdate(fifteenDayClaimUpdate, { args: [changed] })).claims).toEqual([changed]);
});

test('a released claim frees the slot for another engagement', async () => {
  const { agreementNumber, handle } = await startAgreement();
  const claim: FifteenDayClaim = { voucherId: 'V-1', agreementNumber, engagementType: 'DDPS-WINDOWS-OFFICE' };
  const next = { ...claim, voucherId: 'V-2' };
  await handle.executeUpdate(fifteenDayClaimUpdate, { args: [claim] });
  expect((await refusalOf(handle.executeUpdate(fifteenDayClaimUpdate, { args: [next] }))).refusal.code).toBe(
    'REPEAT_FIFTEEN_DAY_ENGAGEMENT',
  );

  await handle.signal(fifteenDayReleaseSignal, { voucherId: 'V-1' });
  // The signal precedes the update in the workflow's history, so the update sees the slot free.
  expect((await handle.executeUpdate(fifteenDayClaimUpdate, { args: [next] })).claims).toEqual([next]);

  // A malformed release changes nothing.
  await handle.signal(fifteenDayReleaseSignal, { voucherId: '' });
  expect(await handle.query(fifteenDayClaimsQuery)).toEqual([next]);
});

test('a release with a token frees only the claim made with it: a late release leaves a newer claim of the voucher', async () => {
  const { agreementNumber, handle } = await startAgreement();
  const first: FifteenDayClaim = {
    voucherId: 'V-1',
    agreementNumber,
    engagementType: 'DDPS-WINDOWS-OFFICE',
    token: 'V-1#1',
  };
  const second = { ...first, token: 'V-1#2' };
  await handle.executeUpdate(fifteenDayClaimUpdate, { args: [first] });
  // The voucher reserved again before the first reservation's release arrived: its claim replaces the first.
  expect((await handle.executeUpdate(fifteenDayClaimUpdate, { args: [second] })).claims).toEqual([second]);
  await handle.signal(fifteenDayReleaseSignal, { voucherId: 'V-1', token: 'V-1#1' });
  const repeat = { ...first, voucherId: 'V-2', token: 'V-2#1' };
  expect((await refusalOf(handle.executeUpdate(fifteenDayClaimUpdate, { args: [repeat] }))).refusal.code).toBe(
    'REPEAT_FIFTEEN_DAY_ENGAGEMENT',
  );
  expect(await handle.query(fifteenDayClaimsQuery)).toEqual([second]);

  await handle.signal(fifteenDayReleaseSignal, { voucherId: 'V-1', token: 'V-1#2' });
  expect((await handle.executeUpdate(fifteenDayClaimUpdate, { args: [repeat] })).claims).toEqual([repeat]);
});

test("a release without a token (engagements that claimed before tokens) frees the voucher's claim, whatever its token", async () => {
  const { agreementNumber, handle } = await startAgreement();
  const claim: FifteenDayClaim = { voucherId: 'V-1', agreementNumber, engagementType: 'SDPS-PPM', token: 'V-1#3' };
  await handle.executeUpdate(fifteenDayClaimUpdate, { args: [claim] });
  await handle.signal(fifteenDayReleaseSignal, { voucherId: 'V-1' });
  expect(
    (
      await handle.executeUpdate(fifteenDayClaimUpdate, {
        args: [{ voucherId: 'V-2', agreementNumber, engagementType: 'SDPS-PPM' }],
      })
    ).claims,
  ).toEqual([{ voucherId: 'V-2', agreementNumber, engagementType: 'SDPS-PPM' }]);
  // A malformed token is refused like any malformed claim.
  const bad = await refusalOf(handle.executeUpdate(fifteenDayClaimUpdate, { args: [{ ...claim, token: 'V-1' }] }));
  expect(bad.refusal).toMatchObject({ code: 'INVALID_MESSAGE', fields: ['token'] });
});

test('a malformed claim, or one for another agreement, is refused as invalid', async () => {
  const { agreementNumber, handle } = await startAgreement();
  const bad = { voucherId: 'V 1', agreementNumber, engagementType: 'SDPS-PPM' };
  const invalid = await refusalOf(handle.executeUpdate(fifteenDayClaimUpdate, { args: [bad] }));
  expect(invalid.type).toBe('InvalidMessage');
  expect(invalid.refusal).toMatchObject({ kind: 'INVALID', code: 'INVALID_MESSAGE', fields: ['voucherId'] });

  const elsewhere = await refusalOf(
    handle.executeUpdate(fifteenDayClaimUpdate, {
      args: [{ voucherId: 'V-1', agreementNumber: 'OTHER', engagementType: 'SDPS-PPM' }],
    }),
  );
  expect(elsewhere.refusal.fields).toEqual(['agreementNumber']);
  expect(await handle.query(fifteenDayClaimsQuery)).toEqual([]);
});

test('claims carried into a new run (continue-as-new) still refuse a repeat', async () => {
  const agreementNumber = `AG-carried-${Date.now()}`;
  const carried: FifteenDayClaim[] = [
    { voucherId: 'V-1', agreementNumber, engagementType: 'PVDPS-WINDOWS-SERVER', productScope: 'Hyper-V' },
  ];
  const { handle } = await startAgreement(carried);
  expect(await handle.query(fifteenDayClaimsQuery)).toEqual(carried);
  const repeat = { ...carried[0], voucherId: 'V-2' };
  expect((await refusalOf(handle.executeUpdate(fifteenDayClaimUpdate, { args: [repeat] }))).refusal.code).toBe(
    'REPEAT_FIFTEEN_DAY_ENGAGEMENT',
  );
});

test('the registry continues as new when its history grows long, keeping its claims', async () => {
  const { agreementNumber, handle } = await startAgreement();
  const firstRunId = (await handle.describe()).runId;
  const kept: FifteenDayClaim = { voucherId: 'KEPT', agreementNumber, engagementType: 'SSDPS-DATA-ESTATE' };
  await handle.executeUpdate(fifteenDayClaimUpdate, { args: [kept] });
  // Claim and release the same voucher until the history passes the limit (about five events per update).
  for (let i = 0; i < 420; i++) {
    await handle.executeUpdate(fifteenDayClaimUpdate, {
      args: [{ voucherId: 'CHURN', agreementNumber, engagementType: 'SDPS-PPM', division: `D-${i}` }],
    });
  }
  expect((await handle.describe()).runId).not.toBe(firstRunId);
  const claims = await handle.query(fifteenDayClaimsQuery);
  expect(claims).toEqual([
    kept,
    { voucherId: 'CHURN', agreementNumber, engagementType: 'SDPS-PPM', division: 'D-419' },
  ]);
  const repeat = { ...kept, voucherId: 'V-NEW' };
  expect((await refusalOf(handle.executeUpdate(fifteenDayClaimUpdate, { args: [repeat] }))).refusal.code).toBe(
    'REPEAT_FIFTEEN_DAY_ENGAGEMENT',
  );
});
