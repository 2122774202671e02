// The partner entity on the time-skipping test server: profile, enrollment and its refusals, the
// yearly timers (reminders 30 and 7 days before lapse, the lapse), renewal and its requirements, the
// catalog entry an enrollment is checked against, the eligibility matrix at the caller's time, and
// continue-as-new carrying the state.
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createEligibilityActivities } from '../activities/eligibility';
import { createNotificationActivities, webhookSigner } from '../activities/notify';
import { createRecordActivities } from '../activities/records';
import { createRecordDatabase, type RecordDatabase } from './support/record-db';
import type { PartnerActivities } from '../activities/types';
import { enrollmentMessage, readEligibility } from '../api/partners';
import { DEFAULT_TIMEOUTS } from '../api/temporal';
import { catalogOffering, catalogVersion } from '../domain/catalog';
import { DAY_MS, dateOf, toIso } from '../domain/dates';
import { enrollmentValidUntil, renewedValidUntil, type EligibilityMatrixRow } from '../domain/partner';
import type { Refusal } from '../domain/refusals';
import type { PartnerProfile } from '../domain/schemas';
import { temporalTestServerPath } from '../scripts/temporal-binaries';
import {
  PartnerState,
  TASK_QUEUE,
  eligibilityMatrixQuery,
  enrollmentRenewedUpdate,
  enrollmentRequestedUpdate,
  partnerStateQuery,
  partnerWorkflowId,
  profileReplacedUpdate,
} from '../workflows/messages';
import type { partnerWorkflow } from '../workflows/partner/workflow';

type Sent = Parameters<PartnerActivities['notifyPartner']>[0];

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let records: RecordDatabase;
// The real notification activity posts to a webhook; this one records what it receives (and checks
// the signature), and is down (503) for one partner.
const WEBHOOK_SECRET = 'test-webhook-secret';
let webhook: Server;
const sent: Sent[] = [];
let failNotificationsFor: string | undefined;

const profile = (overrides: Partial<PartnerProfile> = {}): PartnerProfile => ({
  name: 'Contoso Consulting',
  website: 'https://contoso.example',
  locations: [{ locationId: 'LOC-1', country: 'US' }],
  competencies: [{ area: 'Windows and Devices', level: 'Gold', expiresAt: '2099-12-31' }],
  consultants: [
    {
      consultantId: 'C-1',
      name: 'Ada',
      exams: [{ code: 'MD-100', area: 'Windows and Devices', passedAt: '2020-01-01' }],
    },
  ],
  ...overrides,
});

/** The Standard Webhooks check a receiver makes (signature and timestamp). */
function signedBy(secret: string, body: string, headers: Record<string, unknown>): boolean {
  try {
    webhookSigner(secret).verify(body, headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  webhook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const input = JSON.parse(body) as Sent;
      if (!signedBy(WEBHOOK_SECRET, body, req.headers)) {
        res.writeHead(401).end();
      } else if (input.partnerId === failNotificationsFor) {
        res.writeHead(503).end();
      } else {
        sent.push(input);
        res.writeHead(204).end();
      }
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  const webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
  records = await createRecordDatabase();
  const notifications = createNotificationActivities({ webhookUrl, webhookSecret: WEBHOOK_SECRET });
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowsPath: require.resolve('./support/partner-workflows-entry'),
    activities: {
      ...createEligibilityActivities({ client: env.client }),
      ...notifications,
      ...createRecordActivities({ records: records.db, notify: notifications.notify }),
    },
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await new Promise((resolve) => webhook?.close(resolve));
  await records?.drop();
});

let seq = 0;
async function startPartner(
  state?: PartnerState,
): Promise<{ partnerId: string; handle: WorkflowHandle<typeof partnerWorkflow> }> {
  const partnerId = state?.partnerId ?? `P-${++seq}-${Date.now()}`;
  const handle = await env.client.workflow.start<typeof partnerWorkflow>('partnerWorkflow', {
    workflowId: partnerWorkflowId(partnerId),
    taskQueue: TASK_QUEUE,
    args: [{ partnerId, state }],
  });
  return { partnerId, handle };
}

/** The failure an update was refused with. */
async function refusalOf(p: Promise<unknown>): Promise<{ type?: string; refusal: Refusal }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  const failure = cause as ApplicationFailure;
  return { type: failure.type ?? undefined, refusal: failure.details?.[0] as Refusal };
}

