// One engagement walked over the HTTP API of a running `npm start` (test/support/stack-process.ts):
// a partner, the engagement's steps, and the wait for PAID (registering the partner in the SAVB
// simulator when the invoice waits for it).
import {
  eventually,
  PAID_MS,
  STACK_PARTNER_ID as PARTNER_ID,
  STACK_TOKENS as TOKENS,
  type StackRun,
} from './stack-process';

export interface Answer {
  status: number;
  body: any;
}

export async function call(
  run: StackRun,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<Answer> {
  const res = await fetch(`${run.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed };
}

export async function ok(run: StackRun, method: string, path: string, token: string, body?: unknown): Promise<any> {
  const res = await call(run, method, path, token, body);
  if (res.status < 200 || res.status > 299) {
    throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res.body;
}

/** The dates of one test, taken once: today (UTC) and a year later. */
export function testDates(): { today: string; nextYear: string } {
  const today = new Date().toISOString().slice(0, 10);
  return { today, nextYear: `${Number(today.slice(0, 4)) + 1}${today.slice(4)}` };
}

const PM_EMAIL = 'pm@fabrikam.example';

export async function setUpPartner(run: StackRun, nextYear: string): Promise<void> {
  await ok(run, 'PUT', `/v1/partners/${PARTNER_ID}`, TOKENS.backoffice, {
    name: 'Stack Test Partner',
    locations: [{ locationId: 'LOC-US-1', country: 'US' }],
    competencies: [{ area: 'Windows and Devices', level: 'Gold', expiresAt: nextYear }],
    consultants: [
      {
        consultantId: 'consultant-1',
        name: 'Ada Consultant',
        exams: [{ code: 'MD-100', area: 'Windows and Devices', passedAt: '2024-01-15' }],
      },
    ],
  });
  await ok(run, 'POST', `/v1/partners/${PARTNER_ID}/enrollments`, TOKENS.backoffice, { offering: 'DDPS' });
}

export async function engagementStatus(run: StackRun, voucherId: string): Promise<string> {
  return (await ok(run, 'GET', `/v1/engagements/${voucherId}`, TOKENS.operator)).status as string;
}

export async function waitForStatus(
  run: StackRun,
  voucherId: string,
  wanted: string,
  timeoutMs = 60_000,
): Promise<void> {
  await eventually(`engagement ${voucherId} ${wanted}`, timeoutMs, async () => {
    const status = await engagementStatus(run, voucherId);
    if (status === wanted) return status;
    throw new Error(`status ${status}`);
  });
}

export async function startAndForward(run: StackRun, voucherId: string, nextYear: string): Promise<void> {
  await ok(run, 'POST', '/v1/engagements', TOKENS.backoffice, {
    voucherId,
    offering: 'DDPS',
    engagementType: 'DDPS-WINDOWS-OFFICE',
    days: 1,
    assignedAt: new Date().toISOString(),
    customer: {
      agreementNumber: `AGR-${voucherId}`,
      name: 'Fabrikam',
      country: 'US',
      projectManagerEmail: PM_EMAIL,
      enrollmentEndsAt: nextYear,
    },
  });
  await ok(run, 'POST', `/v1/engagements/${voucherId}/forwarding`, TOKENS.partner, {
    partnerId: PARTNER_ID,
    projectManagerEmail: PM_EMAIL,
  });
  await waitForStatus(run, voucherId, 'FORWARDED');
}

export async function reserve(run: StackRun, voucherId: string, today: string): Promise<void> {
  await ok(run, 'POST', `/v1/engagements/${voucherId}/reservation`, TOKENS.partner, {
    locationId: 'LOC-US-1',
    consultantId: 'consultant-1',
    startDate: today,
    endDate: today,
    deliveryCountry: 'US',
  });
  await waitForStatus(run, voucherId, 'RESERVED');
}

export async function reportAndRedeem(run: StackRun, voucherId: string, today: string): Promise<void> {
  await ok(run, 'POST', `/v1/engagements/${voucherId}/completion-report`, TOKENS.partner, {
    consultantId: 'consultant-1',
    deliveredFrom: today,
    deliveredTo: today,
    onSiteDays: 1,
    offSiteDays: 0,
    deliverables: [
      {
        kind: 'COMPLETION_REPORT',
        title: 'Completion report',
        uri: 'https://files.example/report.pdf',
        sha256: 'a'.repeat(64),
      },
      {
        kind: 'CUSTOMER_PLANNING_DELIVERABLE',
        title: 'Findings and recommendations',
        uri: 'https://files.example/plan.pdf',
        sha256: 'b'.repeat(64),
      },
    ],
  });
  await waitForStatus(run, voucherId, 'REPORT_SUBMITTED');
  await ok(run, 'POST', `/v1/engagements/${voucherId}/redemption`, TOKENS.partner, {});
}

const FAILED_ENDS = ['EXPIRED', 'CANCELLED', 'INVOICE_DENIED', 'INVOICE_WINDOW_MISSED'];

/**
 * Waits for PAID. The first redemption of an offering waits for the partner's SAVB registration,
 * which the partner's admin does in SAVB (here: the simulator) once a refusal was seen.
 */
export async function waitPaid(run: StackRun, voucherId: string): Promise<void> {
  let registered = false;
  await eventually(
    `engagement ${voucherId} PAID`,
    PAID_MS,
    async () => {
      const status = await engagementStatus(run, voucherId);
      if (FAILED_ENDS.includes(status)) throw Object.assign(new Error(`engagement ended ${status}`), { fatal: true });
      if (status === 'AWAITING_SAVB_REGISTRATION' && !registered) {
        const res = await fetch(`${run.savbUrl}/registrations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ partnerId: PARTNER_ID, offering: 'DDPS' }),
        });
        registered = res.status < 300 || res.status === 409;
      }
      if (status === 'PAID') return status;
      throw new Error(`status ${status}`);
    },
    1_000,
  );
}
