// The Temporal side of `npm start`: the CLI binary, the dev server's arguments, its namespace set-up
// (search attributes, retention), and the readiness checks of the dev server and the worker.
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/search-attributes';
import { temporalCliPath } from '../temporal-binaries';
import { complain, say, StackError } from './output';

const execFileAsync = promisify(execFile);

export function ensureTemporalCli(root: string): string {
  if (!process.env.TEMPORAL_CLI_PATH) {
    try {
      execFileSync(process.execPath, [join(root, 'scripts', 'install-temporal.mjs')], { stdio: 'inherit', cwd: root });
    } catch {
      complain('installing the Temporal binaries failed; looking for an existing `temporal` CLI instead.');
    }
  }
  try {
    return temporalCliPath();
  } catch (err) {
    throw new StackError((err as Error).message);
  }
}

export interface DevServerOptions {
  dbFile: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** The API's codec server (/codec), through which the UI decodes encrypted payloads. */
  codecEndpoint?: string;
}

/** `temporal server start-dev` on a SQLite file that outlives the process (and its restarts). */
export function devServerArgs({ dbFile, port, uiPort, namespace, codecEndpoint }: DevServerOptions): string[] {
  return [
    'server',
    'start-dev',
    '--db-filename',
    dbFile,
    // Write-ahead log: about 1.8x the stack's throughput (BENCHMARKS.md). A crash of the process loses
    // nothing committed; a power cut may lose the last transactions, never the file.
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--ui-disable-news-fetch',
    ...(codecEndpoint ? ['--ui-codec-endpoint', codecEndpoint] : []),
    '--log-level',
    'error',
    ...(namespace !== 'default' ? ['--namespace', namespace] : []),
    ...Object.entries(SEARCH_ATTRIBUTE_TYPES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
}

const INDEXED_TYPE: Record<string, string> = {
  INDEXED_VALUE_TYPE_TEXT: 'Text',
  INDEXED_VALUE_TYPE_KEYWORD: 'Keyword',
  INDEXED_VALUE_TYPE_INT: 'Int',
  INDEXED_VALUE_TYPE_DOUBLE: 'Double',
  INDEXED_VALUE_TYPE_BOOL: 'Bool',
  INDEXED_VALUE_TYPE_DATETIME: 'Datetime',
  INDEXED_VALUE_TYPE_KEYWORD_LIST: 'KeywordList',
};

/** The product's search attributes that are missing (by type), or an error for those of the wrong type. */
function missingAttributes(existing: Record<string, string>, namespace: string): Map<string, string[]> {
  const missing = new Map<string, string[]>();
  const wrong: string[] = [];
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES)) {
    const have = existing[name];
    if (have === undefined) missing.set(type, [...(missing.get(type) ?? []), name]);
    else if ((INDEXED_TYPE[have] ?? have) !== type)
      wrong.push(`${name} is ${INDEXED_TYPE[have] ?? have}, expected ${type}`);
  }
  if (wrong.length > 0) {
    throw new StackError(
      `search attributes with the wrong type in namespace ${namespace}: ${wrong.join('; ')}. Delete the data directory or fix them with \`temporal operator search-attribute\`.`,
    );
  }
  return missing;
}

/**
 * `start-dev --search-attribute` registers attributes only when it creates the database; on an
 * existing .data/temporal.sqlite new ones are ignored. So: list them, create what is missing.
 */
export async function ensureSearchAttributes(cli: string, address: string, namespace: string): Promise<void> {
  const common = ['--address', address, '--namespace', namespace];
  const { stdout } = await execFileAsync(cli, ['operator', 'search-attribute', 'list', ...common, '-o', 'json']);
  const existing = (JSON.parse(stdout) as { customAttributes?: Record<string, string> }).customAttributes ?? {};
  for (const [type, names] of missingAttributes(existing, namespace)) {
    const nameArgs = names.flatMap((n) => ['--name', n]);
    await execFileAsync(cli, ['operator', 'search-attribute', 'create', ...common, '--type', type, ...nameArgs]);
    say(`registered search attributes ${names.join(', ')} (${type}).`);
  }
}

const RETENTION_DAYS = 30;

/** The dev server keeps closed workflows 1 day; an engagement walked to PAID should outlive that. */
export async function ensureRetention(cli: string, address: string, namespace: string): Promise<void> {
  const common = ['--address', address, '--namespace', namespace];
  const { stdout } = await execFileAsync(cli, ['operator', 'namespace', 'describe', ...common, '-o', 'json']);
  const seconds = Number(/"workflowExecutionRetentionTtl":\s*"(\d+)s"/.exec(stdout)?.[1] ?? NaN);
  if (Number.isFinite(seconds) && seconds >= RETENTION_DAYS * 86_400) return;
  await execFileAsync(cli, ['operator', 'namespace', 'update', ...common, '--retention', `${RETENTION_DAYS * 24}h`]);
  say(`namespace ${namespace}: closed workflows are kept ${RETENTION_DAYS} days (the dev server's default is 1).`);
}

export async function temporalAnswers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

/** True once this worker process (SDK identity `<pid>@<host>`) polls the workflow task queue. */
export async function workerPolling(
  address: string,
  namespace: string,
  taskQueue: string,
  pid: number,
): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
    });
    return (pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`));
  } finally {
    await connection.close();
  }
}
