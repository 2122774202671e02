// What `npm start` shows its user: the stack's own messages and every child's output, prefixed.
//
// JSON (pino) log lines of the children are shown compactly; STACK_RAW_LOGS=1 shows them as they are.

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const COLORS: Record<string, string> = {
  stack: '1',
  postgres: '34',
  temporal: '35',
  savb: '33',
  worker: '36',
  api: '32',
};
const rawLogs = process.env.STACK_RAW_LOGS === '1' || process.env.STACK_RAW_LOGS === 'true';

const PINO_LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** A failure the stack explains in one message, without a stack trace. */
export class StackError extends Error {}

export function prefix(name: string): string {
  const label = `[${name}]`.padEnd(10);
  return useColor ? `\x1b[${COLORS[name] ?? '0'}m${label}\x1b[0m` : label;
}

export function say(message: string): void {
  for (const line of message.split('\n')) process.stdout.write(`${prefix('stack')} ${line}\n`);
}

export function complain(message: string): void {
  for (const line of message.split('\n')) process.stderr.write(`${prefix('stack')} ${line}\n`);
}

/** A line of a child's output, prefixed with the child's name. */
export function relay(name: string, line: string, out: NodeJS.WriteStream): void {
  for (const part of formatLogLine(line).split('\n')) out.write(`${prefix(name)} ${part}\n`);
}

function timeOf(time: unknown): string {
  if (typeof time === 'string') return time.slice(11, 23);
  if (typeof time === 'number') return new Date(time).toISOString().slice(11, 23);
  return '';
}

/** A pino/JSON log line as `12:00:01.123 INFO  message {fields}`; anything else unchanged. */
export function formatLogLine(line: string): string {
  if (rawLogs || !line.startsWith('{')) return line;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (typeof entry.msg !== 'string') return line;
    const { time, level, msg, pid: _pid, hostname: _hostname, service: _service, ...rest } = entry;
    const levelName =
      typeof level === 'number'
        ? (PINO_LEVELS[level] ?? String(level))
        : typeof level === 'string'
          ? level.toUpperCase()
          : '';
    const fields = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
    return `${timeOf(time)} ${levelName.padEnd(5)} ${msg}${fields}`;
  } catch {
    return line;
  }
}
