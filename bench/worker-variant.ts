// A product worker for experiments (`npm run bench -- --worker-entry bench/worker-variant.ts`): the
// product's createWorker, with extra worker options from the environment, so tuning can be measured
// before it goes into worker/worker.ts.
//   BENCH_WORKER_TUNING    JSON worker options, e.g. {"maxCachedWorkflows":300}
//   BENCH_WORKFLOW_BUNDLE  a prebuilt workflow bundle (bench/build-bundle.ts) instead of bundling at start
// Configuration otherwise as worker/main.ts (config/env.ts), logs at WARN;
// SIGTERM drains it (the SDK's runtime).
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type WorkerOptions } from '@temporalio/worker';
import { loadConfig, loadRateCard } from '../config/env';
import { createWorker } from '../worker/worker';

async function main(): Promise<void> {
  const config = loadConfig();
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      metrics: { prometheus: { bindAddress: `127.0.0.1:${config.WORKER_METRICS_PORT}` } },
    },
  });
  const tuning = JSON.parse(process.env.BENCH_WORKER_TUNING || '{}') as Partial<WorkerOptions>;
  if (process.env.BENCH_WORKFLOW_BUNDLE) tuning.workflowBundle = { codePath: process.env.BENCH_WORKFLOW_BUNDLE };
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection: await Connection.connect({ address: config.TEMPORAL_ADDRESS }), namespace: config.TEMPORAL_NAMESPACE });
  const worker = await createWorker({
    connection,
    client,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    config,
    rateCard: loadRateCard(config.RATE_CARD_PATH),
    tuning: { shutdownGraceTime: '10s', ...tuning },
  });
  await worker.run();
  await client.connection.close();
  await connection.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
