import { compareAttempt, type OfferEventDraft } from '@mkt/events';

/** Where this stage is with an offer's attempt (the `state` of its attempt record). */
export type ProvisioningStatus = 'awaiting-certification' | 'replicating' | 'replicated' | 'failed' | 'canceled';

/** The attempt this service has on record for an offer. */
export interface RecordedAttempt {
  attempt: number;
  state: string;
}

export interface ProvisioningAttempt {
  attempt: number;
  state: ProvisioningStatus;
}

export type Ignored = { kind: 'ignore'; reason: string };

export type SubmittedDecision =
  | Ignored
  /** Keep the attempt's images until certification passes; older attempts' jobs stop. */
  | { kind: 'record'; record: ProvisioningAttempt; cancelJobsBefore: number };

export type CertifiedDecision =
  | Ignored
  | { kind: 'replicate'; record: ProvisioningAttempt; runAfter: Date }
  /** An attempt whose OfferSubmitted this service never saw: it has no images to replicate. */
  | { kind: 'unknown-attempt'; reason: string };

export type CanceledDecision = Ignored | { kind: 'cancel'; record: ProvisioningAttempt; cancelJobsUpTo: number };

export type CompletionDecision = Ignored | { kind: 'complete'; record: ProvisioningAttempt; event: OfferEventDraft };

function stale(recorded: RecordedAttempt | undefined, eventAttempt: number): Ignored {
  return { kind: 'ignore', reason: `attempt ${eventAttempt} is older than ${recorded?.attempt}` };
}

export function decideOnSubmitted(recorded: RecordedAttempt | undefined, eventAttempt: number): SubmittedDecision {
  const verdict = compareAttempt(recorded?.attempt, eventAttempt);
  if (verdict === 'stale') return stale(recorded, eventAttempt);
  if (verdict === 'current') return { kind: 'ignore', reason: `attempt ${eventAttempt} already recorded` };
  return { kind: 'record', record: { attempt: eventAttempt, state: 'awaiting-certification' }, cancelJobsBefore: eventAttempt };
}

/** CertificationPassed of the current attempt starts replication after the stage's simulated duration. */
export function decideOnCertified(recorded: RecordedAttempt | undefined, eventAttempt: number, now: Date, durationMs: number): CertifiedDecision {
  const verdict = compareAttempt(recorded?.attempt, eventAttempt);
  if (verdict === 'stale') return stale(recorded, eventAttempt);
  if (verdict === 'newer') return { kind: 'unknown-attempt', reason: `CertificationPassed of attempt ${eventAttempt}, but no OfferSubmitted of that attempt was seen (last seen: ${recorded?.attempt ?? 'none'})` };
  if (recorded?.state !== 'awaiting-certification') return { kind: 'ignore', reason: `attempt ${eventAttempt} is already ${recorded?.state}` };
  return { kind: 'replicate', record: { attempt: eventAttempt, state: 'replicating' }, runAfter: new Date(now.getTime() + durationMs) };
}

export function decideOnCanceled(recorded: RecordedAttempt | undefined, eventAttempt: number): CanceledDecision {
  if (compareAttempt(recorded?.attempt, eventAttempt) === 'stale') return stale(recorded, eventAttempt);
  return { kind: 'cancel', record: { attempt: eventAttempt, state: 'canceled' }, cancelJobsUpTo: eventAttempt };
}

/** The job's result counts only while its attempt is still the one replicating. */
export function decideOnReplicated(recorded: RecordedAttempt | undefined, jobAttempt: number, outcome: OfferEventDraft): CompletionDecision {
  if (!recorded || recorded.attempt !== jobAttempt) return { kind: 'ignore', reason: `attempt ${jobAttempt} is no longer current` };
  if (recorded.state !== 'replicating') return { kind: 'ignore', reason: `attempt ${jobAttempt} is ${recorded.state}` };
  return { kind: 'complete', record: { attempt: jobAttempt, state: outcome.type === 'ImagesReplicated' ? 'replicated' : 'failed' }, event: outcome };
}
