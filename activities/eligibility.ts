// Activities that read or write the entities other workflows own: the partner entity (eligibility)
// and the customer agreement registry (the 15-day repeat rule). Both go through the Temporal client.
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { findEngagementType } from '../domain/catalog';
import { PartnerSnapshot, eligibilityRefusals } from '../domain/partner';
import { REFUSAL_FAILURE_TYPE, Refusal, Rule, ruleRefusal } from '../domain/refusals';
import type { FifteenDayClaim } from '../domain/rules/delivery';
import type { customerAgreementWorkflow } from '../workflows/agreement';
import {
  PartnerState,
  TASK_QUEUE,
  agreementWorkflowId,
  fifteenDayClaimUpdate,
  fifteenDayReleaseSignal,
  partnerStateQuery,
  partnerWorkflowId,
} from '../workflows/messages';
import type { EligibilityCheckInput, EligibilityCheckResult, EngagementActivities } from './types';

export interface EligibilityActivityDeps {
  client: Client;
  taskQueue?: string;
}

/** The partner's state, or undefined when there is no such partner (no workflow, or no profile yet). */
async function readPartner(client: Client, partnerId: string): Promise<PartnerState | undefined> {
  try {
    const state = await client.workflow.getHandle(partnerWorkflowId(partnerId)).query(partnerStateQuery);
    // An entity that never received a profile answers no state: not a partner yet.
    return state?.profile ? state : undefined;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err; // transient: retried
  }
}

export function createEligibilityActivities(
  deps: EligibilityActivityDeps,
): Pick<EngagementActivities, 'checkEligibility' | 'claimFifteenDaySlot' | 'releaseFifteenDaySlot'> {
  const { client } = deps;
  const taskQueue = deps.taskQueue ?? TASK_QUEUE;

  return {
    async checkEligibility(input: EligibilityCheckInput): Promise<EligibilityCheckResult> {
      const type = findEngagementType(input.engagementType);
      const state = await readPartner(client, input.partnerId);
      if (!state) return { refusals: [ruleRefusal(Rule.PARTNER_UNKNOWN, `partner ${input.partnerId} is not known`)] };
      const snapshot: PartnerSnapshot = { partnerId: state.partnerId, profile: state.profile, enrollments: state.enrollments };
      if (!type) {
        return { snapshot, refusals: [ruleRefusal(Rule.ENGAGEMENT_TYPE_UNKNOWN, `engagement type ${input.engagementType} is not in the catalog`)] };
      }
      // Applied as of the workflow's time, so a replayed or time-skipped engagement gets the same answer.
      return { snapshot, refusals: eligibilityRefusals(snapshot, type, input.atMs, input.competencyDate) };
    },

    async claimFifteenDaySlot(claim: FifteenDayClaim): Promise<{ refusal?: Refusal }> {
      const workflowId = agreementWorkflowId(claim.agreementNumber);
      try {
        await client.workflow.start<typeof customerAgreementWorkflow>('customerAgreementWorkflow', {
          workflowId,
          taskQueue,
          args: [{ agreementNumber: claim.agreementNumber }],
          staticSummary: `15-day engagement registry of customer agreement ${claim.agreementNumber}`,
        });
      } catch (err) {
        // The registry already runs: that is the usual case.
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      try {
        await client.workflow.getHandle(workflowId).executeUpdate(fifteenDayClaimUpdate, { args: [claim] });
        return {};
      } catch (err) {
        const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
        if (cause instanceof ApplicationFailure && cause.type === REFUSAL_FAILURE_TYPE.RULE) {
          return { refusal: cause.details?.[0] as Refusal };
        }
        if (cause instanceof ApplicationFailure) {
          // A malformed claim is a bug in the caller; retrying cannot fix it.
          throw ApplicationFailure.nonRetryable(cause.message, cause.type ?? 'InvalidMessage', ...(cause.details ?? []));
        }
        throw err; // transient: retried by the activity's retry policy
      }
    },

    async releaseFifteenDaySlot(input: { agreementNumber: string; voucherId: string }): Promise<void> {
      try {
        await client.workflow.getHandle(agreementWorkflowId(input.agreementNumber)).signal(fifteenDayReleaseSignal, { voucherId: input.voucherId });
      } catch (err) {
        // No registry for the agreement means nothing was ever claimed: nothing to release.
        if (err instanceof WorkflowNotFoundError) return;
        throw err;
      }
    },
  };
}
