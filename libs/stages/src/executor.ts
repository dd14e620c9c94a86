import { Logger } from '@nestjs/common';
import { causedBy, createOfferEvent, type EventMetadata, type OfferEvent, type OfferEventDraft } from '@mkt/events';
import { cancelJobs, enqueueJob, PermanentEventError, type Job, type Tx } from '@mkt/messaging';
import type { Decider } from './decider';
import type { Decision } from './decision';

/** Where a stage keeps its state of an offer: read with the row locked, written in the same transaction. */
export interface StateStore<State> {
  /** Locks and reads the offer's state row (serialising this offer's handlers and job completions); undefined when there is none. */
  lock(tx: Tx, subject: string): Promise<State | undefined>;
  save(tx: Tx, subject: string, state: State): Promise<void>;
}

/** The envelope fields of what a decision emits: the offer, its attempt, correlation, and what caused it. */
export interface Cause extends EventMetadata {
  causationId: string;
}

/** The open transaction a decision is applied in, and the envelope fields of what it emits. */
export interface DecisionScope {
  tx: Tx;
  cause: Cause;
  /** CloudEvents source of the emitted events. */
  source: string;
  now: Date;
}

/** Carries out one effect of a decision; `events` are the envelopes the decision emits (ids known). */
export type EffectRunner<Effect> = (effect: Effect, applied: { tx: Tx; events: OfferEvent[]; scope: DecisionScope }) => Promise<void>;

/** The cause a job carries in its payload: its events answer the event that created it. */
export interface JobCause {
  correlationId: string;
  causationId: string;
}

/** The envelope fields of the events a job emits. */
export function causeOfJob(job: Pick<Job<JobCause>, 'subject' | 'attempt' | 'payload'>): Cause {
  return { subject: job.subject, attempt: job.attempt, correlationId: job.payload.correlationId, causationId: job.payload.causationId };
}

export function causeOfEvent(event: OfferEvent): Cause {
  return { ...causedBy(event), causationId: event.id };
}

const logger = new Logger('Stage');

/** Event types that end a stage in failure (the pipeline's *Failed events, validation's rejection). */
const FAILURE = /(Failed|Rejected)$/;

/** The reason code a failure event gives: its `code`, else a summary of what it lists. */
function reasonCode(event: OfferEvent): string | undefined {
  const data = event.data as unknown as Record<string, unknown>;
  if (typeof data.code === 'string') return data.code;
  for (const list of ['problems', 'failures', 'failedRegions']) {
    const items = data[list];
    if (Array.isArray(items)) {
      const codes = items.map((item: Record<string, unknown>) => item.code ?? item.check ?? item.field ?? item.region).filter((c) => typeof c === 'string');
      return codes.length ? `${list}: ${[...new Set(codes)].slice(0, 5).join(', ')}` : `${items.length} ${list}`;
    }
  }
  return typeof data.reason === 'string' ? data.reason.slice(0, 200) : undefined;
}

/** One info line per event a stage emits: passed or failed (with the reason code), or what it reports. */
export function logOutcome(cause: Cause, events: readonly OfferEvent[]): void {
  for (const event of events) {
    if (FAILURE.test(event.type)) logger.log(`${cause.subject}#${cause.attempt}: failed, ${event.type} (${reasonCode(event) ?? 'no reason code'})`);
    else logger.log(`${cause.subject}#${cause.attempt}: ${event.type}`);
  }
}

/**
 * Writes drafts to the outbox as events caused by `cause` (a decision's events, or a job's progress
 * events in its checkpoint). Returns the envelopes.
 */
export function emitCaused(tx: Tx, cause: Cause, drafts: readonly OfferEventDraft[], at: { source: string; now?: Date }): OfferEvent[] {
  const now = at.now ?? new Date();
  const events = drafts.map((draft) => createOfferEvent(draft.type, draft.data as never, cause, { source: at.source, now: () => now }) as OfferEvent);
  tx.emit(...events);
  return events;
}

