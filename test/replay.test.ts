// Replays the committed histories of finished engagements with the current workflow code. A change
// that would break engagements already running fails here before it lands (use patched() instead).
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(__dirname, 'histories');
const histories = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({ file, history: JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown }));

const workflowIdOf = (file: string) => `replay-${file}`;

test('there are committed histories of paid, expired and cancelled engagements', () => {
  expect(histories.map((h) => h.file)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/paid/),
      expect.stringMatching(/expired/),
      expect.stringMatching(/cancelled/),
    ]),
  );
});

test('every committed history replays with the current workflow code', async () => {
  const results = Worker.runReplayHistories(
    { workflowsPath: require.resolve('../workflows'), replayName: 'committed-histories' },
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
      { workflowsPath: require.resolve('./support/incompatible-engagement'), replayName: 'incompatible' },
      history,
      workflowIdOf(file),
    ),
  ).rejects.toBeInstanceOf(DeterminismViolationError);
});
