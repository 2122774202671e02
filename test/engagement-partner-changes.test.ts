// The partner changes while its engagement runs: reservation changes and completion reports are
// checked against the partner as it is now (a renewal, a consultant added), and an enrollment that
// lapses mid-engagement blocks new dates but not the report or the redemption of work delivered.
import { partnerStateQuery, partnerWorkflowId, engagementUpdates as u } from '../workflows/messages';
import { enrollmentRenewedUpdate, profileReplacedUpdate } from '../workflows/messages';
import {
  DAY_MS,
  PM_EMAIL,
  TimeSkippingStack,
  addDays,
  createPartner,
  dateOf,
  engagementInput,
  partnerProfile,
  refusalOf,
  report,
  reservation,
  startEngagement,
  startTimeSkippingStack,
  uniqueId,
} from './support/time-skipping';

let stack: TimeSkippingStack;

beforeAll(async () => {
  stack = await startTimeSkippingStack();
});

afterAll(async () => {
  await stack?.stop();
});

const as = (partnerId: string) => ({ actor: `partner:${partnerId}` as const });
const partnerHandle = (partnerId: string) => stack.client.workflow.getHandle(partnerWorkflowId(partnerId));

/**
 * A new partner whose DDPS enrollment lapses in 20 days, with an engagement reserved for days 40–44
 * (so the dates can still move after the lapse).
 */
async function reservedBeforeLapse() {
  const partnerId = uniqueId('P-LAPSE');
  await createPartner(stack, partnerId, ['DDPS']);
  const lapse = Date.parse((await partnerHandle(partnerId).query(partnerStateQuery)).enrollments.DDPS.validUntil);
  await stack.env.sleep(lapse - 20 * DAY_MS - (await stack.env.currentTimeMs()));
  const t0 = await stack.env.currentTimeMs();
  const input = engagementInput(t0, { voucherId: uniqueId('V-LAPSE') });
  const handle = await startEngagement(stack, input);
  await handle.executeUpdate(u.voucherForwarded, {
    args: [{ partnerId, projectManagerEmail: PM_EMAIL, ...as(partnerId) }],
  });
  const start = addDays(dateOf(t0), 40);
  const res = reservation(t0, { startDate: start, endDate: addDays(start, input.days - 1) });
  await handle.executeUpdate(u.voucherReserved, { args: [{ ...res, ...as(partnerId) }] });
  return { partnerId, handle, input, res, lapse };
}

const moveBy = (res: { startDate: string; endDate: string }, days: number) => ({
  startDate: addDays(res.startDate, days),
  endDate: addDays(res.endDate, days),
});

test('a partner that renewed after reserving moves its dates past its old lapse date', async () => {
  const { partnerId, handle, res, lapse } = await reservedBeforeLapse();
  await partnerHandle(partnerId).executeUpdate(enrollmentRenewedUpdate, {
    args: [{ offering: 'DDPS', actor: 'backoffice' }],
  });
  await stack.env.sleep(lapse + DAY_MS - (await stack.env.currentTimeMs()));
  const moved = await handle.executeUpdate(u.reservationChanged, { args: [{ ...moveBy(res, 3), ...as(partnerId) }] });
  expect(moved.reservation).toMatchObject(moveBy(res, 3));
  expect(Date.parse(moved.partnerSnapshot!.enrollments.DDPS.validUntil)).toBeGreaterThan(lapse);
});

test('after a lapse the dates cannot move; a report by a consultant added since, and the redemption, are accepted', async () => {
  const { partnerId, handle, input, res, lapse } = await reservedBeforeLapse();
  await stack.env.sleep(lapse + DAY_MS - (await stack.env.currentTimeMs()));
  const blocked = await refusalOf(
    handle.executeUpdate(u.reservationChanged, { args: [{ ...moveBy(res, 3), ...as(partnerId) }] }),
  );
  expect(blocked.codes).toEqual(['ENROLLMENT_NOT_ACTIVE']);

  const profile = partnerProfile();
  const newcomer = { ...profile.consultants[0], consultantId: 'C-NEW', name: 'Cleo' };
  await partnerHandle(partnerId).executeUpdate(profileReplacedUpdate, {
    args: [{ ...profile, consultants: [...profile.consultants, newcomer], actor: 'backoffice' }],
  });
  await stack.env.sleep(Date.parse(`${res.endDate}T12:00:00Z`) - (await stack.env.currentTimeMs()));
  const reported = await handle.executeUpdate(u.completionReportSubmitted, {
    args: [{ ...report(res, input.days, { consultantId: 'C-NEW' }), ...as(partnerId) }],
  });
  expect(reported.status).toBe('REPORT_SUBMITTED');
  const redeemed = await handle.executeUpdate(u.voucherRedeemed, { args: [as(partnerId)] });
  expect(redeemed.status).toBe('REDEEMED');
});

test('a report naming a consultant the partner no longer has is refused', async () => {
  const { partnerId, handle, input, res } = await reservedBeforeLapse();
  const profile = partnerProfile();
  await partnerHandle(partnerId).executeUpdate(profileReplacedUpdate, {
    args: [
      { ...profile, consultants: profile.consultants.filter((c) => c.consultantId !== 'C-1'), actor: 'backoffice' },
    ],
  });
  await stack.env.sleep(Date.parse(`${res.endDate}T12:00:00Z`) - (await stack.env.currentTimeMs()));
  const refused = await refusalOf(
    handle.executeUpdate(u.completionReportSubmitted, { args: [{ ...report(res, input.days), ...as(partnerId) }] }),
  );
  expect(refused.codes).toEqual(['CONSULTANT_UNKNOWN']);
});
