// Records the histories of a few finished engagements into test/histories/, which the replay test
// replays with the current workflow code: a change that would break running engagements fails there.
// Run after a deliberate, patched() change of behaviour to add new histories (never to overwrite old ones
// to make a failing replay pass): `npx tsx scripts/record-histories.ts <suffix> [--codec]`; with
// --codec the payloads are encrypted with the replay test's key (test/support/replay-codec.ts).
import { writeHistoryFile } from './history-file';
import { withScratchRecordStore } from './scratch-record-store';
import { recordInvoiceEdges } from './record-invoice-edges';
import { engagementSignals, engagementUpdates as u } from '../workflows/messages';
import { replayDataConverter } from '../test/support/replay-codec';
import {
  PM_EMAIL,
  addDays,
  createPartner,
  keepEnrolled,
  engagementInput,
  report,
  reservation,
  settle,
  startEngagement,
  startTimeSkippingStack,
} from '../test/support/time-skipping';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const codec = args.includes('--codec');
  const suffix = args.find((a) => !a.startsWith('--')) ?? 'v1';
  // The worker writes the record store.
  await withScratchRecordStore(() => recordAll(suffix, codec));
}

async function recordAll(suffix: string, codec: boolean): Promise<void> {
  const stack = await startTimeSkippingStack(codec ? { dataConverter: replayDataConverter() } : {});
  const { env } = stack;
  const partner = 'P-HISTORY';
  const actor = { actor: `partner:${partner}` as const };
  await createPartner(stack, partner, ['DDPS']);
  const out: Record<string, string> = {};
  try {
    // 1. Paid after waiting for SAVB registration, with a reservation change and a refused signal on the way.
    {
      const t0 = await env.currentTimeMs();
      const input = engagementInput(t0, { voucherId: `HIST-PAID-${suffix}` });
      const h = await startEngagement(stack, input);
      // A wrong e-mail first (counted), then the right one; a signal naming the partner (acts as the operator).
      const guess = { partnerId: partner, projectManagerEmail: 'guess@fabrikam.example', ...actor };
      await h.executeUpdate(u.voucherForwarded, { args: [guess] }).catch(() => undefined);
      await h.executeUpdate(u.voucherForwarded, {
        args: [{ partnerId: partner, projectManagerEmail: PM_EMAIL, ...actor }],
      });
      await h.signal(engagementSignals.voucherRedeemed, actor);
      const res = reservation(t0);
      await h.executeUpdate(u.voucherReserved, { args: [{ ...res, ...actor }] });
      await h.executeUpdate(u.reservationChanged, {
        args: [{ startDate: res.startDate, endDate: res.endDate, ...actor }],
      });
      await env.sleep('14 days');
      await h.executeUpdate(u.completionReportSubmitted, { args: [{ ...report(res), ...actor }] });
      await h.executeUpdate(u.voucherRedeemed, { args: [actor] });
      await env.sleep('2 days');
      stack.savb.register(partner, 'DDPS');
      await h.executeUpdate(u.invoiceRetryRequested, { args: [actor] });
      await settle(stack, h, 'PAID');
      await h.result();
      out.paid = h.workflowId;
    }
    // 2. Expired unredeemed after both reminders.
    {
      const input = engagementInput(await env.currentTimeMs(), { voucherId: `HIST-EXPIRED-${suffix}` });
      const h = await startEngagement(stack, input);
      await env.sleep('180 days');
      await h.result();
      out.expired = h.workflowId;
    }
    // 3. Cancelled by the back-office after a reservation cancellation.
    {
      const t0 = await env.currentTimeMs();
      await keepEnrolled(stack, partner);
      const input = engagementInput(t0, { voucherId: `HIST-CANCELLED-${suffix}` });
      const h = await startEngagement(stack, input);
      await h.executeUpdate(u.voucherForwarded, {
        args: [{ partnerId: partner, projectManagerEmail: PM_EMAIL, ...actor }],
      });
      await h.executeUpdate(u.voucherReserved, { args: [{ ...reservation(t0), ...actor }] });
      await h.executeUpdate(u.reservationCancelled, { args: [{ reason: 'rescheduling', ...actor }] });
      await h.executeUpdate(u.engagementCancelled, { args: [{ reason: 'customer withdrew', actor: 'backoffice' }] });
      await h.result();
      out.cancelled = h.workflowId;
    }
    // 4. A 15-day engagement cancelled after its reservation: the slot is released in the background.
    {
      const t0 = await env.currentTimeMs();
      await keepEnrolled(stack, partner);
      const input = engagementInput(t0, { voucherId: `HIST-15D-CANCELLED-${suffix}`, days: 15 });
      const h = await startEngagement(stack, input);
      await h.executeUpdate(u.voucherForwarded, {
        args: [{ partnerId: partner, projectManagerEmail: PM_EMAIL, ...actor }],
      });
      const res = reservation(t0);
      await h.executeUpdate(u.voucherReserved, {
        args: [{ ...res, endDate: addDays(res.startDate, 20), division: 'Retail', ...actor }],
      });
      await h.executeUpdate(u.engagementCancelled, { args: [{ reason: 'customer withdrew', actor: 'backoffice' }] });
      await h.result();
      out['15d-cancelled'] = h.workflowId;
    }
    // 5. A 15-day reservation cancelled and made again (each claim with its own token), then cancelled.
    {
      const t0 = await env.currentTimeMs();
      await keepEnrolled(stack, partner);
      const input = engagementInput(t0, { voucherId: `HIST-15D-RERESERVED-${suffix}`, days: 15 });
      const h = await startEngagement(stack, input);
      await h.executeUpdate(u.voucherForwarded, {
        args: [{ partnerId: partner, projectManagerEmail: PM_EMAIL, ...actor }],
      });
      const res = reservation(t0);
      const slot = { ...res, endDate: addDays(res.startDate, 20), division: 'Retail', ...actor };
      await h.executeUpdate(u.voucherReserved, { args: [slot] });
      await h.executeUpdate(u.reservationCancelled, { args: [{ reason: 'rescheduling', ...actor }] });
      await h.executeUpdate(u.voucherReserved, { args: [slot] });
      await h.executeUpdate(u.engagementCancelled, { args: [{ reason: 'customer withdrew', actor: 'backoffice' }] });
      await h.result();
      out['15d-rereserved'] = h.workflowId;
    }
    for (const [name, workflowId] of Object.entries(out))
      writeHistoryFile(env.address, workflowId, `engagement-${name}-${suffix}`);
    // The partner entity runs on (its history so far replays too).
    writeHistoryFile(env.address, `partner-${partner}`, `partner-${suffix}`);
    // Invoice-phase edges (v3-invoice on); of an engagement that continued as new, the runs it keeps.
    const edges = await recordInvoiceEdges(stack, partner, suffix);
    for (const [name, { workflowId, runs }] of Object.entries(edges))
      for (const { number, runId } of runs) {
        const run = runs.length > 1 || number > 1 ? `-run${number}` : '';
        writeHistoryFile(env.address, workflowId, `engagement-${name}${run}-${suffix}`, runId);
      }
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
