// The workflow bundle is evaluated again for every workflow the worker loads, so what it holds costs
// CPU on every engagement: zod (the API's validator) must stay out of it; the workflows check
// payloads with the generated JSON Schemas instead (workflows/payload-validation.ts).
import { bundleWorkflowCode } from '@temporalio/worker';

test('the workflow bundle holds no zod', async () => {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: undefined });
  expect(code).toContain('@cfworker/json-schema');
  expect(code).not.toMatch(/node_modules\/zod\//);
}, 120_000);
