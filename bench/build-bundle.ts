// Builds the product's workflow bundle once (what the worker otherwise does with webpack at every
// start): `npx tsx bench/build-bundle.ts <out.js>`. Used with bench/worker-variant.ts.
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';

async function main(): Promise<void> {
  const out = process.argv[2] ?? 'workflow-bundle.js';
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  writeFileSync(out, code);
  console.log(`${out}: ${(code.length / 2 ** 20).toFixed(2)} MiB`);
}

void main();