const sentTo = (partnerId: string) => sent.filter((s) => s.partnerId === partnerId);

const HOUR_MS = 60 * 60 * 1000;

/** Skips the test server's clock to a workflow time (the term is a calendar year, so times are computed, not counted in days). */
/** Waits (bounded) until the workflow has no activity in flight and no workflow task pending. */
async function waitForNoPendingActivity(handle: { describe(): Promise<{ raw: unknown }> }): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const raw = (await handle.describe()).raw as { pendingActivities?: unknown[]; pendingWorkflowTask?: unknown };
    if (!raw.pendingActivities?.length && !raw.pendingWorkflowTask) return;
    if (Date.now() > deadline) throw new Error('the partner workflow still has work in flight after 30 s');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function sleepUntil(ms: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (ms > now) await env.sleep(ms - now);
}

/** Timers fire at their workflow time; the task that handles them runs a few (real) milliseconds later. */
function expectAt(at: string, expectedMs: number): void {
  expect(Date.parse(at)).toBeGreaterThanOrEqual(expectedMs);
  expect(Date.parse(at)).toBeLessThan(expectedMs + 60_000);
}

// These two first, while few other partners run in this environment: with many entities running,
// their timers and record writes make the time-skipping server slow to skip days.
test("the eligibility matrix is computed at the caller's time: an idle partner's competency that expires between two reads", async () => {
  const { partnerId, handle } = await startPartner();
  const t0 = await env.currentTimeMs();
  await handle.executeUpdate(profileReplacedUpdate, {
    args: [
      profile({ competencies: [{ area: 'Windows and Devices', level: 'Gold', expiresAt: dateOf(t0 + 2 * DAY_MS) }] }),
    ],
  });
  await handle.executeUpdate(enrollmentRequestedUpdate, { args: [enrollmentMessage('DDPS', 'backoffice')] });
  const app = { client: env.client, timeouts: DEFAULT_TIMEOUTS };
  const windowsOffice = (rows: EligibilityMatrixRow[]) => rows.find((r) => r.engagementType === 'DDPS-WINDOWS-OFFICE');

  const before = await readEligibility(app, partnerId, await env.currentTimeMs());
  expect(windowsOffice(before.rows)).toMatchObject({ eligible: true, unmet: [] });

  // Five days later nothing has happened in the partner's workflow (its next timer is the 30-day reminder).
  await waitForNoPendingActivity(handle);
  const unchanged = (await handle.query(partnerStateQuery)).updatedAt;
  await sleepUntil(t0 + 5 * DAY_MS);
  expect((await handle.query(partnerStateQuery)).updatedAt).toBe(unchanged);

  const now = await env.currentTimeMs();
  const after = await readEligibility(app, partnerId, now);
  expect(windowsOffice(after.rows)?.eligible).toBe(false);
  expect(windowsOffice(after.rows)?.unmet.map((u) => u.code)).toEqual(['COMPETENCY_NOT_QUALIFYING']);
  // The query answers the same when given the caller's time; without one it can only use the
  // workflow's own time, which stood still at the enrollment.
  expect(windowsOffice(await handle.query(eligibilityMatrixQuery, now))?.eligible).toBe(false);
  expect(windowsOffice(await handle.query(eligibilityMatrixQuery))?.eligible).toBe(true);
});