/**
 * Applies a decision in the caller's transaction, in the one lock order (see JobWorker.finish): the
 * offer's state row first (locked already by `StateStore.lock`), then the service's own rows (effects),
 * job rows last; the events go to the outbox with the transaction. Ignored changes nothing; rejected
 * dead-letters the event being handled. Returns the envelopes emitted.
 */
export async function applyDecision<State, Effect>(
  scope: DecisionScope,
  decision: Decision<State, Effect>,
  persistence: { store: StateStore<State>; effects?: EffectRunner<Effect> },
): Promise<OfferEvent[]> {
  const { tx, cause } = scope;
  switch (decision.outcome) {
    case 'ignored':
      logger.debug(`${cause.subject}#${cause.attempt}: ${decision.reason}`);
      return [];
    case 'rejected':
      logger.warn(`${cause.subject}#${cause.attempt}: rejected the event (${decision.code}): ${decision.reason}`);
      throw new PermanentEventError(decision.reason, decision.code);
    case 'accepted':
      break;
  }
  // built first, so that effects can name the events' ids; written to the outbox last
  const events = decision.events.map(
    (draft) => createOfferEvent(draft.type, draft.data as never, cause, { source: scope.source, now: () => scope.now }) as OfferEvent,
  );
  if (decision.state !== undefined) await persistence.store.save(tx, cause.subject, decision.state);
  for (const effect of decision.effects) {
    if (!persistence.effects) throw new Error(`the decision asked for an effect (${JSON.stringify(effect)}) this stage cannot carry out`);
    await persistence.effects(effect, { tx, events, scope });
  }
  if (decision.cancelJobs) {
    const canceled = await cancelJobs(tx, cause.subject, decision.cancelJobs);
    if (canceled) logger.log(`${cause.subject}: canceled ${canceled} job(s) (${JSON.stringify(decision.cancelJobs)})`);
  }
  for (const job of decision.jobs) {
    const payload = { ...job.payload, correlationId: cause.correlationId, causationId: cause.causationId } satisfies JobCause;
    await enqueueJob(tx, { kind: job.kind, key: job.key, subject: cause.subject, attempt: cause.attempt, payload, runAfter: job.runAfter });
  }
  tx.emit(...events);
  logOutcome(cause, events);
  return events;
}

/** A stage: its decider and where its decisions go. */
export interface Stage<State, Input, Effect> {
  decider: Decider<State, Input, Decision<State, Effect>>;
  store: StateStore<State>;
  effects?: EffectRunner<Effect>;
}

/** Locks the offer's state, decides about `input` and applies the decision: the whole of a handler or job completion. */
export async function runStage<State, Input, Effect>(stage: Stage<State, Input, Effect>, input: Input, scope: DecisionScope): Promise<OfferEvent[]> {
  const state = (await stage.store.lock(scope.tx, scope.cause.subject)) ?? stage.decider.initialState;
  return applyDecision(scope, stage.decider.decide(input, state, scope.now), stage);
}

/** What a consumer handler has (EventContext): the transaction, the time of processing, the source it emits as. */
export interface HandlerContext {
  tx: Tx;
  now: Date;
  source: string;
}

/** A consumer handler: the event decided on in the consumer's transaction; what it emits is caused by it. */
export function handleEvent<State, Input, Effect>(
  stage: Stage<State, Input, Effect>,
  event: OfferEvent & Input,
  context: HandlerContext,
): Promise<OfferEvent[]> {
  return runStage(stage, event, { tx: context.tx, cause: causeOfEvent(event), source: context.source, now: context.now });
}

/** A job completion (or give-up): the job's outcome decided on in the job engine's transaction. */
export function completeJob<State, Input, Effect>(
  stage: Stage<State, Input, Effect>,
  job: Pick<Job<JobCause>, 'subject' | 'attempt' | 'payload'>,
  outcome: Input,
  at: { tx: Tx; source: string; now?: Date },
): Promise<OfferEvent[]> {
  return runStage(stage, outcome, { tx: at.tx, cause: causeOfJob(job), source: at.source, now: at.now ?? new Date() });
}
