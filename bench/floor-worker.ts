// The floor's worker, a child process of the benchmark like the product's worker: SDK default
// options (the ones the product's worker started from), no-op activities, its own task queue.
// BENCH_FLOOR_TUNING may hold extra worker options as JSON (to give the floor the product's tuning).
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type { FloorActivities } from './floor-workflow';

async function main(): Promise<void> {
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
  });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? 'localhost:7233' });
  const activities: FloorActivities = { work: (n: number) => Promise.resolve(n) };
  const tuning = JSON.parse(process.env.BENCH_FLOOR_TUNING || '{}') as Partial<WorkerOptions>;
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: process.env.BENCH_FLOOR_TASK_QUEUE ?? 'bench-floor',
    workflowsPath: require.resolve('./floor-workflow'),
    activities,
    shutdownGraceTime: '5s',
    ...tuning,
  });
  await worker.run();
  await connection.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