describe('renewal re-checks the requirements', () => {
  test('a partner whose qualifying competency expired is refused the renewal (422, the rule named) until a valid one is in its profile', async () => {
    const { handle } = await startPartner();
    const t0 = await env.currentTimeMs();
    const expiring = profile({
      competencies: [{ area: 'Windows and Devices', level: 'Gold', expiresAt: dateOf(t0 + 200 * DAY_MS) }],
    });
    await handle.executeUpdate(profileReplacedUpdate, { args: [expiring] });
    const enrolled = await handle.executeUpdate(enrollmentRequestedUpdate, {
      args: [enrollmentMessage('DDPS', 'backoffice')],
    });
    await sleepUntil(Date.parse(enrolled.enrollments.DDPS.validUntil) - 85 * DAY_MS); // window open, competency expired

    const refused = await refusalOf(
      handle.executeUpdate(enrollmentRenewedUpdate, { args: [enrollmentMessage('DDPS', 'backoffice')] }),
    );
    expect(refused.type).toBe('RuleViolation');
    expect(refused.refusal.code).toBe('ENROLLMENT_NO_QUALIFYING_COMPETENCY');
    expect(refused.refusal.message).toContain('Windows and Devices (Silver+)');
    // A message without a catalog entry (an older client) is checked against the bundled catalog, the same way.
    expect(
      (await refusalOf(handle.executeUpdate(enrollmentRenewedUpdate, { args: [{ offering: 'DDPS' }] }))).refusal.code,
    ).toBe('ENROLLMENT_NO_QUALIFYING_COMPETENCY');
    expect((await handle.query(partnerStateQuery)).enrollments.DDPS).toEqual(enrolled.enrollments.DDPS);

    await handle.executeUpdate(profileReplacedUpdate, { args: [profile()] }); // renewed competency
    const renewed = await handle.executeUpdate(enrollmentRenewedUpdate, {
      args: [enrollmentMessage('DDPS', 'backoffice')],
    });
    expect(renewed.enrollments.DDPS.renewals).toHaveLength(1);
    expect(Date.parse(renewed.enrollments.DDPS.validUntil)).toBe(renewedValidUntil(enrolled.enrollments.DDPS));
  });
});

test('a profile is created and replaced through the update, and a malformed one is refused as invalid', async () => {
  const { handle } = await startPartner();
  const created = await handle.executeUpdate(profileReplacedUpdate, { args: [{ ...profile(), actor: 'backoffice' }] });
  expect(created.profile.name).toBe('Contoso Consulting');
  expect(created.enrollments).toEqual({});
  expect(created.createdAt).toBe(created.updatedAt);

  const replaced = await handle.executeUpdate(profileReplacedUpdate, { args: [profile({ name: 'Contoso Ltd' })] });
  expect(replaced.profile.name).toBe('Contoso Ltd');
  expect(replaced.createdAt).toBe(created.createdAt);
  expect((await handle.query(partnerStateQuery)).profile.name).toBe('Contoso Ltd');

  const bad = { ...profile(), name: '', unexpected: true } as unknown as PartnerProfile;
  const { type, refusal } = await refusalOf(handle.executeUpdate(profileReplacedUpdate, { args: [bad] }));
  expect(type).toBe('InvalidMessage');
  expect(refusal).toMatchObject({ kind: 'INVALID', code: 'INVALID_MESSAGE' });
  expect(refusal.fields).toContain('name');
  expect((await handle.query(partnerStateQuery)).profile.name).toBe('Contoso Ltd');
});

test('an update is answered only once the record store holds its change, so the store is never behind what was answered', async () => {
  const { partnerId, handle } = await startPartner();
  const recorded = async () => {
    const result = await records.db.query<{ state: PartnerState; holds_acknowledged: boolean }>(
      'SELECT state, holds_acknowledged FROM partners WHERE partner_id = $1',
      [partnerId],
    );
    return result.rows[0];
  };
  const created = await handle.executeUpdate(profileReplacedUpdate, { args: [profile()] });
  expect(await recorded()).toEqual({ state: created, holds_acknowledged: true });
  const enrolled = await handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'DDPS' }] });
  expect(await recorded()).toEqual({ state: enrolled, holds_acknowledged: true });
  const renamed = await handle.executeUpdate(profileReplacedUpdate, { args: [profile({ name: 'Contoso Ltd' })] });
  expect(await recorded()).toEqual({ state: renamed, holds_acknowledged: true });
});

