// The floor: the least a Temporal workflow can do for one engagement's worth of operations, with
// none of the product's own work (no state document, no validation, no search attributes, tiny
// payloads). Its shape comes from a real engagement's history (bench/bench.ts counts it):
//   - `updates` updates; the first `activitiesInUpdates` of them run one activity each inside the
//     handler (the product checks eligibility while forwarding and while reserving);
//   - every update and the start queue one fire-and-forget activity ("notify"), sent in order by
//     one fiber, like the product's notification pump, until `notifies` were sent;
//   - after the last update: `tailActivities` activities in a row (submit invoice, then payment
//     status polls) with a timer of `pollMs` before each poll (`polls` of them).
import {
  allHandlersFinished,
  condition,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';

export interface FloorShape {
  updates: number;
  activitiesInUpdates: number;
  notifies: number;
  /** Activities after the last update, the polls included. */
  tailActivities: number;
  /** How many of the tail activities are polls preceded by a timer. */
  polls: number;
  pollMs: number;
}

export const floorStep = defineUpdate<number, [number]>('step');
export const floorState = defineQuery<{ step: number; done: boolean }>('floorState');

export interface FloorActivities {
  work(n: number): Promise<number>;
}

const { work } = proxyActivities<FloorActivities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumAttempts: 5 },
});

export async function floorWorkflow(shape: FloorShape): Promise<number> {
  let step = 0;
  let done = false;
  let queued = 0;
  let closing = false;
  const outbox: number[] = [];
  const enqueue = () => {
    if (queued < shape.notifies) {
      queued += 1;
      outbox.push(queued);
    }
  };

  setHandler(
    floorStep,
    async (n: number) => {
      if (step < shape.activitiesInUpdates) await work(n);
      step += 1;
      enqueue();
      return step;
    },
    {
      validator: (n: number) => {
        if (typeof n !== 'number') throw new Error('a number');
      },
    },
  );
  setHandler(floorState, () => ({ step, done }));

  const pump = (async () => {
    for (;;) {
      await condition(() => outbox.length > 0 || closing);
      const next = outbox.shift();
      if (next === undefined) return;
      await work(-next);
    }
  })();

  enqueue();
  await condition(() => step >= shape.updates);
  const plain = shape.tailActivities - shape.polls;
  for (let i = 0; i < plain; i++) {
    await work(100 + i);
    enqueue();
  }
  for (let i = 0; i < shape.polls; i++) {
    await sleep(shape.pollMs);
    await work(200 + i);
  }
  while (queued < shape.notifies) enqueue();
  done = true;
  await condition(allHandlersFinished);
  closing = true;
  await pump;
  return step;
}
