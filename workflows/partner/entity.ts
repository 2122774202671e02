// One partner entity's running state: the profile and enrollments (absent until the first profile),
// and a version every change bumps so the timer loop re-plans.
import { toIso } from '../../domain/dates';
import { Rule, stateRefusal, type Refusal } from '../../domain/refusals';
import type { PartnerState } from '../messages';

export class PartnerEntity {
  /** Bumped by every change, so the timer loop re-evaluates what is due next. */
  version = 0;

  constructor(
    readonly partnerId: string,
    public state: PartnerState | undefined,
  ) {}

  now(): number {
    return Date.now(); // workflow time
  }

  touch(): void {
    if (this.state) this.state.updatedAt = toIso(this.now());
    this.version++;
  }

  // Enrolling before a profile exists is not allowed in the partner's current state (409), the same
  // code the eligibility check uses for a partner without a profile.
  noProfile(): Refusal {
    return stateRefusal(Rule.PARTNER_UNKNOWN, `partner ${this.partnerId} has no profile yet; create it first`);
  }
}