test('a profile with a NUL character (which PostgreSQL text cannot hold) is still recorded, and the update answers', async () => {
  const { partnerId, handle } = await startPartner();
  const state = await handle.executeUpdate(profileReplacedUpdate, { args: [profile({ name: 'Contoso\u0000 Ltd' })] });
  expect(state.profile.name).toBe('Contoso\u0000 Ltd');
  const row = await records.db.query<{ name: string; holds_acknowledged: boolean }>(
    'SELECT name, holds_acknowledged FROM partners WHERE partner_id = $1',
    [partnerId],
  );
  expect(row.rows).toEqual([{ name: 'Contoso\ufffd Ltd', holds_acknowledged: true }]);
});

test('enrolling before a profile exists is refused as a state conflict, and the queries answer an unknown partner', async () => {
  const { handle } = await startPartner();
  const { type, refusal } = await refusalOf(
    handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'DDPS' }] }),
  );
  expect(type).toBe('StateConflict');
  expect(refusal.code).toBe('PARTNER_UNKNOWN');
  expect(await handle.query(partnerStateQuery)).toBeUndefined();
  const matrix = await handle.query(eligibilityMatrixQuery);
  expect(matrix.every((row) => !row.eligible && row.unmet.map((u) => u.code).join() === 'PARTNER_UNKNOWN')).toBe(true);
});

test('enrollment needs a qualifying competency; accepted, it lasts a year from acceptance', async () => {
  const { handle } = await startPartner();
  await handle.executeUpdate(profileReplacedUpdate, {
    args: [profile({ competencies: [{ area: 'Enterprise Resource Planning', level: 'Silver' }] })],
  });
  const refused = await refusalOf(
    handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'DDPS', actor: 'backoffice' }] }),
  );
  expect(refused.type).toBe('RuleViolation');
  expect(refused.refusal).toMatchObject({ kind: 'RULE', code: 'ENROLLMENT_NO_QUALIFYING_COMPETENCY' });

  const unknown = await refusalOf(handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'NOPE' }] }));
  expect(unknown.refusal.code).toBe('OFFERING_UNKNOWN');

  await handle.executeUpdate(profileReplacedUpdate, { args: [profile()] });
  const state = await handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'DDPS' }] });
  const ddps = state.enrollments.DDPS;
  expect(ddps).toMatchObject({ offering: 'DDPS', status: 'ACTIVE', renewals: [] });
  expect(Date.parse(ddps.validUntil) - Date.parse(ddps.acceptedAt)).toBe(
    enrollmentValidUntil(Date.parse(ddps.acceptedAt)) - Date.parse(ddps.acceptedAt),
  );

  const again = await refusalOf(handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'DDPS' }] }));
  expect(again.refusal.code).toBe('OFFERING_ALREADY_ENROLLED');
});

