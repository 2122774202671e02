// Who may send an engagement message: partners act only on vouchers forwarded to them; back-office
// and operators may act for them where the message allows staff.
import type { Refusal } from '../refusals';
import type { Actor } from '../schemas';

/** Partners are named `partner:<id>`. */
export function partnerIdOfActor(actor: Actor | undefined): string | undefined {
  return actor?.startsWith('partner:') ? actor.slice('partner:'.length) : undefined;
}

export interface ActorPolicy {
  /** The forwarded partner may send it. */
  partner: boolean;
  /** Back-office and operators may send it. */
  staff: boolean;
}

/** Why `actor` may not send a message under `policy` on a voucher forwarded to `forwardedPartnerId`, if it may not. */
export function actorRefusal(
  actor: string,
  forwardedPartnerId: string | undefined,
  policy: ActorPolicy,
): Refusal | undefined {
  const partnerId = partnerIdOfActor(actor);
  if (partnerId === undefined) {
    return policy.staff
      ? undefined
      : { kind: 'FORBIDDEN', code: 'ROLE_NOT_ALLOWED', message: `${actor} may not do this` };
  }
  if (!policy.partner) return { kind: 'FORBIDDEN', code: 'ROLE_NOT_ALLOWED', message: 'partners may not do this' };
  if (partnerId === forwardedPartnerId) return undefined;
  return {
    kind: 'FORBIDDEN',
    code: 'NOT_THE_FORWARDED_PARTNER',
    message: 'only the partner the voucher was forwarded to may do this',
  };
}
