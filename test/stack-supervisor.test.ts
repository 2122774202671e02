// The supervisor of `npm start` with real processes: a killed child is restarted and serves again
// while its neighbour keeps running; a child that keeps crashing is given up after the policy's
// number of crashes, with a message saying so; stopping restarts nothing. And the restart policy itself.
import { Supervisor, type ServiceSpec } from '../scripts/stack/supervisor';
import { decideRestart, DEFAULT_RESTART_POLICY, type RestartPolicy } from '../scripts/stack/restart-policy';

const FAST: RestartPolicy = { maxCrashes: 3, windowMs: 60_000, firstDelayMs: 20, maxDelayMs: 100 };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A node process that runs until stopped, or exits at once with `exitCode`. */
function nodeService(name: string, exitCode?: number): ServiceSpec {
  const script = exitCode === undefined ? 'setInterval(() => {}, 1000)' : `process.exit(${exitCode})`;
  return {
    name,
    command: { command: process.execPath, args: ['-e', script], env: { PATH: process.env.PATH } },
    ready: (pid) => Promise.resolve(alive(pid)),
    readyTimeoutMs: 10_000,
  };
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('restart policy', () => {
  const at = (...seconds: number[]) => seconds.map((s) => s * 1000);

  it('backs off 0.5, 1, 2, 4 s and gives up at the fifth crash within 60 s', () => {
    const delays = [1, 2, 3, 4].map((n) =>
      decideRestart(at(...Array.from({ length: n }, (_, i) => i)), n * 1000, DEFAULT_RESTART_POLICY),
    );
    expect(delays).toEqual(
      [500, 1000, 2000, 4000].map((delayMs, i) => ({ restart: true, delayMs, recentCrashes: i + 1 })),
    );
    expect(decideRestart(at(0, 1, 2, 3, 4), 4_000, DEFAULT_RESTART_POLICY)).toEqual({
      restart: false,
      recentCrashes: 5,
    });
  });

  it('forgets crashes older than the window', () => {
    expect(decideRestart(at(0, 1, 2, 3, 70), 70_000, DEFAULT_RESTART_POLICY)).toEqual({
      restart: true,
      delayMs: 500,
      recentCrashes: 1,
    });
  });

  it('never waits longer than the longest delay', () => {
    const policy = { ...DEFAULT_RESTART_POLICY, maxCrashes: 20 };
    expect(decideRestart(at(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), 9_000, policy)).toMatchObject({ delayMs: 10_000 });
  });
});

describe('supervisor', () => {
  let supervisor: Supervisor;
  afterEach(async () => {
    supervisor.beginStop();
    await supervisor.stop(['steady', 'victim', 'crasher'], 'SIGTERM', 5_000);
  });

  it('restarts a killed child; the other one keeps running', async () => {
    const gaveUp: string[] = [];
    supervisor = new Supervisor(process.cwd(), (m) => gaveUp.push(m), FAST);
    supervisor.start(nodeService('steady'));
    supervisor.start(nodeService('victim'));
    await supervisor.waitReady('steady', 'steady up');
    await supervisor.waitReady('victim', 'victim up');
    const steady = supervisor.currentPid('steady')!;
    const first = supervisor.currentPid('victim')!;

    process.kill(first, 'SIGKILL');
    const second = await until('a new victim', () => {
      const pid = supervisor.currentPid('victim');
      return pid !== first && pid !== undefined && alive(pid) ? pid : undefined;
    });
    expect(alive(first)).toBe(false);
    expect(supervisor.currentPid('steady')).toBe(steady);
    expect(alive(steady)).toBe(true);
    expect(gaveUp).toEqual([]);

    // Stopping: the children end and nothing comes back.
    supervisor.beginStop();
    await supervisor.stop(['steady', 'victim'], 'SIGTERM', 5_000);
    expect([alive(steady), alive(second)]).toEqual([false, false]);
    expect(supervisor.currentPid('victim')).toBe(second);
  });

  it('gives up on a child that keeps crashing, saying how often it crashed', async () => {
    const gaveUp: string[] = [];
    supervisor = new Supervisor(process.cwd(), (m) => gaveUp.push(m), FAST);
    supervisor.start(nodeService('crasher', 3));
    const message = await until('the give-up', () => gaveUp[0]);
    expect(message).toContain('crasher exited unexpectedly (exit code 3)');
    expect(message).toContain('crashed 3 times within 60s; giving up');
    await expect(supervisor.waitReady('crasher', 'crasher up')).rejects.toThrow('crasher stopped before crasher up');
    expect(gaveUp).toHaveLength(1);
  });
});