test('reminders 30 and 7 days before lapse are recorded and sent once each, at their time; the enrollment lapses after a year', async () => {
  const { partnerId, handle } = await startPartner();
  await handle.executeUpdate(profileReplacedUpdate, { args: [profile()] });
  const enrolled = await handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'DDPS' }] });
  const validUntilMs = Date.parse(enrolled.enrollments.DDPS.validUntil);

  await sleepUntil(validUntilMs - 31 * DAY_MS);
  expect((await handle.query(partnerStateQuery)).notifications).toEqual([]);

  await sleepUntil(validUntilMs - 30 * DAY_MS + HOUR_MS); // the 30-day reminder is due
  let state = await handle.query(partnerStateQuery);
  expect(state.notifications.map((n) => n.kind)).toEqual(['ENROLLMENT_REMINDER_30D']);
  expectAt(state.notifications[0].at, validUntilMs - 30 * DAY_MS);
  expect(sentTo(partnerId).map((s) => s.kind)).toEqual(['ENROLLMENT_REMINDER_30D']);
  expect(state.enrollments.DDPS.status).toBe('ACTIVE');

  await sleepUntil(validUntilMs - 7 * DAY_MS + HOUR_MS); // the 7-day reminder is due
  state = await handle.query(partnerStateQuery);
  expect(state.notifications.map((n) => n.kind)).toEqual(['ENROLLMENT_REMINDER_30D', 'ENROLLMENT_REMINDER_7D']);
  expectAt(state.notifications[0].at, validUntilMs - 30 * DAY_MS);
  expectAt(state.notifications[1].at, validUntilMs - 7 * DAY_MS);
  expect(state.enrollments.DDPS.status).toBe('ACTIVE');
  expect(
    (await handle.query(eligibilityMatrixQuery)).find((r) => r.engagementType === 'DDPS-WINDOWS-OFFICE')?.eligible,
  ).toBe(true);

  await sleepUntil(validUntilMs + HOUR_MS); // lapsed
  state = await handle.query(partnerStateQuery);
  expect(state.enrollments.DDPS.status).toBe('LAPSED');
  expect(state.notifications.map((n) => n.kind)).toEqual([
    'ENROLLMENT_REMINDER_30D',
    'ENROLLMENT_REMINDER_7D',
    'ENROLLMENT_LAPSED',
  ]);
  expectAt(state.notifications[2].at, validUntilMs);
  expect(sentTo(partnerId).map((s) => s.kind)).toEqual([
    'ENROLLMENT_REMINDER_30D',
    'ENROLLMENT_REMINDER_7D',
    'ENROLLMENT_LAPSED',
  ]);
  expect(state.notifications.every((n) => (n as { delivered?: boolean }).delivered === true)).toBe(true);
  const row = (await handle.query(eligibilityMatrixQuery)).find((r) => r.engagementType === 'DDPS-WINDOWS-OFFICE');
  expect(row?.eligible).toBe(false);
  expect(row?.unmet.map((u) => u.code)).toEqual(['ENROLLMENT_NOT_ACTIVE']);

  // A lapsed enrollment is not renewed but enrolled again, for a new year.
  expect(
    (await refusalOf(handle.executeUpdate(enrollmentRenewedUpdate, { args: [{ offering: 'DDPS' }] }))).refusal.code,
  ).toBe('ENROLLMENT_NOT_ACTIVE');
  const again = await handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'DDPS' }] });
  expect(again.enrollments.DDPS.status).toBe('ACTIVE');
});

test('renewal opens 90 days before lapse, extends the term by a year and reschedules the reminders and the lapse', async () => {
  const { partnerId, handle } = await startPartner();
  await handle.executeUpdate(profileReplacedUpdate, { args: [profile()] });
  const enrolled = await handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'DDPS' }] });
  const firstValidUntil = Date.parse(enrolled.enrollments.DDPS.validUntil);

  const early = await refusalOf(handle.executeUpdate(enrollmentRenewedUpdate, { args: [{ offering: 'DDPS' }] }));
  expect(early.type).toBe('RuleViolation');
  expect(early.refusal.code).toBe('RENEWAL_WINDOW_NOT_OPEN');
  const notEnrolled = await refusalOf(handle.executeUpdate(enrollmentRenewedUpdate, { args: [{ offering: 'SDPS' }] }));
  expect(notEnrolled.refusal.code).toBe('ENROLLMENT_NOT_ACTIVE');

  await sleepUntil(firstValidUntil - 85 * DAY_MS); // inside the window, which opened 90 days before lapse
  const renewed = await handle.executeUpdate(enrollmentRenewedUpdate, {
    args: [{ offering: 'DDPS', actor: `partner:${partnerId}` }],
  });
  expect(Date.parse(renewed.enrollments.DDPS.validUntil)).toBe(renewedValidUntil(enrolled.enrollments.DDPS));
  const newValidUntil = Date.parse(renewed.enrollments.DDPS.validUntil);
  expect(renewed.enrollments.DDPS.renewals).toHaveLength(1);
  expect(renewed.enrollments.DDPS.acceptedAt).toBe(enrolled.enrollments.DDPS.acceptedAt);

  // The first term's reminders and lapse no longer happen.
  await sleepUntil(firstValidUntil + 5 * DAY_MS);
  let state = await handle.query(partnerStateQuery);
  expect(state.enrollments.DDPS.status).toBe('ACTIVE');
  expect(state.notifications).toEqual([]);
  expect(sentTo(partnerId)).toEqual([]);

  // The new term's 30-day reminder comes 30 days before the new lapse (day 700).
  await sleepUntil(newValidUntil - 30 * DAY_MS + HOUR_MS);
  state = await handle.query(partnerStateQuery);
  expect(state.notifications.map((n) => n.kind)).toEqual(['ENROLLMENT_REMINDER_30D']);
  expectAt(state.notifications[0].at, newValidUntil - 30 * DAY_MS);
});

