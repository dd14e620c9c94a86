import { compareAttempt } from '@mkt/events';

/**
 * What certification has done for an offer's latest attempt (kept in offer_attempts.state). The job's
 * result is not part of it: the job's own row (done/canceled) and certification_results hold that.
 */
export type CertificationState = 'submitted' | 'certifying' | 'canceled';

export interface AttemptSeen {
  attempt: number;
  state: CertificationState;
}

const STATES: readonly string[] = ['submitted', 'certifying', 'canceled'] satisfies CertificationState[];

export function parseAttemptSeen(record: { attempt: number; state: string } | undefined): AttemptSeen | undefined {
  if (!record) return undefined;
  if (!STATES.includes(record.state)) throw new Error(`unknown certification state "${record.state}"`);
  return { attempt: record.attempt, state: record.state as CertificationState };
}

export type Ignored = { kind: 'ignore'; reason: string };

/** OfferSubmitted: a newer attempt is recorded, and supersedes (cancels) whatever ran for older ones. */
export function onOfferSubmitted(seen: AttemptSeen | undefined, attempt: number): Ignored | { kind: 'record'; next: AttemptSeen; cancelBefore: number } {
  const verdict = compareAttempt(seen?.attempt, attempt);
  if (verdict === 'stale') return { kind: 'ignore', reason: `attempt ${attempt} is older than attempt ${seen?.attempt}` };
  if (verdict === 'current') return { kind: 'ignore', reason: `attempt ${attempt} is already recorded` };
  return { kind: 'record', next: { attempt, state: 'submitted' }, cancelBefore: attempt };
}

/** PrerequisitesValidated of the current attempt starts certification after the simulated duration. */
export function onPrerequisitesValidated(
  seen: AttemptSeen | undefined,
  attempt: number,
  now: Date,
  durationMs: number,
): Ignored | { kind: 'reject'; reason: string } | { kind: 'certify'; next: AttemptSeen; runAfter: Date } {
  const verdict = compareAttempt(seen?.attempt, attempt);
  if (verdict === 'stale') return { kind: 'ignore', reason: `attempt ${attempt} is older than attempt ${seen?.attempt}` };
  // the partition's order puts OfferSubmitted first: without it there is no image list to certify
  if (verdict === 'newer') return { kind: 'reject', reason: `PrerequisitesValidated of attempt ${attempt} arrived before its OfferSubmitted (no image list to certify)` };
  if (seen?.state !== 'submitted') return { kind: 'ignore', reason: `attempt ${attempt} is already ${seen?.state}` };
  return { kind: 'certify', next: { attempt, state: 'certifying' }, runAfter: new Date(now.getTime() + durationMs) };
}

/** PublishCanceled stops the attempt's certification; an older attempt's cancel changes nothing. */
export function onPublishCanceled(seen: AttemptSeen | undefined, attempt: number): Ignored | { kind: 'cancel'; next: AttemptSeen; cancelUpTo: number } {
  if (compareAttempt(seen?.attempt, attempt) === 'stale') return { kind: 'ignore', reason: `attempt ${attempt} is older than attempt ${seen?.attempt}` };
  return { kind: 'cancel', next: { attempt, state: 'canceled' }, cancelUpTo: attempt };
}
