/**
 * The publishing attempt a stage has on record for an offer, and its own state for it (DESIGN.md
 * section 2: events of an older attempt are ignored by every consumer; a newer OfferSubmitted supersedes).
 */
export interface AttemptRecord<S extends string = string> {
  attempt: number;
  state: S;
}

/** How an event's attempt relates to the attempt on record. */
export type AttemptVerdict = 'stale' | 'current' | 'newer';

export function compareAttempt(recorded: Pick<AttemptRecord, 'attempt'> | undefined, eventAttempt: number): AttemptVerdict {
  if (recorded === undefined || eventAttempt > recorded.attempt) return 'newer';
  return eventAttempt === recorded.attempt ? 'current' : 'stale';
}

/** A stored record whose state this stage knows; an unknown state is an error, not a guess. */
export function readAttemptRecord<S extends string>(row: AttemptRecord | undefined, states: readonly S[], stage: string): AttemptRecord<S> | undefined {
  if (!row) return undefined;
  if (!(states as readonly string[]).includes(row.state)) throw new Error(`unknown ${stage} state "${row.state}"`);
  return { attempt: row.attempt, state: row.state as S };
}
