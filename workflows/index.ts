// The workflow bundle's entry: every workflow type the worker runs.
export * from './engagement/workflow';
export * from './partner/workflow';
export * from './agreement';
