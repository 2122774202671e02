// A deliberately incompatible version of the engagement workflow, for the replay test to prove that
// such a change is caught: it waits on a timer before registering anything, which the recorded
// histories never did.
import { sleep } from '@temporalio/workflow';
import { engagementWorkflow as current } from '../../workflows/engagement/workflow';
import type { EngagementInput } from '../../domain/engagement';

export async function engagementWorkflow(input: EngagementInput): ReturnType<typeof current> {
  await sleep('1 minute');
  return current(input);
}
