// Acceptance of `npm start`: the stack comes up on free ports with its own data directory, one
// engagement is walked to PAID over HTTP, Ctrl-C (SIGINT) stops every process, and a second start on
// the same data finds the engagement still PAID, in the API and through the Temporal CLI
// (EngagementStatus search attribute).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { temporalCliPath } from '../scripts/temporal-binaries';

const ROOT = join(__dirname, '..');
const execFileAsync = promisify(execFile);

const PARTNER_ID = 'stack-partner';
const TOKENS = { backoffice: 'stack-test-backoffice', operator: 'stack-test-operator', partner: 'stack-test-partner' };
const API_TOKENS = `${TOKENS.backoffice}=backoffice,${TOKENS.operator}=operator,${TOKENS.partner}=partner:${PARTNER_ID}`;

const STARTUP_MS = 240_000;
const PAID_MS = 240_000;
const STOP_MS = 120_000;

jest.setTimeout(15 * 60_000);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A time-out for Promise.race that does not keep Jest waiting once the race is over. */
const deadline = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref());

/** Polls until `check` returns a value (not undefined), or fails with the last observation. */
async function eventually<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      if ((err as { fatal?: boolean }).fatal) throw err;
      last = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `${what}: not within ${timeoutMs / 1000}s${last ? ` (last: ${(last as Error).message ?? String(last)})` : ''}`,
  );
}

/** Processes that carry this stack's data directory in their environment (the stack and its children). */
function processesOf(dataDir: string): string[] {
  const marker = `STACK_DATA_DIR=${dataDir}`;
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker)) {
        found.push(`${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()}`);
      }
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

