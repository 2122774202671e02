// Acceptance of `npm start`: the stack comes up on free ports with its own data directory, one
// engagement is walked to PAID over HTTP, Ctrl-C (SIGINT) stops every process, and a second start on
// the same data finds the engagement still PAID, in the API and through the Temporal CLI
// (EngagementStatus search attribute).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { temporalCliPath } from '../scripts/temporal-binaries';
import {
  ok,
  reportAndRedeem,
  reserve,
  setUpPartner,
  startAndForward,
  testDates,
  waitPaid,
} from './support/stack-engagement';
import {
  eventually,
  freePorts,
  portFree,
  processesOf,
  stackDataDir,
  STACK_TOKENS as TOKENS,
  StackRun,
  type StackPorts,
} from './support/stack-process';

const execFileAsync = promisify(execFile);

jest.setTimeout(15 * 60_000);

describe('npm start (the whole stack)', () => {
  const dataDir = stackDataDir();
  let ports: StackPorts;
  let running: StackRun | undefined;
  const voucherId = `V-STACK-${randomBytes(4).toString('hex').toUpperCase()}`;

  beforeAll(async () => {
    ports = await freePorts();
  });

  afterAll(async () => {
    await running?.kill(); // a failed test left it running
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function stop(run: StackRun): Promise<void> {
    expect(await run.stop()).toEqual({ code: 0, signal: null });
    running = undefined;
    expect(run.output.join('\n')).toContain('nothing left running');
    expect(processesOf(dataDir)).toEqual([]);
  }

  test('walks an engagement to PAID, stops cleanly, and keeps it across a restart', async () => {
    const first = (running = new StackRun(dataDir, ports));
    await first.waitReady();
    expect(first.output.join('\n')).toContain(`http://localhost:${ports.ui}`);

    const { today, nextYear } = testDates();
    await setUpPartner(first, nextYear);
    await startAndForward(first, voucherId, nextYear);
    await reserve(first, voucherId, today);
    await reportAndRedeem(first, voucherId, today);
    await waitPaid(first, voucherId);

    // Ctrl-C: everything stops, nothing is left on the ports or in the process table.
    await stop(first);
    for (const port of Object.values(ports)) expect(await portFree(port)).toBe(true);

    // Second start on the same data: the engagement is still there, and PAID.
    const second = (running = new StackRun(dataDir, ports));
    await second.waitReady();
    const engagement = await ok(second, 'GET', `/v1/engagements/${voucherId}`, TOKENS.backoffice);
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

    await stop(second);
  });
});
