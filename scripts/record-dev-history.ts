// Records the history of one engagement walked to PAID over the HTTP API on a dev server, with the
// search attributes on (the time-skipping server behind record-histories.ts cannot hold them), into
// test/histories/engagement-paid-sa-<suffix>.json for the replay test. Like record-histories.ts: run
// it after a deliberate, patched() change, to add a history, never to overwrite an old one.
//   npx tsx scripts/record-dev-history.ts <suffix>
import { PM_EMAIL, profile, reportBody, startBody, today } from '../test/api/fixtures';
import { eventually, http, startDevStack } from '../test/support/dev-stack';
import { engagementWorkflowId } from '../workflows/messages';
import { writeHistoryFile } from './history-file';
import { withScratchRecordStore } from './scratch-record-store';

async function main(): Promise<void> {
  const suffix = process.argv[2] ?? 'v1';
  // The worker writes the record store.
  await withScratchRecordStore(() => recordPaid(suffix));
}

async function recordPaid(suffix: string): Promise<void> {
  const stack = await startDevStack({ partnerIds: ['contoso'] });
  const req = (method: string, path: string, opts: Parameters<typeof http>[3] = {}) => http(stack, method, path, opts);
  const expectStatus = (res: { status: number; body: unknown }, status: number) => {
    if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  };
  try {
    expectStatus(await req('PUT', '/v1/partners/contoso', { as: 'backoffice', body: profile() }), 201);
    expectStatus(
      await req('POST', '/v1/partners/contoso/enrollments', { as: 'contoso', body: { offering: 'DDPS' } }),
      201,
    );
    const body = startBody({ days: 1, voucherId: `HIST-PAID-SA-${suffix}` });
    const voucherId = body.voucherId;
    const day = today();
    expectStatus(await req('POST', '/v1/engagements', { as: 'backoffice', body }), 201);
    expectStatus(
      await req('POST', `/v1/engagements/${voucherId}/forwarding`, {
        as: 'contoso',
        body: { partnerId: 'contoso', projectManagerEmail: PM_EMAIL },
      }),
      200,
    );
    expectStatus(
      await req('POST', `/v1/engagements/${voucherId}/reservation`, {
        as: 'contoso',
        body: { locationId: 'LOC-US', consultantId: 'C-1', startDate: day, endDate: day, deliveryCountry: 'US' },
      }),
      200,
    );
    expectStatus(
      await req('POST', `/v1/engagements/${voucherId}/completion-report`, { as: 'contoso', body: reportBody(day) }),
      200,
    );
    expectStatus(await req('POST', `/v1/engagements/${voucherId}/redemption`, { as: 'contoso' }), 200);
    // The simulator refuses the first request (partner not registered in SAVB), then registration and a retry.
    await eventually(
      () => req('GET', `/v1/engagements/${voucherId}`, { as: 'backoffice' }),
      (r) => r.body.status === 'AWAITING_SAVB_REGISTRATION' || r.body.status === 'PAID',
      {
        what: 'the invoice attempt',
      },
    );
    if (!stack.savb?.register) throw new Error('the SAVB simulator is needed (savb-simulator/server.ts)');
    await stack.savb.register('contoso', 'DDPS');
    await req('POST', `/v1/engagements/${voucherId}/invoice/retry`, { as: 'contoso' });
    await eventually(
      () => req('GET', `/v1/engagements/${voucherId}`, { as: 'backoffice' }),
      (r) => r.body.status === 'PAID',
      { what: 'PAID', timeoutMs: 60_000 },
    );
    await stack.client.workflow.getHandle(engagementWorkflowId(voucherId)).result();

    writeHistoryFile(stack.env.address, engagementWorkflowId(voucherId), `engagement-paid-sa-${suffix}`);
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
