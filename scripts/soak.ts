// `npm run soak [-- <jest arguments>]`: the reliability suites (test/reliability) with SOAK=1, which
// scales their counts up (more engagements, more worker and server kills, longer SAVB faults), then
// the fault table of the run: every fault tried, how many engagements, what was lost.
//
//   npm run soak                          all four suites (about an hour on two cores)
//   npm run soak -- worker-crash          one suite
//   RELIABILITY_SEED=123 npm run soak     repeat a run's random choices (the seed is printed)
//
// The per-suite tables are written to test/reliability/results/*.json (not committed).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAllResults, renderTable } from '../test/support/reliability-harness';

const ROOT = join(__dirname, '..');
const RESULTS = join(ROOT, 'test', 'reliability', 'results');

function main(): number {
  mkdirSync(RESULTS, { recursive: true });
  for (const file of readdirSync(RESULTS)) if (file.endsWith('.json')) rmSync(join(RESULTS, file));

  const args = process.argv.slice(2);
  const selection = args.length ? args : ['test/reliability'];
  const began = Date.now();
  const jest = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--runInBand', '--testTimeout', '3600000', ...selection],
    {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, SOAK: '1' },
    },
  );
  const minutes = ((Date.now() - began) / 60_000).toFixed(1);

  const rows = readAllResults();
  const table = rows.length ? renderTable(rows) : '(no results: did the suites start?)';
  const lost = rows.reduce((n, r) => n + r.lost + r.duplicatePayments + r.stuck + r.wrongState, 0);
  process.stdout.write(
    `\nSoak run: ${minutes} min, jest exit ${jest.status ?? jest.signal}\n\n${table}\n\nlost, duplicate payments, stuck or misplaced engagements: ${lost}\n`,
  );
  writeFileSync(
    join(RESULTS, 'soak-summary.md'),
    `Soak run ${new Date().toISOString()}, ${minutes} min, jest exit ${jest.status ?? jest.signal}\n\n${table}\n`,
  );
  return jest.status === 0 && lost === 0 ? 0 : 1;
}

process.exit(main());
