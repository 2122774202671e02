// `npm start` heals itself: the worker and then the Temporal dev server are killed (SIGKILL) under a
// running stack; each is restarted (the dev server on the same SQLite file), the other children stay
// up, and an engagement started before the crashes reaches PAID over HTTP without a restart of the
// stack. Ctrl-C then still stops everything.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { temporalCliPath } from '../scripts/temporal-binaries';
import {
  engagementStatus,
  reportAndRedeem,
  reserve,
  setUpPartner,
  startAndForward,
  testDates,
  waitPaid,
} from './support/stack-engagement';
import { eventually, freePorts, processesOf, stackChild, stackDataDir, StackRun } from './support/stack-process';

jest.setTimeout(15 * 60_000);

const WORKER = 'worker/main.ts';
const API = 'api/main.ts';
const SAVB = 'savb-simulator/main.ts';
const TEMPORAL = 'start-dev';

const execFileAsync = promisify(execFile);

/** True once the worker process `pid` polls the stack's task queue (what the Temporal CLI shows). */
async function polling(temporalPort: number, pid: number): Promise<true | undefined> {
  const { stdout } = await execFileAsync(temporalCliPath(), [
    'task-queue',
    'describe',
    '--address',
    `127.0.0.1:${temporalPort}`,
    '--task-queue',
    'planning-services',
  ]);
  return stdout.includes(`${pid}@`) ? true : undefined;
}

describe('npm start restarts a crashed child', () => {
  const dataDir = stackDataDir();
  let run: StackRun | undefined;

  afterAll(async () => {
    await run?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function pidOf(marker: string): number {
    const pid = stackChild(dataDir, marker);
    if (pid === undefined) throw new Error(`no process ${marker} in the stack:\n${run?.tail()}`);
    return pid;
  }

  /** SIGKILLs the child, waits for the stack to say it serves again, and returns the new pid. */
  async function crash(stack: StackRun, name: string, marker: string): Promise<number> {
    const old = pidOf(marker);
    process.kill(old, 'SIGKILL');
    await stack.line(new RegExp(`\\[stack\\] +${name} exited unexpectedly \\(signal SIGKILL\\); restarting it`));
    const back = await stack.line(new RegExp(`\\[stack\\] +${name} is running again \\(pid (\\d+)\\)`), 240_000);
    const pid = Number(back[1]);
    expect(pid).not.toBe(old);
    expect(pidOf(marker)).toBe(pid);
    return pid;
  }

  test('the worker and the dev server are killed; the engagement still reaches PAID', async () => {
    const stack = (run = new StackRun(dataDir, await freePorts()));
    await stack.waitReady();
    const steady = { api: pidOf(API), savb: pidOf(SAVB) };

    const voucherId = `V-HEAL-${randomBytes(4).toString('hex').toUpperCase()}`;
    const { today, nextYear } = testDates();
    await setUpPartner(stack, nextYear);
    await startAndForward(stack, voucherId, nextYear);

    // The worker dies; the reservation is processed by its successor.
    const worker = await crash(stack, 'worker', WORKER);
    await reserve(stack, voucherId, today);

    // The dev server dies; the one that replaces it has the engagement (same SQLite file).
    const temporalBefore = pidOf(TEMPORAL);
    await crash(stack, 'temporal', TEMPORAL);
    expect(pidOf(TEMPORAL)).not.toBe(temporalBefore);
    expect(await eventually('the engagement readable again', 60_000, () => engagementStatus(stack, voucherId))).toBe(
      'RESERVED',
    );
    // The worker lived through it and polls the new dev server.
    await eventually('the worker polling again', 120_000, () => polling(stack.ports.temporal, worker));
    expect(pidOf(WORKER)).toBe(worker);
    await reportAndRedeem(stack, voucherId, today);
    await waitPaid(stack, voucherId);

    // The rest stayed up: same API and simulator processes, and nothing was given up.
    expect({ api: pidOf(API), savb: pidOf(SAVB) }).toEqual(steady);
    expect(stack.output.filter((l) => l.includes('exited unexpectedly'))).toHaveLength(2);
    expect(stack.output.join('\n')).not.toContain('giving up');

    // Ctrl-C still stops everything.
    expect(await stack.stop()).toEqual({ code: 0, signal: null });
    run = undefined;
    expect(stack.output.join('\n')).toContain('nothing left running');
    expect(processesOf(dataDir)).toEqual([]);
  });
});
