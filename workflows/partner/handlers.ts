// The partner entity's updates and queries. Update handlers are synchronous: no interleaving, no lock.
import { setHandler } from '@temporalio/workflow';
import { toIso } from '../../domain/dates';
import {
  eligibilityMatrix,
  enrollmentRefusal,
  enrollmentValidUntil,
  renewalRefusal,
  renewedValidUntil,
} from '../../domain/partner';
import type { EnrollmentRequest, PartnerProfile } from '../../domain/schemas';
import { refused } from '../failures';
import {
  eligibilityMatrixQuery,
  enrollmentRenewedUpdate,
  enrollmentRequestedUpdate,
  partnerStateQuery,
  profileReplacedUpdate,
  type PartnerState,
  type WithActor,
} from '../messages';
import { invalidMessageRefusal, MESSAGE_SCHEMAS, payloadIssues } from '../payload-validation';
import type { PartnerEntity } from './entity';

type EnrollmentMessage = 'enrollmentRequested' | 'enrollmentRenewed';

/** Checks a payload `T & { actor? }` against its message schema; returns the body without the actor. */
function parsePayload<T>(message: keyof typeof MESSAGE_SCHEMAS.partner, payload: WithActor<T>): T {
  const issues = payloadIssues(MESSAGE_SCHEMAS.partner[message], payload);
  if (issues.length) throw refused(invalidMessageRefusal(issues));
  const { actor: _actor, ...body } = payload;
  return body as T;
}

function enrollmentCheck(entity: PartnerEntity, message: EnrollmentMessage, payload: WithActor<EnrollmentRequest>) {
  const { offering } = parsePayload(message, payload);
  if (!entity.state) throw refused(entity.noProfile());
  return { current: entity.state, offering };
}

function replaceProfile(entity: PartnerEntity, payload: WithActor<PartnerProfile>): PartnerState {
  const profile = parsePayload('profileReplaced', payload);
  const at = toIso(entity.now());
  if (entity.state) entity.state.profile = profile;
  else
    entity.state = {
      partnerId: entity.partnerId,
      profile,
      enrollments: {},
      notifications: [],
      createdAt: at,
      updatedAt: at,
    };
  entity.touch();
  return entity.state;
}

function checkEnrollment(entity: PartnerEntity, payload: WithActor<EnrollmentRequest>) {
  const checked = enrollmentCheck(entity, 'enrollmentRequested', payload);
  const refusal = enrollmentRefusal(checked.current, checked.offering, entity.now());
  if (refusal) throw refused(refusal);
  return checked;
}

function enroll(entity: PartnerEntity, payload: WithActor<EnrollmentRequest>): PartnerState {
  // Checked again in the handler: the validator's answer must still hold when the change is applied.
  const { current, offering } = checkEnrollment(entity, payload);
  const acceptedAtMs = entity.now();
  current.enrollments[offering] = {
    offering,
    acceptedAt: toIso(acceptedAtMs),
    validUntil: toIso(enrollmentValidUntil(acceptedAtMs)),
    status: 'ACTIVE',
    renewals: [],
  };
  entity.touch();
  return current;
}

function checkRenewal(entity: PartnerEntity, payload: WithActor<EnrollmentRequest>) {
  const checked = enrollmentCheck(entity, 'enrollmentRenewed', payload);
  const refusal = renewalRefusal(checked.current.enrollments[checked.offering], entity.now());
  if (refusal) throw refused(refusal);
  return checked;
}

function renew(entity: PartnerEntity, payload: WithActor<EnrollmentRequest>): PartnerState {
  const { current, offering } = checkRenewal(entity, payload);
  const enrollment = current.enrollments[offering];
  current.enrollments[offering] = {
    ...enrollment,
    validUntil: toIso(renewedValidUntil(enrollment)),
    renewals: [...enrollment.renewals, toIso(entity.now())],
  };
  entity.touch(); // the loop reschedules the reminders and the lapse for the new term
  return current;
}

export function registerPartnerHandlers(entity: PartnerEntity): void {
  // Until its first profile the entity is not a partner yet: the state query answers undefined (callers
  // treat it as an unknown partner, like a missing workflow) and every matrix row names PARTNER_UNKNOWN.
  setHandler(partnerStateQuery, () => entity.state as PartnerState);
  setHandler(eligibilityMatrixQuery, () => eligibilityMatrix(entity.state, entity.now()));
  setHandler(profileReplacedUpdate, (payload) => replaceProfile(entity, payload), {
    validator: (payload) => void parsePayload('profileReplaced', payload),
  });
  setHandler(enrollmentRequestedUpdate, (payload) => enroll(entity, payload), {
    validator: (payload: WithActor<EnrollmentRequest>) => void checkEnrollment(entity, payload),
  });
  setHandler(enrollmentRenewedUpdate, (payload) => renew(entity, payload), {
    validator: (payload: WithActor<EnrollmentRequest>) => void checkRenewal(entity, payload),
  });
}
