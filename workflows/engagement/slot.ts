// The 15-day slot of a customer agreement: claimed at reservation, released when the reservation or
// the engagement ends (the program's "no second 15-day engagement" rule spans engagements).
import { patched } from '@temporalio/workflow';
import type { Refusal } from '../../domain/refusals';
import type { Reservation } from '../../domain/schemas';
import { durableRelease, registry } from './activities';
import type { EngagementRun } from './run';

/** Claims the slot for a 15-day reservation; the refusal when another engagement holds it. */
export async function claimSlot(run: EngagementRun, reservation: Reservation): Promise<Refusal | undefined> {
  const { state } = run;
  const claim = await registry.claimFifteenDaySlot({
    voucherId: state.voucherId,
    agreementNumber: state.customer.agreementNumber,
    engagementType: state.engagementType,
    division: reservation.division,
    productScope: reservation.productScope,
  });
  if (claim.refusal) return claim.refusal;
  run.fifteenDayClaimed = true;
  return undefined;
}

export async function releaseSlot(run: EngagementRun): Promise<void> {
  const { state } = run;
  if (state.days !== 15) return;
  const release = { agreementNumber: state.customer.agreementNumber, voucherId: state.voucherId };
  if (patched('fifteen-day-release-durable')) {
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
