// Refusals as the failures updates are rejected with. Their message travels in a protobuf string
// field, which must be valid Unicode: a lone surrogate echoed from a caller's input (an unknown key,
// a code) would make the worker unable to encode its completion, and the SDK then shuts the worker
// down. So every message is made well-formed here, the one place failures are built.
import { ApplicationFailure } from '@temporalio/workflow';
import { REFUSAL_FAILURE_TYPE, Refusal, primaryRefusal } from '../domain/refusals';
import { wellFormed } from '../domain/text';

/** One refusal as the failure an update is rejected with. */
export function refused(refusal: Refusal): ApplicationFailure {
  return refusalFailure([refusal]);
}

export function refusalFailure(refusals: Refusal[]): ApplicationFailure {
  const safe = refusals.map((r) => ({
    ...r,
    message: wellFormed(r.message),
    ...(r.fields ? { fields: r.fields.map(wellFormed) } : {}),
  }));
  return ApplicationFailure.create({
    type: REFUSAL_FAILURE_TYPE[primaryRefusal(safe).kind],
    message: safe.map((r) => `${r.code}: ${r.message}`).join('; '),
    details: safe,
    nonRetryable: true,
  });
}
