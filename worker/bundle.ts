// Which workflow code a worker runs: the bundle `npm run build` wrote next to the compiled worker, or the workflow sources bundled at start-up.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';

/** The bundle's file name in dist/ (scripts/build-workflow-bundle.ts writes it). */
export const PREBUILT_BUNDLE_FILE = 'workflow-bundle.js';

/**
 * Worker options for the prebuilt bundle when this module runs compiled (dist/worker/bundle.js, with
 * dist/workflow-bundle.js beside it), else none: from the TypeScript sources (tsx, tests) the worker
 * bundles the workflows itself, so a stale bundle can never run newer sources.
 */
export function prebuiltBundleOptions(distDir = join(__dirname, '..')): Partial<WorkerOptions> {
  const codePath = join(distDir, PREBUILT_BUNDLE_FILE);
  if (__filename.endsWith('.ts') || !existsSync(codePath)) return {};
  return { workflowBundle: { codePath } };
}
