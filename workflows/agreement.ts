// One workflow per customer agreement (`agreement-<agreementNumber>`): the registry behind the 15-day
// repeat rule, which spans engagements. Engagements claim a slot when reserved (the update refuses a
// repeat, domain fifteenDayRepeatRefusal) and release it when the reservation is cancelled or the
// engagement is cancelled or expires; a redeemed or completed engagement keeps its claim forever.
// A release names the claim it releases by its token, so a late one cannot free a newer reservation.
import { refused } from './failures';
import { historyIsLong } from './history-limit';
import { MESSAGE_SCHEMAS, invalidMessageRefusal, issueText, payloadIssues } from './payload-validation';
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  setCurrentDetails,
  setHandler,
} from '@temporalio/workflow';
import {
  FifteenDayClaim,
  FifteenDayRelease,
  claimsAfterRelease,
  fifteenDayRepeatRefusal,
} from '../domain/rules/delivery';
import { fifteenDayClaimUpdate, fifteenDayClaimsQuery, fifteenDayReleaseSignal } from './messages';

export interface CustomerAgreementWorkflowInput {
  agreementNumber: string;
  /** Claims carried over by continue-as-new. */
  claims?: FifteenDayClaim[];
}

export async function customerAgreementWorkflow(input: CustomerAgreementWorkflowInput): Promise<void> {
  const { agreementNumber } = input;
  let claims: FifteenDayClaim[] = input.claims ?? [];

  const check = (payload: unknown): FifteenDayClaim => {
    const issues = payloadIssues(MESSAGE_SCHEMAS.agreement.fifteenDayClaimed, payload);
    if (issues.length) throw refused(invalidMessageRefusal(issues));
    const claim = payload as FifteenDayClaim;
    if (claim.agreementNumber !== agreementNumber) {
      throw refused({
        kind: 'INVALID',
        code: 'INVALID_MESSAGE',
        message: `the claim is for agreement ${claim.agreementNumber}, this registry is agreement ${agreementNumber}`,
        fields: ['agreementNumber'],
      });
    }
    const refusal = fifteenDayRepeatRefusal(claims, claim);
    if (refusal) throw refused(refusal);
    return claim;
  };

  const details = () =>
    `agreement ${agreementNumber}: ${claims.length} 15-day claim(s)${claims.length ? ` (${claims.map((c) => `${c.engagementType} ${c.voucherId}`).join(', ')})` : ''}`;

  setHandler(fifteenDayClaimsQuery, () => claims);

  setHandler(
    fifteenDayClaimUpdate,
    (claim: FifteenDayClaim) => {
      // Checked again when applied; synchronous, so nothing interleaves between the check and the change.
      const accepted = check(claim);
      // Idempotent per voucher: a re-claim (e.g. a reservation retried or changed) replaces the earlier one.
      claims = [...claims.filter((c) => c.voucherId !== accepted.voucherId), accepted];
      setCurrentDetails(details());
      return { claims };
    },
    { validator: (claim: FifteenDayClaim) => void check(claim) },
  );

  setHandler(fifteenDayReleaseSignal, (payload: FifteenDayRelease) => {
    const issues = payloadIssues(MESSAGE_SCHEMAS.agreement.fifteenDayReleased, payload);
    if (issues.length) {
      // A signal cannot be refused to its sender; it changes nothing.
      log.warn('fifteenDayReleased ignored: invalid payload', { agreementNumber, issues: issues.map(issueText) });
      return;
    }
    // A release without a token (from engagements that claimed before tokens) releases the voucher's claim.
    claims = claimsAfterRelease(claims, payload);
    setCurrentDetails(details());
  });

  setCurrentDetails(details());
  // Nothing to time: the registry just waits, and starts a new run when its history grows long.
  await condition(() => historyIsLong());
  await condition(allHandlersFinished);
  await continueAsNew<typeof customerAgreementWorkflow>({ agreementNumber, claims });
}
