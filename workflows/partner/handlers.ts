// The partner entity's updates and queries. Each update checks and applies its change synchronously
// (no interleaving, no lock), then answers once the record store holds it.
import { patched, setHandler } from '@temporalio/workflow';
import { catalog as bundledCatalog, catalogOfEntry, type Catalog } from '../../domain/catalog';
import { toIso } from '../../domain/dates';
import {
  eligibilityMatrix,
  enrollmentRefusal,
  enrollmentValidUntil,
  renewalRefusal,
  renewalWithRequirementsRefusal,
  renewedValidUntil,
} from '../../domain/partner';
import type { PartnerProfile } from '../../domain/schemas';
import { refused } from '../failures';
import {
  eligibilityMatrixQuery,
  enrollmentRenewedUpdate,
  enrollmentRequestedUpdate,
  partnerStateQuery,
  type EnrollmentPayload,
  profileReplacedUpdate,
  type PartnerState,
  type WithActor,
} from '../messages';
import { invalidMessageRefusal, MESSAGE_SCHEMAS, payloadIssues } from '../payload-validation';
import type { PartnerRecorder } from '../record-store';
import type { PartnerEntity } from './entity';

type EnrollmentMessage = 'enrollmentRequested' | 'enrollmentRenewed';

/** Checks a payload `T & { actor? }` against its message schema; returns the body without the actor. */
function parsePayload<T>(message: keyof typeof MESSAGE_SCHEMAS.partner, payload: WithActor<T>): T {
  const issues = payloadIssues(MESSAGE_SCHEMAS.partner[message], payload);
  if (issues.length) throw refused(invalidMessageRefusal(issues));
  const { actor: _actor, ...body } = payload;
  return body as T;
}

function enrollmentCheck(entity: PartnerEntity, message: EnrollmentMessage, payload: EnrollmentPayload) {
  const { offering, catalog: entry } = parsePayload(message, payload);
  if (entry?.offering && entry.offering.code !== offering) {
    const message = `the catalog entry is for offering ${entry.offering.code}, not ${offering}`;
    throw refused(invalidMessageRefusal([{ path: 'catalog.offering.code', message }]));
  }
  if (!entity.state) throw refused(entity.noProfile());
  // The catalog the message was sent with, so a catalog edit never changes a decision on replay.
  const from: Catalog = entry ? catalogOfEntry(entry) : bundledCatalog;
  return { current: entity.state, offering, from, catalogVersion: entry?.version };
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

function checkEnrollment(entity: PartnerEntity, payload: EnrollmentPayload) {
  const checked = enrollmentCheck(entity, 'enrollmentRequested', payload);
  const refusal = enrollmentRefusal(checked.current, checked.offering, entity.now(), checked.from);
  if (refusal) throw refused(refusal);
  return checked;
}

function enroll(entity: PartnerEntity, payload: EnrollmentPayload): PartnerState {
  // Checked again in the handler: the validator's answer must still hold when the change is applied.
  const { current, offering, catalogVersion } = checkEnrollment(entity, payload);
  const acceptedAtMs = entity.now();
  current.enrollments[offering] = {
    offering,
    acceptedAt: toIso(acceptedAtMs),
    validUntil: toIso(enrollmentValidUntil(acceptedAtMs)),
    status: 'ACTIVE',
    renewals: [],
    ...(catalogVersion ? { catalogVersion } : {}),
  };
  entity.touch();
  return current;
}

/**
 * A renewal: inside the renewal window, and (`withRequirements`, the rule since the patch
 * 'renewal-requires-competency') with a qualifying competency still valid today.
 */
function checkRenewal(entity: PartnerEntity, payload: EnrollmentPayload, withRequirements: boolean) {
  const checked = enrollmentCheck(entity, 'enrollmentRenewed', payload);
  const { current, offering, from } = checked;
  const refusal = withRequirements
    ? renewalWithRequirementsRefusal(current, offering, entity.now(), from)
    : renewalRefusal(current.enrollments[offering], entity.now());
  if (refusal) throw refused(refusal);
  return checked;
}

function renew(entity: PartnerEntity, payload: EnrollmentPayload): PartnerState {
  // The validator always checks the requirements; a renewal accepted before the patch replays without.
  const { current, offering, catalogVersion } = checkRenewal(entity, payload, patched('renewal-requires-competency'));
  const enrollment = current.enrollments[offering];
  current.enrollments[offering] = {
    ...enrollment,
    validUntil: toIso(renewedValidUntil(enrollment)),
    renewals: [...enrollment.renewals, toIso(entity.now())],
    ...(catalogVersion ? { catalogVersion } : {}),
  };
  entity.touch(); // the loop reschedules the reminders and the lapse for the new term
  return current;
}

/**
 * The changed state as the update's answer: once recorded when the run has the change
 * 'partner-recorded-before-ack' (a copy, so a later change does not leak into it), else at once.
 */
function acknowledged(recorder: PartnerRecorder, state: PartnerState): PartnerState | Promise<PartnerState> {
  if (!recorder.holdsAcknowledged) return state;
  const answer = JSON.parse(JSON.stringify(state)) as PartnerState;
  return recorder.untilRecorded().then(() => answer);
}

export function registerPartnerHandlers(entity: PartnerEntity, recorder: PartnerRecorder): void {
  // Until its first profile the entity is not a partner yet: the state query answers undefined (callers
  // treat it as an unknown partner, like a missing workflow) and every matrix row names PARTNER_UNKNOWN.
  setHandler(partnerStateQuery, () => entity.state as PartnerState);
  // The caller's time when given: the workflow's own stands still while the partner is idle.
  setHandler(eligibilityMatrixQuery, (atMs?: number) =>
    eligibilityMatrix(entity.state, typeof atMs === 'number' && Number.isFinite(atMs) ? atMs : entity.now()),
  );
  setHandler(profileReplacedUpdate, (payload) => acknowledged(recorder, replaceProfile(entity, payload)), {
    validator: (payload) => void parsePayload('profileReplaced', payload),
  });
  setHandler(
    enrollmentRequestedUpdate,
    (payload: EnrollmentPayload) => acknowledged(recorder, enroll(entity, payload)),
    {
      validator: (payload: EnrollmentPayload) => void checkEnrollment(entity, payload),
    },
  );
  setHandler(enrollmentRenewedUpdate, (payload: EnrollmentPayload) => acknowledged(recorder, renew(entity, payload)), {
    validator: (payload: EnrollmentPayload) => void checkRenewal(entity, payload, true),
  });
}
