// Writes a finished workflow's history into test/histories/ for the replay test, as the Temporal CLI
// exports it: the canonical proto3 JSON operators export too (and historyFromJSON reads).
// Used by scripts/record-histories.ts and scripts/record-dev-history.ts.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporalCliPath } from './temporal-binaries';

/** `runId` picks one run of a workflow that continued as new; without it, its latest run. */
export function writeHistoryFile(address: string, workflowId: string, name: string, runId?: string): void {
  const run = runId ? ['--run-id', runId] : [];
  const json = execFileSync(
    temporalCliPath(),
    ['workflow', 'show', '--workflow-id', workflowId, ...run, '--address', address, '--output', 'json'],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const file = join(__dirname, '..', 'test', 'histories', `${name}.json`);
  writeFileSync(file, json);
  console.log(`wrote ${file} (${(JSON.parse(json) as { events: unknown[] }).events.length} events)`);
}
