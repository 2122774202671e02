// The one transition table: the workflow's allowed-status checks derive from it, the README's
// diagram is generated from it, and the path replayed from a history ends where the engagement is.
import { readFileSync } from 'node:fs';
import { ALLOWED_IN, ENGAGEMENT_STATUSES, FINAL_STATUSES, type EngagementMessage } from '../../domain/engagement';
import {
  allowedIn,
  TRANSITION_MESSAGES,
  messagesAllowedIn,
  pathTaken,
  STATUSES,
  TERMINAL_STATUSES,
  TRANSITIONS,
  type HistoryStep,
} from '../../domain/transitions';
import { README, withDiagram } from '../../scripts/transitions-diagram';

describe('the transition table', () => {
  it('gives, for every message the workflow checks, exactly the statuses the workflow allows it in', () => {
    for (const message of Object.keys(ALLOWED_IN) as EngagementMessage[]) {
      expect([message, allowedIn(message)]).toEqual([message, [...ALLOWED_IN[message]]]);
    }
  });

  it('names every status of the engagement, and its final statuses are the workflow’s', () => {
    expect([...STATUSES].sort()).toEqual([...ENGAGEMENT_STATUSES].sort());
    expect([...TERMINAL_STATUSES].sort()).toEqual([...FINAL_STATUSES].sort());
  });

  it('leaves no final status and reaches every status', () => {
    for (const status of TERMINAL_STATUSES) expect(TRANSITIONS.filter((t) => t.from === status)).toEqual([]);
    const reached = new Set(['ASSIGNED', ...TRANSITIONS.map((t) => t.to)]);
    expect([...reached].sort()).toEqual([...ENGAGEMENT_STATUSES].sort());
  });

  it('allows the validity extension only before redemption', () => {
    expect(allowedIn('voucherExpiryExtended')).toEqual(['ASSIGNED', 'FORWARDED', 'RESERVED', 'REPORT_SUBMITTED']);
    expect(messagesAllowedIn('REDEEMED')).toEqual([]);
    expect(messagesAllowedIn('AWAITING_SAVB_REGISTRATION')).toEqual(['invoiceRetryRequested']);
    expect(TRANSITION_MESSAGES.every((m) => allowedIn(m).length > 0)).toBe(true);
  });

  it('replays the path taken from a history, including SAVB’s refusal and a cancelled reservation', () => {
    const history = [
      { event: 'engagementStarted', accepted: true },
      { event: 'voucherForwarded', accepted: true },
      { event: 'voucherReserved', accepted: false },
      { event: 'voucherReserved', accepted: true },
      { event: 'reservationCancelled', accepted: true },
      { event: 'voucherReserved', accepted: true },
      { event: 'completionReportSubmitted', accepted: true },
      { event: 'voucherRedeemed', accepted: true },
      { event: 'invoiceRefused', accepted: false, refusals: [{ code: 'PARTNER_NOT_REGISTERED' }] },
      { event: 'invoiceRefused', accepted: false, refusals: [{ code: 'PARTNER_NOT_REGISTERED' }] },
      { event: 'invoiceRetryRequested', accepted: true },
      { event: 'invoiceSubmitted', accepted: true },
      { event: 'savbStatusPAID', accepted: true },
    ];
    expect(pathTaken(history, 'PAID')).toEqual([
      'ASSIGNED',
      'FORWARDED',
      'RESERVED',
      'FORWARDED',
      'RESERVED',
      'REPORT_SUBMITTED',
      'REDEEMED',
      'AWAITING_SAVB_REGISTRATION',
      'INVOICE_SUBMITTED',
      'PAID',
    ]);
    expect(pathTaken([{ event: 'voucherExpired', accepted: true }], 'EXPIRED')).toEqual(['ASSIGNED', 'EXPIRED']);
    const denied: HistoryStep[] = [
      'voucherForwarded',
      'voucherReserved',
      'completionReportSubmitted',
      'voucherRedeemed',
    ].map((event) => ({ event, accepted: true }));
    denied.push({ event: 'invoiceRefused', accepted: false, refusals: [{ code: 'NO_RATE_FOR_COUNTRY' }] });
    expect(pathTaken(denied, 'INVOICE_DENIED').slice(-2)).toEqual(['REDEEMED', 'INVOICE_DENIED']);
  });

  it("matches the README's Mermaid diagram (npm run diagram rewrites it)", () => {
    const readme = readFileSync(README, 'utf8');
    expect(withDiagram(readme)).toBe(readme);
  });
});
