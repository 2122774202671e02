// Builds the worker that runs every workflow and activity of the product. Used by worker/main.ts,
// the stack command and the tests, so all of them run the same thing.
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
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
  /** Payload encryption (worker/data-converter.ts); the worker's client must use the same. */
  dataConverter?: DataConverter;
  /** The record store's pool (records/pool.ts). */
  records: ActivityDeps['records'];
  /** Extra worker options (tuning, a prebuilt bundle). */
  tuning?: Partial<WorkerOptions>;
}

/**
 * Engagements kept in the worker's workflow cache. Each cached engagement holds its own copy of the
 * workflow bundle's modules. The SDK's default, sized from the V8 heap limit (about 2,300 on a 4 GB
 * heap), let 10,000 open engagements take the worker to 4.7 GB RSS; with 200 (and zod out of the
 * bundle) the worker peaks at about 450 MiB (BENCHMARKS.md), and an evicted engagement answers a
 * query in about 20 ms by replaying its history. Tuning can override it.
 */
export const MAX_CACHED_WORKFLOWS = 200;

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const { tuning = {} } = options;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? options.client.options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    activities: createActivities({
      client: options.client,
      config: options.config,
      rateCard: options.rateCard,
      records: options.records,
    }),
    ...(tuning.workflowBundle ? {} : { workflowsPath: require.resolve('../workflows') }),
    maxCachedWorkflows: MAX_CACHED_WORKFLOWS,
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...tuning,
  });
}
