// Bundles the workflow code once at build time (`npm run build`), so production workers load it instead of running webpack at every start.
// Compiled to dist/scripts/ and run from there, it bundles the compiled workflows (dist/workflows)
// into dist/workflow-bundle.js, the file worker/main.ts loads (workflowBundle: { codePath }).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PREBUILT_BUNDLE_FILE } from '../worker/bundle';

async function main(): Promise<void> {
  const out = process.argv[2] ?? join(__dirname, '..', PREBUILT_BUNDLE_FILE);
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  writeFileSync(out, code);
  console.log(`workflow bundle: ${out} (${(code.length / 2 ** 20).toFixed(2)} MiB)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
