// Builds the worker that runs every workflow and activity of the product. Used by worker/main.ts,
// the stack command and the tests, so all of them run the same thing.
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { createActivities, ActivityDeps } from '../activities';
import { TASK_QUEUE } from '../workflows/messages';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  client: Client;
  namespace?: string;
  taskQueue?: string;
  config: ActivityDeps['config'];
  rateCard: ActivityDeps['rateCard'];
  /** Extra worker options (tuning, a prebuilt bundle). */
  tuning?: Partial<WorkerOptions>;
}

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const { tuning = {} } = options;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? options.client.options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    activities: createActivities({ client: options.client, config: options.config, rateCard: options.rateCard }),
    ...(tuning.workflowBundle ? {} : { workflowsPath: require.resolve('../workflows') }),
    ...tuning,
  });
}