interface Stack {
  proc: ChildProcess;
  output: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe('npm start (the whole stack)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pso-stack-'));
  let ports: { temporal: number; ui: number; api: number; savb: number; metrics: number; postgres: number };
  let running: Stack | undefined;
  const voucherId = `V-STACK-${randomBytes(4).toString('hex').toUpperCase()}`;

  const apiUrl = () => `http://127.0.0.1:${ports.api}`;
  const savbUrl = () => `http://127.0.0.1:${ports.savb}`;

  function startStack(): Stack {
    const output: string[] = [];
    // What `npm start` runs (tsx scripts/start-stack.ts), without npm in between.
    const proc = spawn(
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'scripts', 'start-stack.ts')],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          STACK_DATA_DIR: dataDir,
          STACK_TEMPORAL_PORT: String(ports.temporal),
          STACK_TEMPORAL_UI_PORT: String(ports.ui),
          PORT: String(ports.api),
          SAVB_SIM_PORT: String(ports.savb),
          WORKER_METRICS_PORT: String(ports.metrics),
          STACK_POSTGRES_PORT: String(ports.postgres),
          DATABASE_URL: '',
          API_TOKENS,
          NO_COLOR: '1',
          TEMPORAL_ADDRESS: '',
          SAVB_URL: '',
          SAVB_SIM_DATA_FILE: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const keep = (chunk: Buffer) => {
      output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (output.length > 2000) output.splice(0, output.length - 2000);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.on('exit', (code, signal) => resolve({ code, signal })),
    );
    running = { proc, output, exit };
    return running;
  }

  function tail(stack: Stack): string {
    return stack.output.slice(-80).join('\n');
  }

  async function waitReady(stack: Stack): Promise<void> {
    let exited = false;
    void stack.exit.then(() => (exited = true));
    await eventually(`the stack's API ready\n${tail(stack)}`, STARTUP_MS, async () => {
      if (exited) throw new Error(`the stack exited during start-up:\n${tail(stack)}`);
      const res = await fetch(`${apiUrl()}/readyz`, { signal: AbortSignal.timeout(2_000) });
      return res.ok ? true : undefined;
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n--- stack output ---\n${tail(stack)}`);
    });
    // The banner comes once the worker polls too.
    await eventually('the stack banner', STARTUP_MS, async () =>
      stack.output.some((l) => l.includes('Ctrl-C stops everything')) ? true : undefined,
    );
  }

  async function stopStack(stack: Stack): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    stack.proc.kill('SIGINT');
    const result = await Promise.race([stack.exit, deadline(STOP_MS)]);
    if (result === 'timeout') throw new Error(`the stack did not stop within ${STOP_MS / 1000}s:\n${tail(stack)}`);
    running = undefined;
    return result;
  }

  async function call(
    method: string,
    path: string,
    token: string,
    body?: unknown,
  ): Promise<{ status: number; body: any }> {
    const res = await fetch(`${apiUrl()}${path}`, {
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

  async function ok(method: string, path: string, token: string, body?: unknown): Promise<any> {
    const res = await call(method, path, token, body);
    if (res.status < 200 || res.status > 299) {
      throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body;
  }

  async function engagementStatus(): Promise<string> {
    return (await ok('GET', `/v1/engagements/${voucherId}`, TOKENS.operator)).status as string;
  }

  async function waitForStatus(wanted: string[], timeoutMs = 60_000): Promise<string> {
    return eventually(`engagement ${voucherId} in ${wanted.join(' or ')}`, timeoutMs, async () => {
      const status = await engagementStatus();
      if (wanted.includes(status)) return status;
      throw new Error(`status ${status}`);
    });
  }

  beforeAll(async () => {
    ports = {
      temporal: await freePort(),
      ui: await freePort(),
      api: await freePort(),
      savb: await freePort(),
      metrics: await freePort(),
      postgres: await freePort(),
    };
  });

  afterAll(async () => {
    if (running) {
      // A failed test left it running: stop it, and whatever it started, by pid.
      running.proc.kill('SIGINT');
      await Promise.race([running.exit, deadline(STOP_MS)]);
      for (const entry of processesOf(dataDir)) {
        try {
          process.kill(Number(entry.split(':')[0]), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('walks an engagement to PAID, stops cleanly, and keeps it across a restart', async () => {
    const first = startStack();
    await waitReady(first);
    expect(first.output.join('\n')).toContain(`http://localhost:${ports.ui}`);

    // A partner with a profile and an enrollment.
    const today = new Date().toISOString().slice(0, 10);
    const nextYear = `${Number(today.slice(0, 4)) + 1}${today.slice(4)}`;
    await ok('PUT', `/v1/partners/${PARTNER_ID}`, TOKENS.backoffice, {
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
    await ok('POST', `/v1/partners/${PARTNER_ID}/enrollments`, TOKENS.backoffice, { offering: 'DDPS' });

    // The engagement, step by step.
    const pmEmail = 'pm@fabrikam.example';
    await ok('POST', '/v1/engagements', TOKENS.backoffice, {
      voucherId,
      offering: 'DDPS',
      engagementType: 'DDPS-WINDOWS-OFFICE',
      days: 1,
      assignedAt: new Date().toISOString(),
      customer: {
        agreementNumber: 'AGR-STACK-1',
        name: 'Fabrikam',
        country: 'US',
        projectManagerEmail: pmEmail,
        enrollmentEndsAt: nextYear,
      },
    });
    await ok('POST', `/v1/engagements/${voucherId}/forwarding`, TOKENS.partner, {
      partnerId: PARTNER_ID,
      projectManagerEmail: pmEmail,
    });
    await waitForStatus(['FORWARDED']);
    await ok('POST', `/v1/engagements/${voucherId}/reservation`, TOKENS.partner, {
      locationId: 'LOC-US-1',
      consultantId: 'consultant-1',
      startDate: today,
      endDate: today,
      deliveryCountry: 'US',
    });
    await waitForStatus(['RESERVED']);
    await ok('POST', `/v1/engagements/${voucherId}/completion-report`, TOKENS.partner, {
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
    await waitForStatus(['REPORT_SUBMITTED']);
    await ok('POST', `/v1/engagements/${voucherId}/redemption`, TOKENS.partner, {});

    // Invoice: the first redemption of an offering waits for the partner's SAVB registration,
    // which the partner's admin does in SAVB (here: the simulator) once a refusal was seen.
    let registered = false;
    await eventually(
      `engagement ${voucherId} PAID`,
      PAID_MS,
      async () => {
        const status = await engagementStatus();
        if (['EXPIRED', 'CANCELLED', 'INVOICE_DENIED', 'INVOICE_WINDOW_MISSED'].includes(status)) {
          throw Object.assign(new Error(`engagement ended ${status}`), { fatal: true });
        }
        if (status === 'AWAITING_SAVB_REGISTRATION' && !registered) {
          const res = await fetch(`${savbUrl()}/registrations`, {
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

    // Ctrl-C: everything stops, nothing is left on the ports or in the process table.
    const stopped = await stopStack(first);
    expect(stopped).toEqual({ code: 0, signal: null });
    expect(first.output.join('\n')).toContain('nothing left running');
    expect(processesOf(dataDir)).toEqual([]);
    for (const port of Object.values(ports)) expect(await portFree(port)).toBe(true);

    // Second start on the same data: the engagement is still there, and PAID.
    const second = startStack();
    await waitReady(second);
    const engagement = await ok('GET', `/v1/engagements/${voucherId}`, TOKENS.backoffice);
    expect(engagement).toMatchObject({ voucherId, status: 'PAID' });

    // Operators find it by search attribute with the Temporal CLI.
    const cli = temporalCliPath();
    const listed = await eventually('the engagement in visibility', 30_000, async () => {
      const { stdout } = await execFileAsync(cli, [
        'workflow',
        'list',
        '--address',
        `127.0.0.1:${ports.temporal}`,
        '--query',
        `EngagementStatus='PAID' AND VoucherId='${voucherId}'`,
        '-o',
        'json',
      ]);
      return stdout.includes(`engagement-${voucherId}`) ? stdout : undefined;
    });
    expect(listed).toContain(`engagement-${voucherId}`);

    expect(await stopStack(second)).toEqual({ code: 0, signal: null });
    expect(processesOf(dataDir)).toEqual([]);
  });
});
