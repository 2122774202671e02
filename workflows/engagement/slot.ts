// The 15-day slot of a customer agreement: claimed at reservation, released when the reservation or
// the engagement ends (the program's "no second 15-day engagement" rule spans engagements).
import type { Refusal } from '../../domain/refusals';
import { fifteenDayClaimToken } from '../../domain/rules/delivery';
import type { Reservation } from '../../domain/schemas';
import { durableRelease, registry } from './activities';
import type { EngagementRun } from './run';

/**
 * The token of the claim about to be made: the voucher and the number of this reservation attempt.
 * Every voucherReserved message the engagement handled is in its history (accepted or refused), so
 * the count is new for each claim and survives a continue-as-new with the state.
 */
function nextClaimToken(run: EngagementRun): string {
  const handled = run.state.history.filter((e) => e.event === 'voucherReserved').length;
  return fifteenDayClaimToken(run.state.voucherId, handled + 1);
}

/** Claims the slot for a 15-day reservation; the refusal when another engagement holds it. */
export async function claimSlot(run: EngagementRun, reservation: Reservation): Promise<Refusal | undefined> {
  const { state } = run;
  // Known before the claim is sent, so a claim whose answer is lost is still released by its token.
  const token = run.hasChange('fifteen-day-claim-token') ? nextClaimToken(run) : undefined;
  run.fifteenDayClaimToken = token;
  const claim = await registry.claimFifteenDaySlot({
    voucherId: state.voucherId,
    agreementNumber: state.customer.agreementNumber,
    engagementType: state.engagementType,
    division: reservation.division,
    productScope: reservation.productScope,
    ...(token ? { token } : {}),
  });
  if (claim.refusal) return claim.refusal;
  run.fifteenDayClaimed = true;
  return undefined;
}

export async function releaseSlot(run: EngagementRun): Promise<void> {
  const { state } = run;
  if (state.days !== 15) return;
  const token = run.fifteenDayClaimToken;
  // With a token only this engagement's latest claim is released: a release landing after a new
  // reservation of the voucher (it runs in the background) leaves the new claim alone.
  const release = {
    agreementNumber: state.customer.agreementNumber,
    voucherId: state.voucherId,
    ...(token ? { token } : {}),
  };
  if (run.hasChange('fifteen-day-release-durable')) {
    // Unconditional (a claim whose answer was lost is released too) and retried until done.
    run.background.push(
      durableRelease.releaseFifteenDaySlot.executeWithOptions({ summary: 'release the 15-day slot' }, [release]),
    );
    return;
  }
  if (!run.fifteenDayClaimed) return;
  run.fifteenDayClaimed = false;
  await registry.releaseFifteenDaySlot(release);
}
