// Engagement lifecycles over the API for the record store suites: a partner set up (profile,
// enrollment, SAVB registration), an engagement walked to PAID, and a finished workflow deleted
// the way Temporal's retention deletes it (the CLI's `temporal workflow delete`).
import { execFileSync } from 'node:child_process';
import type { EngagementState } from '../../domain/engagement';
import type { StartEngagementRequest } from '../../domain/schemas';
import { temporalCliPath } from '../../scripts/temporal-binaries';
import { engagementWorkflowId } from '../../workflows/messages';
import { PM_EMAIL, profile, reportBody, startBody, today } from '../api/fixtures';
import { type DevStack, eventually, http } from './dev-stack';

/** Profile, DDPS enrollment, and registration in SAVB (so the first invoice is accepted). */
export async function setUpPartner(stack: DevStack, partnerId: string): Promise<void> {
  const put = await http(stack, 'PUT', `/v1/partners/${partnerId}`, { as: 'backoffice', body: profile() });
  if (![200, 201].includes(put.status)) throw new Error(`profile: ${put.status} ${put.text}`);
  const enrolled = await http(stack, 'POST', `/v1/partners/${partnerId}/enrollments`, {
    as: 'backoffice',
    body: { offering: 'DDPS' },
  });
  if (![201, 409].includes(enrolled.status)) throw new Error(`enrollment: ${enrolled.status} ${enrolled.text}`);
  stack.savb!.register!(partnerId, 'DDPS');
}

async function step(
  stack: DevStack,
  method: string,
  path: string,
  as: string,
  body?: unknown,
): Promise<EngagementState> {
  const res = await http<EngagementState>(stack, method, path, { as, body });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
  return res.body;
}

/** Starts an engagement (one day, delivered today) and walks it to REDEEMED; returns its start body. */
export async function walkToRedeemed(
  stack: DevStack,
  partnerId: string,
  overrides: Partial<StartEngagementRequest> = {},
): Promise<StartEngagementRequest> {
  const body = startBody({ days: 1, ...overrides });
  const base = `/v1/engagements/${body.voucherId}`;
  await step(stack, 'POST', '/v1/engagements', 'backoffice', body);
  await step(stack, 'POST', `${base}/forwarding`, partnerId, { partnerId, projectManagerEmail: PM_EMAIL });
  const day = today();
  await step(stack, 'POST', `${base}/reservation`, partnerId, {
    locationId: 'LOC-US',
    consultantId: 'C-1',
    startDate: day,
    endDate: day,
    deliveryCountry: 'US',
  });
  await step(stack, 'POST', `${base}/completion-report`, partnerId, reportBody(day));
  await step(stack, 'POST', `${base}/redemption`, partnerId);
  return body;
}

/** Waits until the engagement's workflow has finished and returns its final state. */
export async function finished(stack: DevStack, voucherId: string): Promise<EngagementState> {
  const handle = stack.client.workflow.getHandle(engagementWorkflowId(voucherId));
  await handle.result();
  return handle.query<EngagementState>('engagementState');
}

/** Deletes the workflow execution as retention would, and waits until Temporal no longer has it. */
export async function deleteWorkflow(stack: DevStack, voucherId: string): Promise<void> {
  const workflowId = engagementWorkflowId(voucherId);
  execFileSync(
    temporalCliPath(),
    [
      'workflow',
      'delete',
      '--yes',
      '--workflow-id',
      workflowId,
      '--address',
      stack.env.address,
      '--namespace',
      stack.client.options.namespace,
    ],
    { stdio: 'pipe' },
  );
  await eventually(
    () =>
      stack.client.workflow
        .getHandle(workflowId)
        .describe()
        .then(
          () => 'present',
          (err: Error) => err.name,
        ),
    (outcome) => outcome === 'WorkflowNotFoundError',
    { what: `${workflowId} deleted`, timeoutMs: 120_000 },
  );
}
