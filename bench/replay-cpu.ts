// The workflow code's CPU, apart from servers and network: committed histories replayed many times
// in this process (the SDK's replay worker, the product's workflow bundle), reporting CPU per replay.
// Judges a change to the workflow code, or an SDK release, without the lifecycle's ±10 % noise.
//   npm run bench:replay -- [--count 100] [--history test/histories/<file>.json ...] [--stack-trace-limit N]
// --stack-trace-limit measures the SDK's per-promise stack capture: it prepends `Error.stackTraceLimit
// = N` to the bundle (the sandbox freezes `Error` before workflow code runs, so only the bundle's
// first line can set it). An experiment: the product ships the SDK's default depth (BENCHMARKS.md).
import { writeFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { CODE_VERSION } from './code-version';

const DEFAULT_HISTORIES = [
  'test/histories/engagement-paid-v6-level.json',
  'test/histories/engagement-cancelled-v6-level.json',
  'test/histories/engagement-expired-v6-level.json',
];
const WARM_UP_ROUNDS = 20;

/** A history as `temporal workflow show --output json` writes it (the replayer converts it each time). */
type History = unknown;

// The SDK's own logger at WARN, as the floor's worker has it: webpack's and the replayer's INFO lines hide the result.
const quietLogger = new DefaultLogger('WARN');

async function bundleFile(dir: string, stackTraceLimit: string | undefined): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietLogger });
  const path = join(dir, 'workflow-bundle.js');
  writeFileSync(
    path,
    stackTraceLimit === undefined ? code : `Error.stackTraceLimit = ${Number(stackTraceLimit)};\n${code}`,
  );
  return path;
}

/** Replays every history `rounds` times; throws on the first replay that fails. */
async function replay(codePath: string, histories: History[], rounds: number): Promise<void> {
  async function* all() {
    for (let round = 0; round < rounds; round++)
      for (const [i, history] of histories.entries()) yield { workflowId: `replay-${round}-${i}`, history };
  }
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath } }, all()))
    if (result.error) throw result.error;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '100' },
      history: { type: 'string', multiple: true },
      'stack-trace-limit': { type: 'string' },
    },
  });
  Runtime.install({ logger: quietLogger });
  const files = values.history ?? DEFAULT_HISTORIES;
  const histories = files.map((file): History => JSON.parse(readFileSync(file, 'utf8')));
  const dir = mkdtempSync(join(tmpdir(), 'pso-bench-replay-'));
  try {
    const codePath = await bundleFile(dir, values['stack-trace-limit']);
    await replay(codePath, histories, WARM_UP_ROUNDS);
    const before = process.cpuUsage();
    const started = Date.now();
    const rounds = Number(values.count);
    await replay(codePath, histories, rounds);
    const cpu = process.cpuUsage(before);
    const replays = rounds * histories.length;
    const perReplay = (ms: number) => Math.round((ms / replays) * 100) / 100;
    console.log(
      JSON.stringify({
        bench: 'replay-cpu',
        code: CODE_VERSION,
        node: process.version,
        histories: files,
        replays,
        stackTraceLimit:
          values['stack-trace-limit'] === undefined ? 'SDK default' : Number(values['stack-trace-limit']),
        cpuMsPerReplay: perReplay((cpu.user + cpu.system) / 1000),
        wallMsPerReplay: perReplay(Date.now() - started),
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
