// What a partner may see of an engagement: after a takeover (another partner forwarded the same
// voucher while it was not reserved), nothing of the previous partner's trail (its ID, location,
// consultant, dates, reasons) in `history` or `notifications`. Pure: the API applies it to the state.
import type { EngagementEvent, EngagementState } from './engagement';
import { partnerIdOfActor } from './rules/actors';

/** The partner an accepted forwarding went to: the acting partner, or the one the event's detail names. */
export function forwardedPartnerOf(event: EngagementEvent): string | undefined {
  const actorPartner = partnerIdOfActor(event.actor);
  if (actorPartner) return actorPartner;
  // Forwarded by an operator's signal: the detail reads "forwarded to <id>: ..." or "taken over from <x> by <id>: ...".
  return /(?:^forwarded to| by) ([A-Za-z0-9][A-Za-z0-9._-]*):/.exec(event.detail ?? '')?.[1];
}

const isForwarding = (e: EngagementEvent) => e.event === 'voucherForwarded' && e.accepted;

/**
 * The state as `viewer` (the engagement's current partner) may see it. Events from the first
 * forwarding up to the viewer's own forwarding after the last other partner's are left out, except
 * the viewer's own; so are the notifications of that period. The takeover entry no longer names
 * the previous partner. Another partner's attempts (refused forwardings) never show.
 */
export function partnerView(state: EngagementState, viewer: string): EngagementState {
  const ownActor = `partner:${viewer}`;
  const others = (e: EngagementEvent) => partnerIdOfActor(e.actor) !== undefined && e.actor !== ownActor;
  const visible = tenureView(withoutClaims(state), viewer);
  if (!visible.history.some(others)) return visible;
  return { ...visible, history: visible.history.filter((e) => !others(e)) };
}

function tenureView(state: EngagementState, viewer: string): EngagementState {
  const history = state.history;
  const first = history.findIndex(isForwarding);
  let lastOther = -1;
  history.forEach((e, i) => {
    if (isForwarding(e) && forwardedPartnerOf(e) !== viewer) lastOther = i;
  });
  if (first < 0 || lastOther < 0) return state;
  const tenure = history.findIndex((e, i) => i > lastOther && isForwarding(e) && forwardedPartnerOf(e) === viewer);
  const hiddenFrom = history[first].at;
  const hiddenUntil = tenure >= 0 ? history[tenure].at : undefined;
  const hidden = (i: number) => i >= first && (tenure < 0 || i < tenure);
  const ownActor = `partner:${viewer}`;
  return {
    ...state,
    history: history
      .filter((e, i) => !hidden(i) || e.actor === ownActor)
      .map((e) => (e === history[tenure] ? withoutPreviousPartner(e) : e)),
    notifications: state.notifications.filter(
      (n) => n.at < hiddenFrom || (hiddenUntil !== undefined && n.at >= hiddenUntil),
    ),
  };
}

function withoutPreviousPartner(event: EngagementEvent): EngagementEvent {
  if (!event.detail) return event;
  return { ...event, detail: event.detail.replace(/^taken over from [^ ]+ by /, 'forwarded to ') };
}

/**
 * Who an operator's signal said it acted for (it may name another partner) and the count of wrong
 * e-mails (others' guesses) are the operators' business.
 */
function withoutClaims(state: EngagementState): EngagementState {
  const claims = state.history.some((e) => e.claimedActor !== undefined);
  if (!claims && state.forwardingGuard === undefined) return state;
  const { forwardingGuard: _guard, ...rest } = state;
  return claims ? { ...rest, history: rest.history.map(({ claimedActor: _claim, ...e }) => e) } : rest;
}
