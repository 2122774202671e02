// `npm run bench:plot -- results.jsonl [...] [--out docs/benchmarks/concurrency.svg]`: throughput and
// partner-action p99 against concurrency, product and floor, one column per server, from the
// benchmark's JSON lines (lifecycle mode). Drawn with Vega-Lite, rendered to SVG by Vega.
import { readFileSync, writeFileSync } from 'node:fs';

interface BenchLine {
  mode?: string;
  concurrency?: number;
  engagementsPerSec?: number;
  latencyMs?: { partnerActions?: { p99?: number } };
  floor?: { engagementsPerSec?: number; latencyMs?: { update?: { p99?: number } } };
  machine?: { temporal?: string };
}

interface Point {
  server: string;
  concurrency: number;
  who: 'product' | 'floor';
  measure: string;
  value: number;
}

const THROUGHPUT = 'engagements per second';
const P99 = 'p99 ms (product: partner actions; floor: updates)';

/** The points of one lifecycle line: product and floor, throughput and p99. */
function pointsOf(line: BenchLine): Point[] {
  if (line.mode !== 'lifecycle' || line.concurrency === undefined) return [];
  const at = { server: line.machine?.temporal ?? 'unknown server', concurrency: line.concurrency };
  const candidates: [Point['who'], string, number | undefined][] = [
    ['product', THROUGHPUT, line.engagementsPerSec],
    ['product', P99, line.latencyMs?.partnerActions?.p99],
    ['floor', THROUGHPUT, line.floor?.engagementsPerSec],
    ['floor', P99, line.floor?.latencyMs?.update?.p99],
  ];
  return candidates
    .filter((c): c is [Point['who'], string, number] => typeof c[2] === 'number')
    .map(([who, measure, value]) => ({ ...at, who, measure, value }));
}

export function readPoints(files: string[]): Point[] {
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim().startsWith('{'))
      .flatMap((l) => pointsOf(JSON.parse(l) as BenchLine)),
  );
}

/** One line per (server, who) and measure, through the mean of the runs; each run a dot. */
function chartSpec(points: Point[]): Record<string, unknown> {
  const encoding = {
    x: {
      field: 'concurrency',
      type: 'quantitative',
      scale: { type: 'log', base: 2 },
      axis: { values: [5, 10, 20, 40] },
    },
    color: { field: 'who', type: 'nominal', title: null },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values: points },
    facet: { row: { field: 'measure', title: null }, column: { field: 'server', title: null } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 260,
      height: 160,
      layer: [
        {
          mark: { type: 'line', point: false },
          encoding: { ...encoding, y: { aggregate: 'mean', field: 'value', type: 'quantitative', title: null } },
        },
        {
          mark: { type: 'point', filled: true, size: 30 },
          encoding: { ...encoding, y: { field: 'value', type: 'quantitative', title: null } },
        },
      ],
    },
  };
}

export async function renderSvg(points: Point[]): Promise<string> {
  // vega-lite publishes its types for node16/bundler resolution only; what is used here is this one call.
  const vegaLiteModule: string = 'vega-lite';
  const vegaLite = (await import(vegaLiteModule)) as { compile(spec: unknown): { spec: unknown } };
  const vega = await import('vega');
  const compiled = vegaLite.compile(chartSpec(points)).spec;
  const view = new vega.View(vega.parse(compiled as Parameters<typeof vega.parse>[0]), { renderer: 'none' });
  return view.toSVG();
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  const out = outIndex >= 0 ? args[outIndex + 1] : 'docs/benchmarks/concurrency.svg';
  const files = args.filter((_, i) => i !== outIndex && i !== outIndex + 1);
  if (!files.length) throw new Error('usage: npm run bench:plot -- results.jsonl [...] [--out file.svg]');
  const points = readPoints(files);
  if (!points.length) throw new Error('no lifecycle lines with a concurrency in the given files');
  writeFileSync(out, await renderSvg(points));
  process.stderr.write(`wrote ${out} (${points.length} points)\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  });
}
