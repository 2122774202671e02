// The 15-day slot against a late release, on the time-skipping test server with the product's worker:
// a reservation is cancelled, its slot release (a background activity) is held back as if the
// registry were unreachable, the voucher is reserved again, and only then the release lands. The
// release names the first reservation's claim, so the second reservation keeps the slot.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { FifteenDayRelease } from '../domain/rules/delivery';
import { agreementWorkflowId, engagementUpdates as u, fifteenDayClaimsQuery } from '../workflows/messages';
import {
  PM_EMAIL,
  TimeSkippingStack,
  addDays,
  createPartner,
  engagementInput,
  refusalOf,
  reservation,
  startEngagement,
  startTimeSkippingStack,
  uniqueId,
} from './support/time-skipping';

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Holds back the releases of one voucher's slot until `gate` opens; says when one starts and ends. */
const held = {
  voucherId: '',
  started: deferred<FifteenDayRelease>(),
  gate: deferred(),
  done: deferred(),
};

const holdReleases: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      const release = input.args[0] as FifteenDayRelease;
      if (ctx.info.activityType !== 'releaseFifteenDaySlot' || release.voucherId !== held.voucherId) return next(input);
      held.started.resolve(release);
      await held.gate.promise;
      const result = await next(input);
      held.done.resolve();
      return result;
    },
  },
});

let stack: TimeSkippingStack;
const partner = uniqueId('P-SLOT');
const as = { actor: `partner:${partner}` as const };

beforeAll(async () => {
  stack = await startTimeSkippingStack({ tuning: { interceptors: { activity: [holdReleases] } } });
  await createPartner(stack, partner, ['DDPS']);
});

afterAll(async () => {
  held.gate.resolve();
  await stack?.stop();
});

test('cancel, reserve again, then the late release of the first reservation: the second keeps the slot', async () => {
  const t0 = await stack.env.currentTimeMs();
  const first = engagementInput(t0, { days: 15 });
  const { agreementNumber } = first.customer;
  const res = reservation(t0);
  const slot = { ...res, endDate: addDays(res.startDate, 14), division: 'Retail', ...as };
  const claims = () =>
    stack.client.workflow.getHandle(agreementWorkflowId(agreementNumber)).query(fifteenDayClaimsQuery);

  held.voucherId = first.voucherId;
  const h = await startEngagement(stack, first);
  await h.executeUpdate(u.voucherForwarded, { args: [{ partnerId: partner, projectManagerEmail: PM_EMAIL, ...as }] });
  await h.executeUpdate(u.voucherReserved, { args: [slot] });
  expect((await claims()).map((c) => c.token)).toEqual([`${first.voucherId}#1`]);

  // The cancellation answers at once; its release is under way but does not get through yet.
  expect((await h.executeUpdate(u.reservationCancelled, { args: [{ reason: 'rescheduling', ...as }] })).status).toBe(
    'FORWARDED',
  );
  expect(await held.started.promise).toEqual({
    agreementNumber,
    voucherId: first.voucherId,
    token: `${first.voucherId}#1`,
  });

  expect((await h.executeUpdate(u.voucherReserved, { args: [slot] })).status).toBe('RESERVED');
  held.gate.resolve();
  await held.done.promise; // the late release has been delivered to the registry

  // The registry still holds the second reservation's claim: another voucher cannot take the slot.
  expect((await claims()).map((c) => [c.voucherId, c.token])).toEqual([[first.voucherId, `${first.voucherId}#2`]]);
  const other = await startEngagement(stack, engagementInput(t0, { days: 15, customer: first.customer }));
  await other.executeUpdate(u.voucherForwarded, {
    args: [{ partnerId: partner, projectManagerEmail: PM_EMAIL, ...as }],
  });
  expect((await refusalOf(other.executeUpdate(u.voucherReserved, { args: [slot] }))).codes).toEqual([
    'REPEAT_FIFTEEN_DAY_ENGAGEMENT',
  ]);
});
