// The engagement's message handlers: each message is an Update (its validator runs the message's
// `check`, so the HTTP API gets a synchronous refusal) and a Signal (for operators; a refused signal
// changes nothing and is recorded as rejected). Both go through one path: parse, check, apply.
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { ActivityFailure, setHandler } from '@temporalio/workflow';
import { ENGAGEMENT_MESSAGES, type EngagementMessage, type EngagementState } from '../../domain/engagement';
import type { Refusal } from '../../domain/refusals';
import { refusalFailure } from '../failures';
import { engagementSignals, engagementStateQuery, engagementUpdates, type EngagementPayloads } from '../messages';
import { MESSAGE_SCHEMAS, invalidMessageRefusal, payloadIssues } from '../payload-validation';
import type { EngagementChange } from './change-level';
import { MESSAGE_TABLE } from './message-table';
import type { EngagementRun } from './run';

interface Checked<K extends EngagementMessage> {
  value?: EngagementPayloads[K];
  actor: string;
  /** The actor a signal named, when it is not the operator it acts as. */
  claimedActor?: string;
  refusals: Refusal[];
}

/**
 * Signals act as the operator, whatever `actor` they name: anyone who can signal is an operator of
 * the Temporal namespace, and a claim in the payload proves no identity. Histories from before keep
 * the named actor.
 */
export const SIGNAL_ACTOR_PATCH = 'signal-actor-is-operator' satisfies EngagementChange;

/** The synchronous part: the payload's shape, then the message's own checks. */
function checkMessage<K extends EngagementMessage>(
  run: EngagementRun,
  name: K,
  payload: unknown,
  signalled = false,
): Checked<K> {
  const body = payload ?? {};
  const issues = payloadIssues(MESSAGE_SCHEMAS.engagement[name], body);
  if (issues.length) return { actor: 'operator', refusals: [invalidMessageRefusal(issues)] };
  // The JSON Schema check above is what makes the body a payload of this message; the type system
  // cannot follow a schema checked at run time.
  const value = body as EngagementPayloads[K];
  const named = value.actor ?? 'operator';
  const actor = signalled ? 'operator' : named;
  const claimedActor = named !== actor ? named : undefined;
  return { value, actor, claimedActor, refusals: MESSAGE_TABLE[name].check(run, value, actor, run.now()) };
}

async function applyChecked<K extends EngagementMessage>(
  run: EngagementRun,
  name: K,
  value: EngagementPayloads[K],
  actor: string,
): Promise<Refusal[]> {
  try {
    return await MESSAGE_TABLE[name].apply(run, value, actor);
  } catch (err) {
    // An activity that exhausted its retries must not fail the workflow (a throwing signal handler
    // would): the message is refused, nothing changed, and the caller may try again.
    if (!(err instanceof ActivityFailure)) throw err;
    const message = `${name} could not complete: ${err.cause?.message ?? err.message}`;
    return [{ kind: 'UNAVAILABLE', code: 'DEPENDENCY_UNAVAILABLE', message }];
  }
}

/** One path for the Update and the Signal; messages run one at a time. */
function handleMessage<K extends EngagementMessage>(
  run: EngagementRun,
  name: K,
  payload: unknown,
  via: 'update' | 'signal',
): Promise<Refusal[]> {
  return run.mutex.runExclusive(async () => {
    const checked = checkMessage(run, name, payload, via === 'signal' && run.hasChange(SIGNAL_ACTOR_PATCH));
    const recordedFrom = run.state.history.length;
    let refusals = checked.refusals;
    if (!refusals.length && checked.value) refusals = await applyChecked(run, name, checked.value, checked.actor);
    if (refusals.length) run.record(name, checked.actor, false, { via, refusals });
    if (checked.claimedActor) noteClaim(run, name, recordedFrom, checked.claimedActor);
    return refusals;
  });
}

/** The entries this signal added say which actor it named (it acted as the operator). */
function noteClaim(run: EngagementRun, name: string, from: number, claimedActor: string): void {
  for (const entry of run.state.history.slice(from)) if (entry.event === name) entry.claimedActor = claimedActor;
}

function registerMessage<K extends EngagementMessage>(run: EngagementRun, name: K): void {
  // Handlers take the payload as unknown: it is checked against the message's schema first.
  const update: UpdateDefinition<EngagementState, [unknown]> = engagementUpdates[name];
  const signal: SignalDefinition<[unknown]> = engagementSignals[name];
  setHandler(
    update,
    async (payload: unknown) => {
      const refusals = await handleMessage(run, name, payload, 'update');
      if (refusals.length) throw refusalFailure(refusals);
      return run.state;
    },
    {
      validator: (payload: unknown) => {
        const { refusals } = checkMessage(run, name, payload);
        if (refusals.length) throw refusalFailure(refusals);
      },
    },
  );
  setHandler(signal, async (payload: unknown) => {
    await handleMessage(run, name, payload, 'signal');
  });
}

/** Every message as an Update and a Signal, and the state query. */
export function registerHandlers(run: EngagementRun): void {
  for (const name of ENGAGEMENT_MESSAGES) registerMessage(run, name);
  setHandler(engagementStateQuery, () => run.state);
}
