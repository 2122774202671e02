// Keeps the children of `npm start` running: a crashed child is restarted with backoff while the
// rest stay up; after repeated fast crashes (restart-policy.ts) the supervisor gives up.
import { setTimeout as delay } from 'node:timers/promises';
import { describeExit, groupAlive, signalGroup, spawnChild, type Child, type Command, type Exit } from './child';
import { complain, say, StackError } from './output';
import { DEFAULT_RESTART_POLICY, decideRestart, recentCrashes, type RestartPolicy } from './restart-policy';

export interface ServiceSpec {
  name: string;
  command: Omit<Command, 'cwd'>;
  /** True once the process with this pid serves (checked after every start). */
  ready: (pid: number) => Promise<boolean>;
  readyTimeoutMs: number;
}

interface Service {
  spec: ServiceSpec;
  /** The current process, or the last one while a restart waits. */
  child?: Child;
  crashTimes: number[];
  restartTimer?: NodeJS.Timeout;
  gaveUp: boolean;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10}s`;

export class Supervisor {
  private readonly services = new Map<string, Service>();
  private stopping = false;
  /** A child did not stop when asked and was killed. */
  forced = false;

  constructor(
    private readonly cwd: string,
    /** Called once a child crashed too often; the caller stops the stack. */
    private readonly onGiveUp: (message: string) => void,
    private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY,
  ) {}

  start(spec: ServiceSpec): void {
    const service: Service = { spec, crashTimes: [], gaveUp: false };
    this.services.set(spec.name, service);
    this.launch(service);
  }

  private launch(service: Service): Child | undefined {
    service.restartTimer = undefined;
    if (this.stopping) return undefined;
    const child: Child = spawnChild(service.spec.name, { ...service.spec.command, cwd: this.cwd }, (exit) =>
      this.exited(service, child, exit),
    );
    service.child = child;
    say(`${service.spec.name} started (pid ${child.proc.pid ?? '?'}).`);
    return child;
  }

  private exited(service: Service, child: Child, exit: Exit): void {
    if (this.stopping) return;
    // Whatever the crashed process left in its group would hold ports or files the next one needs.
    if (groupAlive(child)) signalGroup(child, 'SIGKILL');
    const now = Date.now();
    service.crashTimes = [...recentCrashes(service.crashTimes, now, this.policy), now];
    const decision = decideRestart(service.crashTimes, now, this.policy);
    const { name } = service.spec;
    const what = `${name} exited unexpectedly (${describeExit(exit)})`;
    const window = seconds(this.policy.windowMs);
    if (!decision.restart) {
      service.gaveUp = true;
      this.onGiveUp(
        `${what}: it crashed ${decision.recentCrashes} times within ${window}; giving up. ` +
          `Its output above says why; fix that and run \`npm start\` again.`,
      );
      return;
    }
    complain(
      `${what}; restarting it in ${seconds(decision.delayMs)} ` +
        `(crash ${decision.recentCrashes}; the stack gives up at ${this.policy.maxCrashes} within ${window}).`,
    );
    service.restartTimer = setTimeout(() => this.restart(service), decision.delayMs);
  }

  private restart(service: Service): void {
    const child = this.launch(service);
    if (child) void this.announceReady(service, child);
  }

  /** Says when a restarted child serves again (a further crash reports itself). */
  private async announceReady(service: Service, child: Child): Promise<void> {
    const { name, readyTimeoutMs, ready } = service.spec;
    const deadline = Date.now() + readyTimeoutMs;
    while (!child.exit && !this.stopping) {
      if (await ready(child.proc.pid!).catch(() => false)) {
        say(`${name} is running again (pid ${child.proc.pid}).`);
        return;
      }
      if (Date.now() > deadline) {
        complain(`${name} was restarted but does not serve after ${seconds(readyTimeoutMs)}.`);
        return;
      }
      await delay(250);
    }
  }

  /** Waits until the named child serves, across restarts; fails when the stack stops or the time is up. */
  async waitReady(name: string, what: string): Promise<void> {
    const service = this.service(name);
    const deadline = Date.now() + service.spec.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (this.stopping || service.gaveUp) throw new StackError(`${name} stopped before ${what}.`);
      const child = service.child;
      if (child && !child.exit && (await service.spec.ready(child.proc.pid!).catch(() => false))) return;
      await delay(250);
    }
    throw new StackError(`${what}: no answer within ${seconds(service.spec.readyTimeoutMs)}.`);
  }

  currentPid(name: string): number | undefined {
    return this.service(name).child?.proc.pid;
  }

  private service(name: string): Service {
    const service = this.services.get(name);
    if (!service) throw new Error(`no service ${name}`);
    return service;
  }

  /** From now on nothing is restarted. */
  beginStop(): void {
    this.stopping = true;
    for (const service of this.services.values()) clearTimeout(service.restartTimer);
  }

  /** Signals the named children and waits for them; one that does not stop in time is killed. */
  async stop(names: string[], signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    const targets = names.flatMap((name) => this.services.get(name)?.child ?? []);
    await Promise.all(targets.map((child) => this.stopChild(child, signal, timeoutMs)));
  }

  private async stopChild(child: Child, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    if (!child.exit) {
      signalGroup(child, signal);
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
      if ((await Promise.race([child.exited, timer])) === 'timeout') {
        complain(`${child.name} did not stop within ${seconds(timeoutMs)}; killing it.`);
        this.forced = true;
        signalGroup(child, 'SIGKILL');
        await child.exited;
      }
    }
    // Anything the child left behind in its process group goes too.
    if (groupAlive(child)) signalGroup(child, 'SIGKILL');
  }

  /** The current children (to drain their output, or kill them as a last resort). */
  children(): Child[] {
    return [...this.services.values()].flatMap((service) => service.child ?? []);
  }

  killAll(): void {
    for (const child of this.children()) if (!child.exit || groupAlive(child)) signalGroup(child, 'SIGKILL');
  }
}
