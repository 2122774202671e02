// Which message is allowed in which status, and which refusal decides the HTTP answer.
import { ALLOWED_IN, ENGAGEMENT_STATUSES, FINAL_STATUSES, statusRefusal } from '../../domain/engagement';
import { partnerIdOfActor } from '../../domain/rules/actors';
import { REFUSAL_FAILURE_TYPE, Rule, primaryRefusal, ruleRefusal, stateRefusal } from '../../domain/refusals';

describe('statusRefusal', () => {
  it('allows each message only where the workflow can take it', () => {
    expect(statusRefusal('voucherForwarded', 'ASSIGNED')).toBeUndefined();
    expect(statusRefusal('voucherForwarded', 'FORWARDED')).toBeUndefined();
    expect(statusRefusal('voucherReserved', 'FORWARDED')).toBeUndefined();
    expect(statusRefusal('reservationChanged', 'RESERVED')).toBeUndefined();
    expect(statusRefusal('reservationCancelled', 'RESERVED')).toBeUndefined();
    expect(statusRefusal('completionReportSubmitted', 'RESERVED')).toBeUndefined();
    expect(statusRefusal('voucherRedeemed', 'REPORT_SUBMITTED')).toBeUndefined();
    expect(statusRefusal('invoiceRetryRequested', 'INVOICE_DENIED')).toBeUndefined();
    expect(statusRefusal('invoiceRetryRequested', 'AWAITING_SAVB_REGISTRATION')).toBeUndefined();
  });

  it('refuses a message in another status as a state conflict naming the allowed ones', () => {
    const refusal = statusRefusal('voucherRedeemed', 'RESERVED');
    expect(refusal).toMatchObject({ kind: 'STATE', code: 'NOT_ALLOWED_IN_STATUS' });
    expect(refusal?.message).toContain('REPORT_SUBMITTED');
  });

  it('allows no message in a final status, and no cancellation once redeemed', () => {
    for (const status of FINAL_STATUSES) {
      for (const message of Object.keys(ALLOWED_IN) as (keyof typeof ALLOWED_IN)[]) {
        expect(statusRefusal(message, status)?.kind).toBe('STATE');
      }
    }
    expect(statusRefusal('engagementCancelled', 'REDEEMED')?.kind).toBe('STATE');
  });

  it('only uses known statuses', () => {
    for (const statuses of Object.values(ALLOWED_IN))
      for (const s of statuses) expect(ENGAGEMENT_STATUSES).toContain(s);
  });
});

describe('refusals', () => {
  it('picks the most telling refusal: malformed, forbidden, state, then rule', () => {
    const rule = ruleRefusal(Rule.VOUCHER_EXPIRED, 'expired');
    const state = stateRefusal('NOT_ALLOWED_IN_STATUS', 'no');
    const invalid = { kind: 'INVALID' as const, code: 'INVALID', message: 'bad' };
    expect(primaryRefusal([rule, state])).toBe(state);
    expect(primaryRefusal([rule, state, invalid])).toBe(invalid);
    expect(primaryRefusal([rule])).toBe(rule);
  });

  it('maps every kind to a failure type', () => {
    expect(REFUSAL_FAILURE_TYPE).toEqual({
      STATE: 'StateConflict',
      RULE: 'RuleViolation',
      INVALID: 'InvalidMessage',
      FORBIDDEN: 'Forbidden',
      UNAVAILABLE: 'DependencyUnavailable',
      LIMITED: 'TooManyAttempts',
    });
  });

  it('ranks an unavailable dependency after state conflicts and before rule refusals', () => {
    const unavailable = { kind: 'UNAVAILABLE' as const, code: 'DEPENDENCY_UNAVAILABLE', message: 'x' };
    expect(primaryRefusal([ruleRefusal('R', 'r'), unavailable]).kind).toBe('UNAVAILABLE');
    expect(primaryRefusal([unavailable, stateRefusal('S', 's')]).kind).toBe('STATE');
  });

  it('keeps rule codes equal to their names', () => {
    for (const [name, code] of Object.entries(Rule)) expect(code).toBe(name);
  });

  it('reads the partner from an actor', () => {
    expect(partnerIdOfActor('partner:contoso')).toBe('contoso');
    expect(partnerIdOfActor('operator')).toBeUndefined();
    expect(partnerIdOfActor(undefined)).toBeUndefined();
  });
});
