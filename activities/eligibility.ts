// Activities that read or write the entities other workflows own: the partner entity (eligibility,
// read from the record store when its row is current, else from the workflow) and the customer
// agreement registry (the 15-day repeat rule, through the Temporal client).
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { LRUCache } from 'lru-cache';
import { findEngagementType } from '../domain/catalog';
import { deliveryRateRefusal } from '../domain/rules/invoice';
import type { RateCard } from '../domain/schemas';
import { PartnerSnapshot, eligibilityRefusals } from '../domain/partner';
import { REFUSAL_FAILURE_TYPE, Refusal, Rule, ruleRefusal } from '../domain/refusals';
import type { RecordDb } from '../records/pool';
import { readCurrentPartner } from '../records/read-partner';
import type { FifteenDayClaim, FifteenDayRelease } from '../domain/rules/delivery';
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
  /** The worker's rate card: a reservation's delivery country must have a rate. */
  rateCard?: RateCard;
  /** The record store: a partner's current row there answers without asking Temporal. */
  records?: RecordDb;
}

/** A partner's state as last read, and the version of its history it was read at. */
interface PartnerRead {
  version: string;
  state: PartnerState | undefined;
}

/**
 * The partner's state, or undefined when there is no such partner (no workflow, or no profile yet).
 *
 * A partner workflow's state changes only by events added to its history, so a state read at a
 * given run and history length is still current while those are unchanged. A describe answers that
 * from the server's record of the execution; the query costs a round trip through a worker. So the
 * query runs only when the history moved since the last read (describe first: a query answered
 * after it is at least that new, so a cached state is never older than its version says).
 */
async function readPartnerWorkflow(
  client: Client,
  partnerId: string,
  reads: LRUCache<string, PartnerRead>,
): Promise<PartnerState | undefined> {
  const handle = client.workflow.getHandle(partnerWorkflowId(partnerId));
  try {
    const execution = await handle.describe();
    // A server that does not report the history's length gets a query every time.
    const version = execution.historyLength > 0 ? `${execution.runId}/${execution.historyLength}` : undefined;
    const cached = version !== undefined ? reads.get(partnerId) : undefined;
    if (cached && cached.version === version) return cached.state;
    const queried = await handle.query(partnerStateQuery);
    // An entity that never received a profile answers no state: not a partner yet.
    const state = queried?.profile ? queried : undefined;
    if (version !== undefined) reads.set(partnerId, { version, state });
    return state;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err; // transient: retried
  }
}

/**
 * The partner's state from the record store when its row holds every acknowledged change (one
 * primary-key read), else from its workflow; a store that cannot answer just sends the read there.
 */
async function readPartner(
  deps: EligibilityActivityDeps,
  partnerId: string,
  reads: LRUCache<string, PartnerRead>,
): Promise<PartnerState | undefined> {
  if (deps.records) {
    const recorded = await readCurrentPartner(deps.records, partnerId).catch(() => undefined);
    if (recorded) return recorded;
  }
  return readPartnerWorkflow(deps.client, partnerId, reads);
}

/** Partners whose last read is kept (a partner's state is usually a few kB). */
const PARTNER_READS_KEPT = 1000;

export function createEligibilityActivities(
  deps: EligibilityActivityDeps,
): Pick<EngagementActivities, 'checkEligibility' | 'claimFifteenDaySlot' | 'releaseFifteenDaySlot'> {
  const { client } = deps;
  const partnerReads = new LRUCache<string, PartnerRead>({ max: PARTNER_READS_KEPT });
  const taskQueue = deps.taskQueue ?? TASK_QUEUE;

  return {
    async checkEligibility(input: EligibilityCheckInput): Promise<EligibilityCheckResult> {
      // The engagement's own catalog entry when it sent one: a catalog edit reaches only new engagements.
      const type = input.type ?? findEngagementType(input.engagementType);
      const state = await readPartner(deps, input.partnerId, partnerReads);
      if (!state) return { refusals: [ruleRefusal(Rule.PARTNER_UNKNOWN, `partner ${input.partnerId} is not known`)] };
      const snapshot: PartnerSnapshot = {
        partnerId: state.partnerId,
        profile: state.profile,
        enrollments: state.enrollments,
      };
      if (!type) {
        return {
          snapshot,
          refusals: [
            ruleRefusal(Rule.ENGAGEMENT_TYPE_UNKNOWN, `engagement type ${input.engagementType} is not in the catalog`),
          ],
        };
      }
      // Applied as of the workflow's time, so a replayed or time-skipped engagement gets the same answer.
      const refusals = eligibilityRefusals(snapshot, type, input.atMs, input.competencyDate);
      const rateRefusal =
        input.deliveryCountry && deps.rateCard ? deliveryRateRefusal(input.deliveryCountry, deps.rateCard) : undefined;
      return rateRefusal ? { snapshot, refusals, rateRefusal } : { snapshot, refusals };
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
          throw ApplicationFailure.nonRetryable(
            cause.message,
            cause.type ?? 'InvalidMessage',
            ...(cause.details ?? []),
          );
        }
        throw err; // transient: retried by the activity's retry policy
      }
    },

    async releaseFifteenDaySlot(input: FifteenDayRelease & { agreementNumber: string }): Promise<void> {
      const { agreementNumber, ...release } = input;
      try {
        await client.workflow.getHandle(agreementWorkflowId(agreementNumber)).signal(fifteenDayReleaseSignal, release);
      } catch (err) {
        // No registry for the agreement means nothing was ever claimed: nothing to release.
        if (err instanceof WorkflowNotFoundError) return;
        throw err;
      }
    },
  };
}
