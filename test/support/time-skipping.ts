// A time-skipping Temporal test server with the product's real worker (every workflow and activity)
// and a real SAVB simulator, for the workflow suites. Partners are created through the partner
// workflow's own updates, as the API does.
import { Client, WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRateCard } from '../../config/env';
import { engagementCatalogEntry } from '../../domain/catalog';
import { DAY_MS, addDays, dateOf, toIso } from '../../domain/dates';
import type { EngagementInput, EngagementState } from '../../domain/engagement';
import type { Refusal } from '../../domain/refusals';
import { isEnrollmentActive } from '../../domain/partner';
import type { CompletionReport, PartnerProfile, Reservation } from '../../domain/schemas';
import { SavbSimulator, startSavbSimulator } from '../../savb-simulator/server';
import { temporalTestServerPath } from '../../scripts/temporal-binaries';
import { createWorker, type CreateWorkerOptions } from '../../worker/worker';
import { CURRENT_CHANGE_LEVEL } from '../../workflows/engagement/change-level';
import { createRecordDatabase, type RecordDatabase } from './record-db';
import {
  TASK_QUEUE,
  engagementStateQuery,
  engagementWorkflowId,
  enrollmentRenewedUpdate,
  enrollmentRequestedUpdate,
  partnerStateQuery,
  partnerWorkflowId,
  profileReplacedUpdate,
} from '../../workflows/messages';

export interface TimeSkippingStack {
  env: TestWorkflowEnvironment;
  /**
   * A plain client: with it, workflow time moves only when a test says so (env.sleep). The
   * environment's own client skips time by itself while a result is awaited, and the test server
   * then jumps over pending activities to the next timer anywhere (another test's engagement, a
   * partner's lapse), which makes timings depend on what else is running.
   */
  client: Client;
  savb: SavbSimulator;
  /** The record database the worker writes. */
  records: RecordDatabase;
  worker: Worker;
  stop(): Promise<void>;
}

/** A webhook receiver for the worker's notifications; none by default (then nothing is sent). */
export interface TimeSkippingOptions {
  webhookUrl?: string;
  webhookSecret?: string;
  /** Passed to the worker (e.g. interceptors that hold an activity back, to inject a fault). */
  tuning?: CreateWorkerOptions['tuning'];
  /** Payload encryption for the worker and the stack's client (scripts/record-histories.ts --codec). */
  dataConverter?: DataConverter;
}

export async function startTimeSkippingStack(options: TimeSkippingOptions = {}): Promise<TimeSkippingStack> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
  // SAVB answers by its own (wall) clock; with no delays every poll sees the final status.
  const savb = await startSavbSimulator({ port: 0, approveAfterMs: 0, payAfterMs: 0 });
  const client = new Client({
    connection: env.connection,
    namespace: env.namespace,
    dataConverter: options.dataConverter,
  });
  const records = await createRecordDatabase();
  const worker = await createWorker({
    connection: env.nativeConnection,
    client: options.dataConverter ? client : env.client,
    config: {
      SAVB_URL: savb.url,
      SAVB_TIMEOUT_MS: 5_000,
      NOTIFY_WEBHOOK_URL: options.webhookUrl,
      NOTIFY_WEBHOOK_SECRET: options.webhookSecret,
    },
    rateCard: loadRateCard(join(__dirname, '..', '..', 'config', 'rate-card.sample.json')),
    dataConverter: options.dataConverter,
    records: records.db,
    tuning: options.tuning,
  });
  const running = worker.run();
  return {
    env,
    client,
    savb,
    records,
    worker,
    async stop() {
      worker.shutdown();
      await running;
      await savb.close();
      await records.drop();
      await env.teardown();
    },
  };
}

export const PM_EMAIL = 'pm@fabrikam.example';

export function partnerProfile(overrides: Partial<PartnerProfile> = {}): PartnerProfile {
  return {
    name: 'Contoso Consulting',
    locations: [
      { locationId: 'LOC-US', country: 'US' },
      { locationId: 'LOC-DE', country: 'DE' },
    ],
    competencies: [{ area: 'Windows and Devices', level: 'Gold', expiresAt: '2099-12-31' }],
    consultants: [
      {
        consultantId: 'C-1',
        name: 'Ada',
        exams: [{ code: 'MD-100', area: 'Windows and Devices', passedAt: '2020-01-01' }],
      },
      { consultantId: 'C-2', name: 'Bob', exams: [{ code: 'MS-900', area: 'Messaging', passedAt: '2020-01-01' }] },
    ],
    ...overrides,
  };
}

/**
 * Keeps a partner's enrollments active: time-skipping moves one clock for the whole suite, so a year
 * of workflow time passes quickly and enrollments lapse between tests.
 */
export async function keepEnrolled(stack: TimeSkippingStack, partnerId: string, offerings = ['DDPS']): Promise<void> {
  const { env } = stack;
  const handle = stack.client.workflow.getHandle(partnerWorkflowId(partnerId));
  const partner = await handle.query(partnerStateQuery);
  const nowMs = await env.currentTimeMs();
  for (const offering of offerings) {
    // Enough margin for the longest partner test (report + 60-day invoice window); inside it the renewal window (90 days) is open.
    if (isEnrollmentActive(partner.enrollments[offering], nowMs + 85 * DAY_MS)) continue;
    if (isEnrollmentActive(partner.enrollments[offering], nowMs)) {
      await handle.executeUpdate(enrollmentRenewedUpdate, { args: [{ offering, actor: 'backoffice' }] });
    } else {
      await handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering, actor: 'backoffice' }] });
    }
  }
}

