// The ports `npm start` needs: free before anything starts, or a message naming who holds them.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { StackError } from './output';

export interface PortNeed {
  port: number;
  what: string;
  env: string;
}

export async function portFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen({ port, exclusive: true }, () => server.close(() => resolvePort(true)));
  });
}

/** Socket inodes listening on the port (Linux /proc/net). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const row of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue; // 0A = LISTEN
      if (parseInt(cols[1].split(':').pop() ?? '', 16) === port) inodes.add(cols[9]);
    }
  }
  return inodes;
}

function readdirOrEmpty(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function socketInode(path: string): string | undefined {
  try {
    return /^socket:\[(\d+)\]$/.exec(readlinkSync(path))?.[1];
  } catch {
    return undefined;
  }
}

/** "pid 123: node api/main.ts" for the process holding one of the sockets. */
function processOwning(inodes: Set<string>): string | undefined {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    for (const fd of readdirOrEmpty(`/proc/${pid}/fd`)) {
      const inode = socketInode(`/proc/${pid}/fd/${fd}`);
      if (inode === undefined || !inodes.has(inode)) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      return `pid ${pid}: ${cmd.length > 160 ? `${cmd.slice(0, 157)}...` : cmd}`;
    }
  }
  return undefined;
}

function lsofUser(port: number): string | undefined {
  try {
    const out = execFileSync('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const pid = /^p(\d+)$/m.exec(out)?.[1];
    const cmd = /^c(.+)$/m.exec(out)?.[1];
    return pid ? `pid ${pid}: ${cmd ?? '?'}` : undefined;
  } catch {
    return undefined; // no lsof
  }
}

/** What listens on a TCP port, best effort (Linux /proc, then lsof). */
function portUser(port: number): string | undefined {
  try {
    const inodes = listeningInodes(port);
    if (inodes.size > 0) {
      return processOwning(inodes) ?? `a process of another user (try \`sudo lsof -i :${port}\`)`;
    }
  } catch {
    // not Linux, or /proc not readable
  }
  return lsofUser(port);
}

export async function checkPorts(ports: PortNeed[]): Promise<void> {
  const seen = new Map<number, string>();
  for (const p of ports) {
    const other = seen.get(p.port);
    if (other) throw new StackError(`${p.env} and ${other} are both ${p.port}; give each its own port.`);
    seen.set(p.port, p.env);
  }
  const busy: string[] = [];
  for (const p of ports) {
    if (await portFree(p.port)) continue;
    const user = portUser(p.port);
    busy.push(`  port ${p.port} (${p.what}, ${p.env}) is in use${user ? ` by ${user}` : ''}`);
  }
  if (busy.length > 0) {
    throw new StackError(
      `cannot start, ports in use:\n${busy.join('\n')}\n` +
        'Stop what uses them (an earlier `npm start`?) or choose other ports with the variables named.',
    );
  }
}

export function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new StackError(`${name} must be a port number, not "${raw}".`);
  return port;
}
