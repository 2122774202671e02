// Test-only workflow bundle entry with just the partner and agreement workflows, so their tests do
// not depend on the engagement workflow being buildable.
export * from '../../workflows/partner/workflow';
export * from '../../workflows/agreement';
