// Records the histories of a partner entity and a customer agreement registry into test/histories/,
// which the replay test replays with the current workflow code (both workflows run forever, so the
// histories end while they wait). Run after a deliberate, patched() change of either workflow, to add
// histories, never to overwrite old ones: `npx tsx scripts/record-partner-histories.ts <suffix>`.
import { writeHistoryFile } from './history-file';
import { withScratchRecordStore } from './scratch-record-store';
import { DAY_MS, dateOf } from '../domain/dates';
import { enrollmentMessage } from '../api/partners';
import {
  TASK_QUEUE,
  agreementWorkflowId,
  enrollmentRenewedUpdate,
  enrollmentRequestedUpdate,
  fifteenDayClaimUpdate,
  fifteenDayClaimsQuery,
  fifteenDayReleaseSignal,
  partnerStateQuery,
  partnerWorkflowId,
  profileReplacedUpdate,
} from '../workflows/messages';
import { partnerProfile, startTimeSkippingStack } from '../test/support/time-skipping';

async function main(): Promise<void> {
  const suffix = process.argv[2] ?? 'v1';
  await withScratchRecordStore(() => recordAll(suffix));
}

async function recordAll(suffix: string): Promise<void> {
  const stack = await startTimeSkippingStack();
  const { env, client } = stack;
  try {
    // A partner: profile, enrollment, reminders and a renewal in the window, a refused renewal.
    const partnerId = `P-HISTORY-${suffix}`;
    const partner = await client.workflow.start('partnerWorkflow', {
      taskQueue: TASK_QUEUE,
      workflowId: partnerWorkflowId(partnerId),
      args: [{ partnerId }],
    });
    const expiresAt = dateOf((await env.currentTimeMs()) + 500 * DAY_MS);
    const profile = partnerProfile({
      competencies: [{ area: 'Windows and Devices', level: 'Gold', expiresAt }],
    });
    await partner.executeUpdate(profileReplacedUpdate, { args: [{ ...profile, actor: 'backoffice' }] });
    await partner.executeUpdate(enrollmentRequestedUpdate, { args: [enrollmentMessage('DDPS', 'backoffice')] });
    await partner
      .executeUpdate(enrollmentRenewedUpdate, { args: [enrollmentMessage('DDPS', 'backoffice')] })
      .catch(() => undefined); // the renewal window is not open yet: refused by the validator
    await env.sleep('300 days');
    await partner.executeUpdate(enrollmentRenewedUpdate, { args: [enrollmentMessage('DDPS', 'backoffice')] });
    await env.sleep('405 days'); // the 30-day reminder of the second term
    await partner.query(partnerStateQuery);
    writeHistoryFile(env.address, partner.workflowId, `partner-${suffix}`);

    // An agreement registry: claims (each with its reservation's token), a refused repeat, releases
    // (one late: it names a claim the voucher's newer claim replaced, and changes nothing).
    const agreementNumber = `AGR-HISTORY-${suffix}`;
    const agreement = await client.workflow.start('customerAgreementWorkflow', {
      taskQueue: TASK_QUEUE,
      workflowId: agreementWorkflowId(agreementNumber),
      args: [{ agreementNumber }],
    });
    const claim = { voucherId: 'V-1', agreementNumber, engagementType: 'DDPS-WINDOWS-OFFICE', division: 'Retail' };
    await agreement.executeUpdate(fifteenDayClaimUpdate, { args: [{ ...claim, token: 'V-1#1' }] });
    await agreement.executeUpdate(fifteenDayClaimUpdate, { args: [{ ...claim, token: 'V-1#2' }] });
    await agreement.signal(fifteenDayReleaseSignal, { voucherId: 'V-1', token: 'V-1#1' }); // late: nothing freed
    const second = { ...claim, voucherId: 'V-2', token: 'V-2#1' };
    await agreement.executeUpdate(fifteenDayClaimUpdate, { args: [second] }).catch(() => undefined); // refused
    await agreement.signal(fifteenDayReleaseSignal, { voucherId: 'V-1', token: 'V-1#2' });
    await agreement.executeUpdate(fifteenDayClaimUpdate, { args: [second] });
    await agreement.signal(fifteenDayReleaseSignal, { voucherId: 'V-2' }); // without a token, as before tokens
    await agreement.query(fifteenDayClaimsQuery);
    writeHistoryFile(env.address, agreement.workflowId, `agreement-${suffix}`);
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
