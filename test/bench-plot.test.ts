// The benchmark's plot: JSON lines of lifecycle runs become one SVG with a column per server and the
// product's and the floor's throughput and p99 against concurrency; other lines are left out.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPoints } from '../bench/plot';

const line = (server: string, concurrency: number, mode = 'lifecycle') =>
  JSON.stringify({
    mode,
    concurrency,
    engagementsPerSec: 5 + concurrency / 10,
    latencyMs: { partnerActions: { p99: 900 + concurrency } },
    floor: { engagementsPerSec: 8, latencyMs: { update: { p99: 600 } } },
    machine: { temporal: server },
  });

it('plots product and floor, throughput and p99, one column per server, from lifecycle lines only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-plot-'));
  const file = join(dir, 'runs.jsonl');
  const lines = [5, 10, 20, 40].flatMap((c) => [line('dev server (SQLite file)', c), line('PostgreSQL cluster', c)]);
  writeFileSync(file, `${[...lines, line('dev server (SQLite file)', 80, 'open'), 'not json'].join('\n')}\n`);
  const points = readPoints([file]);
  expect(points).toHaveLength(8 * 4);
  expect(points.some((p) => p.concurrency === 80)).toBe(false);
  // As a user runs it (Vega is ESM-only, so it runs under tsx, not inside Jest).
  const out = join(dir, 'plot.svg');
  execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'bench', 'plot.ts'), file, '--out', out]);
  const svg = readFileSync(out, 'utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  for (const text of ['dev server (SQLite file)', 'PostgreSQL cluster', 'product', 'floor', 'concurrency'])
    expect(svg).toContain(text);
});