/** Creates (or replaces) a partner and enrolls it in the offerings, through the partner workflow. */
export async function createPartner(
  stack: TimeSkippingStack,
  partnerId: string,
  offerings = ['DDPS'],
  profile = partnerProfile(),
): Promise<void> {
  const handle = await stack.client.workflow.start('partnerWorkflow', {
    taskQueue: TASK_QUEUE,
    workflowId: partnerWorkflowId(partnerId),
    args: [{ partnerId }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  await handle.executeUpdate(profileReplacedUpdate, { args: [{ ...profile, actor: 'backoffice' }] });
  for (const offering of offerings)
    await handle.executeUpdate(enrollmentRequestedUpdate, { args: [{ offering, actor: 'backoffice' }] });
}

let counter = 0;
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

/** An engagement's input as the API builds it: with the catalog entry of its type (unless given) and the change level. */
export function engagementInput(nowMs: number, overrides: Partial<EngagementInput> = {}): EngagementInput {
  const input = withoutCatalogEntry(nowMs, overrides);
  const entry = engagementCatalogEntry(input.engagementType);
  return entry && !('catalogEntry' in overrides) ? { ...input, catalogEntry: entry } : input;
}

function withoutCatalogEntry(nowMs: number, overrides: Partial<EngagementInput>): EngagementInput {
  return {
    voucherId: uniqueId('V'),
    offering: 'DDPS',
    engagementType: 'DDPS-WINDOWS-OFFICE',
    days: 5,
    assignedAt: toIso(nowMs),
    customer: {
      agreementNumber: uniqueId('AGR'),
      name: 'Fabrikam',
      country: 'US',
      projectManagerEmail: PM_EMAIL,
      enrollmentEndsAt: '2099-12-31',
    },
    settings: {
      savbPollInterval: '1 hour',
      registrationRetryInterval: '1 day',
      searchAttributes: false,
      changeLevel: CURRENT_CHANGE_LEVEL,
    },
    ...overrides,
  };
}

export async function startEngagement(stack: TimeSkippingStack, input: EngagementInput): Promise<WorkflowHandle> {
  return stack.client.workflow.start('engagementWorkflow', {
    taskQueue: TASK_QUEUE,
    workflowId: engagementWorkflowId(input.voucherId),
    args: [input],
  });
}

export function reservation(nowMs: number, overrides: Partial<Reservation> = {}): Reservation {
  const start = addDays(dateOf(nowMs), 7);
  return {
    locationId: 'LOC-US',
    consultantId: 'C-1',
    startDate: start,
    endDate: addDays(start, 6),
    deliveryCountry: 'US',
    ...overrides,
  };
}

export function report(
  res: Pick<Reservation, 'startDate'>,
  days = 5,
  overrides: Partial<CompletionReport> = {},
): CompletionReport {
  return {
    consultantId: 'C-1',
    deliveredFrom: res.startDate,
    deliveredTo: addDays(res.startDate, days - 1),
    onSiteDays: days - Math.min(2, days - 1),
    offSiteDays: Math.min(2, days - 1),
    deliverables: [
      {
        kind: 'COMPLETION_REPORT',
        title: 'Completion report',
        uri: 'https://files.example/report.pdf',
        sha256: 'a'.repeat(64),
      },
      {
        kind: 'CUSTOMER_PLANNING_DELIVERABLE',
        title: 'Vision and scope',
        uri: 'https://files.example/vision.pdf',
        sha256: 'b'.repeat(64),
      },
    ],
    ...overrides,
  };
}

/**
 * Moves workflow time forward in steps until the engagement reaches a status (bounded): activities
 * run in real time between the steps, so nothing is skipped over.
 */
export async function settle(
  stack: TimeSkippingStack,
  handle: WorkflowHandle,
  status: string,
  step = '1 hour',
  maxSteps = 500,
): Promise<EngagementState> {
  for (let i = 0; i < maxSteps; i++) {
    const state = await stateOf(handle);
    if (state.status === status) return state;
    await stack.env.sleep(step as never);
  }
  throw new Error(`engagement never reached ${status}; it is ${(await stateOf(handle)).status}`);
}

export const stateOf = (handle: WorkflowHandle): Promise<EngagementState> => handle.query(engagementStateQuery);

/** The refusal an update was rejected with: its failure type and the refusals it carries. */
export async function refusalOf(
  promise: Promise<unknown>,
): Promise<{ type: string; codes: string[]; refusals: Refusal[] }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      const refusals = (err.cause.details ?? []) as Refusal[];
      return { type: err.cause.type ?? '', codes: refusals.map((r) => r.code), refusals };
    }
    throw err;
  }
  throw new Error('expected the update to be refused, but it was accepted');
}

export { DAY_MS, addDays, dateOf, readFileSync };
