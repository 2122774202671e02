// Replays the committed histories of finished engagements with the current workflow code. A change
// that would break engagements already running fails here before it lands (use patched() instead).
// Histories recorded with payload encryption (*-codec-*) decode with the replay key; plain ones
// pass through the same codec unchanged, as old payloads do in a deployment.
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENCRYPTED_ENCODING } from '../worker/payload-codec';
import { replayDataConverter } from './support/replay-codec';

const dir = join(__dirname, 'histories');
const histories = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({ file, history: JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown }));

const workflowIdOf = (file: string) => `replay-${file}`;

/** The part of a history's JSON that says how its input was encoded. */
interface StartedHistoryJson {
  events?: Array<{
    workflowExecutionStartedEventAttributes?: { input?: { payloads?: Array<{ metadata?: { encoding?: string } }> } };
  }>;
}

test('there are committed histories of paid, expired and cancelled engagements', () => {
  expect(histories.map((h) => h.file)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/paid/),
      expect.stringMatching(/expired/),
      expect.stringMatching(/cancelled/),
    ]),
  );
});

test('there are committed histories recorded with encrypted payloads', () => {
  const encrypted = histories.filter(({ history }) => {
    // History JSON as the CLI writes it: metadata values are base64.
    const input = (history as StartedHistoryJson).events?.[0]?.workflowExecutionStartedEventAttributes?.input
      ?.payloads?.[0];
    return Buffer.from(input?.metadata?.encoding ?? '', 'base64').toString() === ENCRYPTED_ENCODING;
  });
  expect(encrypted.map((h) => h.file)).toEqual(
    expect.arrayContaining([expect.stringMatching(/paid-codec/), expect.stringMatching(/cancelled-codec/)]),
  );
});

test('every committed history replays with the current workflow code', async () => {
  const results = Worker.runReplayHistories(
    {
      workflowsPath: require.resolve('../workflows'),
      replayName: 'committed-histories',
      dataConverter: replayDataConverter(),
    },
    histories.map(({ file, history }) => ({ workflowId: workflowIdOf(file), history })),
  );
  const failures: string[] = [];
  for await (const result of results) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
});

test('an incompatible change to the workflow is caught by the replay', async () => {
  const { file, history } = histories.find((h) => h.file.includes('paid'))!;
  await expect(
    Worker.runReplayHistory(
      {
        workflowsPath: require.resolve('./support/incompatible-engagement'),
        replayName: 'incompatible',
        dataConverter: replayDataConverter(),
      },
      history,
      workflowIdOf(file),
    ),
  ).rejects.toBeInstanceOf(DeterminismViolationError);
});
