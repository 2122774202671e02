// What a partner sees of an engagement after a takeover: none of the previous partner's trail, also
// when an operator's signal did the forwarding; nothing changes without a takeover.
import type { EngagementEvent, EngagementState, NotificationRecord } from '../../domain/engagement';
import { partnerView } from '../../domain/partner-view';

const event = (at: string, actor: string, name: string, detail?: string, accepted = true): EngagementEvent => ({
  at: `2026-03-01T09:00:${at}.000Z`,
  actor,
  event: name,
  accepted,
  ...(detail ? { detail } : {}),
});
const note = (at: string, message: string): NotificationRecord => ({
  kind: 'STATUS',
  at: `2026-03-01T09:00:${at}.000Z`,
  message,
  delivered: true,
});
const state = (history: EngagementEvent[], notifications: NotificationRecord[]) =>
  ({
    voucherId: 'V-1',
    status: 'FORWARDED',
    partnerId: 'fabrikam',
    history,
    notifications,
  }) as unknown as EngagementState;

const started = event('00', 'backoffice', 'engagementStarted');
const assigned = note('00', 'Voucher V-1 assigned');

describe('partnerView', () => {
  it("drops the previous partner's events and notifications, and the takeover no longer names it", () => {
    const view = partnerView(
      state(
        [
          started,
          event('01', 'partner:contoso', 'voucherForwarded', 'forwarded to contoso: eligible'),
          event('02', 'partner:contoso', 'voucherReserved', '2026-04-01..2026-04-05 at LOC-C (US) by C-7'),
          event('03', 'partner:fabrikam', 'voucherForwarded', undefined, false),
          event('04', 'partner:contoso', 'reservationCancelled', 'staff ill'),
          event('05', 'partner:fabrikam', 'voucherForwarded', 'taken over from contoso by fabrikam: eligible'),
        ],
        [
          assigned,
          note('01', 'forwarded to contoso'),
          note('02', 'reserved by contoso'),
          note('05', 'forwarded to fabrikam'),
        ],
      ),
      'fabrikam',
    );
    expect(view.history.map((e) => `${e.at.slice(17, 19)} ${e.event}`)).toEqual([
      '00 engagementStarted',
      '03 voucherForwarded', // its own refused attempt stays
      '05 voucherForwarded',
    ]);
    expect(view.history.at(-1)!.detail).toBe('forwarded to fabrikam: eligible');
    expect(view.notifications.map((n) => n.message)).toEqual(['Voucher V-1 assigned', 'forwarded to fabrikam']);
    expect(JSON.stringify(view)).not.toMatch(/contoso|LOC-C|C-7|staff ill/);
  });

  it('recognises forwardings an operator signalled for a partner', () => {
    const view = partnerView(
      state(
        [
          started,
          event('01', 'operator', 'voucherForwarded', 'forwarded to contoso: eligible'),
          event('02', 'operator', 'voucherForwarded', 'taken over from contoso by fabrikam: eligible'),
        ],
        [assigned, note('01', 'forwarded to contoso'), note('02', 'forwarded to fabrikam')],
      ),
      'fabrikam',
    );
    expect(JSON.stringify(view)).not.toContain('contoso');
    expect(view.history).toHaveLength(2);
  });

  it("never shows another partner's refused attempts, even within the viewer's own time", () => {
    const view = partnerView(
      state(
        [
          started,
          event('01', 'partner:fabrikam', 'voucherForwarded', 'forwarded to fabrikam: eligible'),
          event('02', 'partner:northwind', 'voucherForwarded', undefined, false),
        ],
        [assigned],
      ),
      'fabrikam',
    );
    expect(JSON.stringify(view.history)).not.toContain('northwind');
    expect(view.history).toHaveLength(2);
  });

  it('leaves a state without a takeover as it is', () => {
    const own = state(
      [started, event('01', 'partner:fabrikam', 'voucherForwarded', 'forwarded to fabrikam: eligible')],
      [assigned],
    );
    expect(partnerView(own, 'fabrikam')).toBe(own);
  });

  it("hides who an operator's signal claimed to be and the count of wrong e-mails", () => {
    const claimed = {
      ...event('02', 'operator', 'voucherRedeemed', undefined, false),
      claimedActor: 'partner:contoso',
    };
    const own = {
      ...state([started, event('01', 'partner:fabrikam', 'voucherForwarded', 'forwarded to fabrikam'), claimed], []),
      forwardingGuard: { wrongEmails: 3, locks: 0 },
    };
    const view = partnerView(own, 'fabrikam');
    expect(JSON.stringify(view)).not.toContain('contoso');
    expect(view.forwardingGuard).toBeUndefined();
    expect(view.history[2]).toEqual({ ...claimed, claimedActor: undefined });
  });
});