test('the eligibility matrix names the unmet requirements per engagement type', async () => {
  const { handle } = await startPartner();
  await handle.executeUpdate(profileReplacedUpdate, {
    args: [
      profile({
        competencies: [
          { area: 'Enterprise Resource Planning', level: 'Silver', expiresAt: '2099-12-31' }, // Gold needed
          { area: 'Datacenter', level: 'Gold', expiresAt: '2000-01-01' }, // expired
          { area: 'Messaging', level: 'Silver', expiresAt: '2099-12-31' },
        ],
        consultants: [
          {
            consultantId: 'C-9',
            name: 'Grace',
            exams: [{ code: 'MS-203', area: 'Messaging', passedAt: '2021-05-01' }],
          },
        ],
      }),
    ],
  });
  await handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'S-EDPS' }] });
  const matrix = await handle.query(eligibilityMatrixQuery);
  const row = (code: string) => {
    const r = matrix.find((m) => m.engagementType === code);
    if (!r) throw new Error(`no row ${code}`);
    return r;
  };
  const codes = (code: string) => row(code).unmet.map((u) => u.code);

  expect(row('S-EDPS-EXCHANGE')).toMatchObject({ offering: 'S-EDPS', eligible: true, unmet: [] });

  // Silver where Gold is needed; no consultant with an ERP exam; not enrolled.
  expect(codes('DYDPS-FO-UPGRADE')).toEqual([
    'ENROLLMENT_NOT_ACTIVE',
    'COMPETENCY_NOT_QUALIFYING',
    'NO_QUALIFIED_CONSULTANT',
  ]);
  expect(row('DYDPS-FO-UPGRADE').unmet[1].message).toContain('Enterprise Resource Planning (Gold+)');

  // An expired competency does not qualify.
  expect(codes('PVDPS-WINDOWS-SERVER')).toContain('COMPETENCY_NOT_QUALIFYING');

  // Enrolled in S-EDPS, but no Communications competency and no consultant with a Communications exam.
  expect(codes('S-EDPS-SKYPE')).toEqual(['COMPETENCY_NOT_QUALIFYING', 'NO_QUALIFIED_CONSULTANT']);
  expect(matrix).toHaveLength(12);
});

test('a notification that cannot be delivered is recorded as such and does not stop the entity', async () => {
  const { partnerId, handle } = await startPartner();
  failNotificationsFor = partnerId;
  try {
    await handle.executeUpdate(profileReplacedUpdate, { args: [profile()] });
    const enrolled = await handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'DDPS' }] });
    await sleepUntil(Date.parse(enrolled.enrollments.DDPS.validUntil) + HOUR_MS);
    const state = await handle.query(partnerStateQuery);
    expect(state.enrollments.DDPS.status).toBe('LAPSED');
    expect(state.notifications.map((n) => n.kind)).toEqual([
      'ENROLLMENT_REMINDER_30D',
      'ENROLLMENT_REMINDER_7D',
      'ENROLLMENT_LAPSED',
    ]);
    expect(state.notifications.every((n) => (n as { delivered?: boolean }).delivered === false)).toBe(true);
    expect((state.notifications[0] as { detail?: string }).detail).toContain('webhook answered 503');
  } finally {
    failNotificationsFor = undefined;
  }
});

