import type { OfferEventDraft } from '@mkt/events';
import type { CancelRange } from '@mkt/messaging';

export type { CancelRange };

/** A durable job a decision asks for, of the decision's offer and attempt. */
export interface StageJob {
  kind: string;
  /** Tells apart several jobs of one kind for one attempt (e.g. one e-mail per event and recipient). */
  key?: string;
  /** Not before this time: simulated stage durations. */
  runAfter?: Date;
  /** What the job needs besides its cause (added by the executor). */
  payload?: Record<string, unknown>;
}

export interface Accepted<State, Effect> {
  outcome: 'accepted';
  /** The state to save; omitted when it stays as it is. */
  state?: State;
  /** The offer's unfinished jobs to cancel. */
  cancelJobs?: CancelRange;
  jobs: StageJob[];
  /** Events to emit, caused by what was decided on. */
  events: OfferEventDraft[];
  /** What else the service writes in the same transaction (its own rows), carried out by its effect runner. */
  effects: Effect[];
}

/**
 * What a stage decided about one input. `ignored` changes nothing (an older attempt, a redelivery);
 * `rejected` can never be processed and dead-letters the event with its reason.
 */
export type Decision<State, Effect = never> =
  { outcome: 'ignored'; reason: string } | { outcome: 'rejected'; reason: string; code: string } | Accepted<State, Effect>;

export function ignored(reason: string): { outcome: 'ignored'; reason: string } {
  return { outcome: 'ignored', reason };
}

export function rejected(reason: string, code: string): { outcome: 'rejected'; reason: string; code: string } {
  return { outcome: 'rejected', reason, code };
}

export function accepted<State, Effect = never>(parts: Partial<Omit<Accepted<State, Effect>, 'outcome'>>): Accepted<State, Effect> {
  const { state, cancelJobs, jobs = [], events = [], effects = [] } = parts;
  return { outcome: 'accepted', ...(state === undefined ? {} : { state }), ...(cancelJobs ? { cancelJobs } : {}), jobs, events, effects };
}

/** The state a decision leaves behind. */
export function stateAfter<State>(decision: Decision<State, unknown>, state: State): State {
  return decision.outcome === 'accepted' && decision.state !== undefined ? decision.state : state;
}
