// How refusals and Temporal errors become problems (unit level; the HTTP suites cover them end to end).
import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { engagementNotFound, kebab, PROBLEM_BASE, refusalProblem } from '../../api/problems';
import { temporalProblem } from '../../api/temporal';
import { REFUSAL_FAILURE_TYPE, type Refusal } from '../../domain/refusals';

const refused = (refusals: Refusal[], nested = false) =>
  new WorkflowUpdateFailedError(
    'Workflow Update failed',
    ApplicationFailure.create({
      type: REFUSAL_FAILURE_TYPE[refusals[0].kind],
      message: refusals.map((r) => r.message).join('; '),
      details: nested ? [refusals] : refusals,
      nonRetryable: true,
    }),
  );
const ctx = { notFound: () => engagementNotFound('V1') };

describe('problems', () => {
  it('turns rule codes into stable type URIs', () => {
    expect(kebab('NOT_ALLOWED_IN_STATUS')).toBe('not-allowed-in-status');
    expect(kebab('PROJECT_MANAGER_EMAIL_MISMATCH')).toBe('project-manager-email-mismatch');
  });

  it('the most telling refusal decides status and type; all are listed', () => {
    const p = refusalProblem([
      { kind: 'RULE', code: 'DATES_AFTER_EXPIRY', message: 'too late', fields: ['endDate'] },
      { kind: 'STATE', code: 'NOT_ALLOWED_IN_STATUS', message: 'not now' },
    ]).problem;
    expect(p.status).toBe(409);
    expect(p.type).toBe(`${PROBLEM_BASE}not-allowed-in-status`);
    expect(p.rules!.map((r) => r.code)).toEqual(['DATES_AFTER_EXPIRY', 'NOT_ALLOWED_IN_STATUS']);
  });

  it.each([
    ['INVALID', 400],
    ['FORBIDDEN', 403],
    ['STATE', 409],
    ['RULE', 422],
    ['UNAVAILABLE', 503],
  ] as const)('a workflow refusal of kind %s is a %d', (kind, status) => {
    for (const nested of [false, true]) {
      const mapped = temporalProblem(
        refused([{ kind, code: 'SOME_CODE', message: 'because', fields: ['x'] }], nested),
        ctx,
      );
      expect(mapped.problem.status).toBe(status);
      expect(mapped.problem.type).toBe(`${PROBLEM_BASE}some-code`);
      expect(mapped.problem.fields).toEqual(['x']);
      if (status === 503) expect(mapped.headers['Retry-After']).toBeDefined();
    }
  });

  it("a partner's Forbidden is the engagement's 404", () => {
    const mapped = temporalProblem(refused([{ kind: 'FORBIDDEN', code: 'NOT_THE_FORWARDED_PARTNER', message: 'no' }]), {
      ...ctx,
      forbiddenAsNotFound: true,
    });
    expect(mapped.problem.status).toBe(404);
    expect(mapped.problem.type).toBe(`${PROBLEM_BASE}engagement-not-found`);
  });

  it('an unknown workflow is the 404; a timed-out update a 504 named as a time-out, not as an unreachable server', () => {
    expect(temporalProblem(new WorkflowNotFoundError('gone', 'engagement-V1', undefined), ctx).problem.status).toBe(
      404,
    );
    const timeout = temporalProblem(new WorkflowUpdateRPCTimeoutOrCancelledError('timed out'), ctx);
    expect(timeout.problem).toMatchObject({ status: 504, type: `${PROBLEM_BASE}temporal-timeout` });
    expect(timeout.problem.detail).not.toMatch(/not reachable/);
    expect(timeout.headers['Retry-After']).toBe('2');
  });

  it('an update failing for another reason is a 500 problem; anything unknown is rethrown', () => {
    const bug = new WorkflowUpdateFailedError(
      'failed',
      ApplicationFailure.create({ type: 'TypeError', message: 'x is undefined' }),
    );
    expect(temporalProblem(bug, ctx).problem.status).toBe(500);
    const odd = new Error('odd');
    expect(() => temporalProblem(odd, ctx)).toThrow(odd);
  });
});
