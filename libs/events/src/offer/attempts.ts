/**
 * How an event's attempt relates to the attempt a consumer has on record for the offer (docs/process.md
 * §3: events of an older attempt are ignored by every consumer; a newer OfferSubmitted supersedes).
 */
export type AttemptVerdict = 'stale' | 'current' | 'newer';

export function compareAttempt(recorded: number | undefined, eventAttempt: number): AttemptVerdict {
  if (recorded === undefined || eventAttempt > recorded) return 'newer';
  return eventAttempt === recorded ? 'current' : 'stale';
}
