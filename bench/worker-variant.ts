// A product worker for experiments (`npm run bench -- --worker-entry bench/worker-variant.ts`): the
// product's worker process (worker/main.ts) with extra worker options from the environment, so
// tuning can be measured before it goes into worker/worker.ts.
//   BENCH_WORKER_TUNING    JSON worker options, e.g. {"maxCachedWorkflows":300}
//   BENCH_WORKFLOW_BUNDLE  a prebuilt workflow bundle (bench/build-bundle.ts) instead of bundling at start
import type { WorkerOptions } from '@temporalio/worker';
import { runAsMain } from '../worker/main';

const tuning = JSON.parse(process.env.BENCH_WORKER_TUNING || '{}') as Partial<WorkerOptions>;
if (process.env.BENCH_WORKFLOW_BUNDLE) tuning.workflowBundle = { codePath: process.env.BENCH_WORKFLOW_BUNDLE };
runAsMain(tuning);
