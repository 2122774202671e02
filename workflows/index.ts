// The workflow bundle's entry: every workflow type the worker runs.
export * from './engagement/workflow';
export * from './partner';
export * from './agreement';
