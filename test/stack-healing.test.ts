// `npm start` heals itself: the worker and then the Temporal dev server are killed (SIGKILL) under a
// running stack; each is restarted (the dev server on the same SQLite file), the other children stay
// up, and an engagement started before the crashes reaches PAID over HTTP without a restart of the
// stack. Ctrl-C then still stops everything.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
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
    await crash(stack, 'worker', WORKER);
    await reserve(stack, voucherId, today);

    // The dev server dies; the one that replaces it has the engagement (same SQLite file).
    const temporalBefore = pidOf(TEMPORAL);
    await crash(stack, 'temporal', TEMPORAL);
    expect(pidOf(TEMPORAL)).not.toBe(temporalBefore);
    expect(await eventually('the engagement readable again', 60_000, () => engagementStatus(stack, voucherId))).toBe(
      'RESERVED',
    );
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