test('a partner started with a carried state keeps it, and does not repeat a reminder already sent in the term', async () => {
  const nowMs = await env.currentTimeMs();
  const validUntilMs = nowMs + 25 * DAY_MS; // the 30-day reminder is past, the 7-day one to come
  const acceptedAtMs = validUntilMs - 365 * DAY_MS;
  const partnerId = `P-carried-${nowMs}`;
  const carried: PartnerState = {
    partnerId,
    profile: profile(),
    enrollments: {
      DDPS: {
        offering: 'DDPS',
        acceptedAt: toIso(acceptedAtMs),
        validUntil: toIso(validUntilMs),
        status: 'ACTIVE',
        renewals: [],
      },
    },
    notifications: [
      {
        kind: 'ENROLLMENT_REMINDER_30D',
        offering: 'DDPS',
        at: toIso(validUntilMs - 30 * DAY_MS),
        message: 'sent by the previous run',
      },
    ],
    createdAt: toIso(acceptedAtMs),
    updatedAt: toIso(acceptedAtMs),
  };
  const { handle } = await startPartner(carried);
  expect(await handle.query(partnerStateQuery)).toEqual(carried);

  await sleepUntil(validUntilMs - 7 * DAY_MS + HOUR_MS); // the 7-day reminder is due; the 30-day one is not sent again
  const state = await handle.query(partnerStateQuery);
  expect(state.notifications.map((n) => n.kind)).toEqual(['ENROLLMENT_REMINDER_30D', 'ENROLLMENT_REMINDER_7D']);
  expect(sentTo(partnerId).map((s) => s.kind)).toEqual(['ENROLLMENT_REMINDER_7D']);
});

test('the history stays bounded: after many updates the entity continues as new with its state', async () => {
  const { handle } = await startPartner();
  const firstRunId = (await handle.describe()).runId;
  await handle.executeUpdate(profileReplacedUpdate, { args: [profile()] });
  const enrolled = await handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'DDPS' }] });
  // Each update adds about ten events (its record write among them); 2000 events force a new run.
  for (let i = 0; i < 450; i++) {
    await handle.executeUpdate(profileReplacedUpdate, { args: [profile({ name: `Contoso ${i}` })] });
  }
  const description = await handle.describe();
  expect(description.runId).not.toBe(firstRunId);
  const state = await handle.query(partnerStateQuery);
  expect(state.profile.name).toBe('Contoso 449');
  expect(state.enrollments).toEqual(enrolled.enrollments);
  expect(state.createdAt).toBe(enrolled.createdAt);
});

describe('enrollment checks read the catalog entry sent with the message', () => {
  test('the entry decides, not the bundled catalog; its version is recorded on the enrollment', async () => {
    const { handle } = await startPartner();
    await handle.executeUpdate(profileReplacedUpdate, { args: [profile()] });
    const bundled = catalogOffering('DDPS');
    expect(bundled.version).toBe(catalogVersion());

    // An edited catalog where DDPS asks for another competency: refused, though the bundled one would accept.
    const edited = {
      version: 'catalog-edited',
      offering: {
        ...bundled.offering!,
        engagementTypes: bundled.offering!.engagementTypes.map((t) => ({
          ...t,
          qualifyingCompetencies: [{ area: 'Cloud CRM', minLevel: 'Gold' as const }],
        })),
      },
    };
    const refused = await refusalOf(
      handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'DDPS', catalog: edited }] }),
    );
    expect(refused.refusal.code).toBe('ENROLLMENT_NO_QUALIFYING_COMPETENCY');

    // An offering the sending catalog does not have is unknown, whatever the bundled catalog says.
    const absent = await refusalOf(
      handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'DDPS', catalog: { version: 'v-x' } }] }),
    );
    expect(absent.refusal.code).toBe('OFFERING_UNKNOWN');

    // A new offering the bundled catalog does not know yet is accepted from its entry.
    const added = { version: 'catalog-next', offering: { ...bundled.offering!, code: 'NEWPS', name: 'New' } };
    const state = await handle.executeUpdate(enrollmentRequestedUpdate, {
      args: [{ offering: 'NEWPS', catalog: added }],
    });
    expect(state.enrollments.NEWPS).toMatchObject({ status: 'ACTIVE', catalogVersion: 'catalog-next' });

    // An entry for another offering than the one asked for is a malformed message.
    const mismatch = await refusalOf(
      handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering: 'SDPS', catalog: added }] }),
    );
    expect(mismatch.type).toBe('InvalidMessage');
    expect(mismatch.refusal.fields).toEqual(['catalog.offering.code']);

    const enrolled = await handle.executeUpdate(enrollmentRequestedUpdate, {
      args: [enrollmentMessage('DDPS', 'backoffice')],
    });
    expect(enrolled.enrollments.DDPS.catalogVersion).toBe(catalogVersion());
  });
});
