// One process of `npm start`: spawned in its own process group, its output relayed with its name.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { relay } from './output';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Child {
  name: string;
  proc: ChildProcess;
  exit?: Exit;
  exited: Promise<Exit>;
  /** Its output pipes are drained. */
  closed: Promise<void>;
}

export interface Command {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

function relayLines(name: string, stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream): void {
  if (!stream) return;
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => relay(name, line, out));
}

/** Starts `command`; `onExit` hears of its end once (a start failure counts as exit code 127). */
export function spawnChild(name: string, { command, args, env, cwd }: Command, onExit: (exit: Exit) => void): Child {
  // Its own process group: a Ctrl-C in the terminal reaches only the stack, which then stops the
  // children in order (and can signal a child's whole group).
  const proc = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let resolveExit!: (exit: Exit) => void;
  const child: Child = {
    name,
    proc,
    exited: new Promise<Exit>((r) => (resolveExit = r)),
    closed: new Promise<void>((r) => proc.once('close', () => r())),
  };
  relayLines(name, proc.stdout, process.stdout);
  relayLines(name, proc.stderr, process.stderr);
  const finished = (exit: Exit) => {
    if (child.exit) return;
    child.exit = exit;
    resolveExit(exit);
    onExit(exit);
  };
  proc.on('exit', (code, signal) => finished({ code, signal }));
  proc.on('error', (err) => {
    relay(name, `could not be started: ${err.message}`, process.stderr);
    finished({ code: 127, signal: null });
  });
  return child;
}

export function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

export function signalGroup(child: Child, signal: NodeJS.Signals): void {
  const pid = child.proc.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      child.proc.kill(signal);
    } catch {
      // already gone
    }
  }
}

export function groupAlive(child: Child): boolean {
  const pid = child.proc.pid;
  if (pid === undefined) return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}
