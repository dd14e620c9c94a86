import { compareAttempt, type OfferEventDraft } from '@mkt/events';
import { validationOutcome, type ValidationReport } from './validate';

/** Where this stage is with an offer's attempt (the `state` of its attempt record). */
export type ValidationStatus = 'validating' | 'validated' | 'rejected' | 'canceled';

/** The attempt this service has on record for an offer. */
export interface RecordedAttempt {
  attempt: number;
  state: string;
}

export interface ValidationAttempt {
  attempt: number;
  state: ValidationStatus;
}

export type Ignored = { kind: 'ignore'; reason: string };

export type SubmittedDecision =
  | Ignored
  | {
      kind: 'validate';
      record: ValidationAttempt;
      /** Jobs of attempts before this one are canceled: the new attempt supersedes them. */
      cancelJobsBefore: number;
      /** The simulated duration of the stage, as the job's not-before time. */
      runAfter: Date;
    };

export type CanceledDecision = Ignored | { kind: 'cancel'; record: ValidationAttempt; cancelJobsUpTo: number };

export type CompletionDecision = Ignored | { kind: 'complete'; record: ValidationAttempt; event: OfferEventDraft };

/** OfferSubmitted: a newer attempt starts validating; a redelivered or older one changes nothing. */
export function decideOnSubmitted(recorded: RecordedAttempt | undefined, eventAttempt: number, now: Date, durationMs: number): SubmittedDecision {
  const verdict = compareAttempt(recorded?.attempt, eventAttempt);
  if (verdict !== 'newer') return { kind: 'ignore', reason: verdict === 'stale' ? `attempt ${eventAttempt} is older than ${recorded?.attempt}` : `attempt ${eventAttempt} already recorded` };
  return {
    kind: 'validate',
    record: { attempt: eventAttempt, state: 'validating' },
    cancelJobsBefore: eventAttempt,
    runAfter: new Date(now.getTime() + durationMs),
  };
}

/** PublishCanceled of the current (or a later) attempt stops its validation; an older one is ignored. */
export function decideOnCanceled(recorded: RecordedAttempt | undefined, eventAttempt: number): CanceledDecision {
  if (compareAttempt(recorded?.attempt, eventAttempt) === 'stale') return { kind: 'ignore', reason: `attempt ${eventAttempt} is older than ${recorded?.attempt}` };
  return { kind: 'cancel', record: { attempt: eventAttempt, state: 'canceled' }, cancelJobsUpTo: eventAttempt };
}

/** The job's verdict counts only while its attempt is still the one being validated. */
export function decideOnValidated(recorded: RecordedAttempt | undefined, jobAttempt: number, report: ValidationReport): CompletionDecision {
  if (!recorded || recorded.attempt !== jobAttempt) return { kind: 'ignore', reason: `attempt ${jobAttempt} is no longer current` };
  if (recorded.state !== 'validating') return { kind: 'ignore', reason: `attempt ${jobAttempt} is ${recorded.state}` };
  const event = validationOutcome(report);
  return { kind: 'complete', record: { attempt: jobAttempt, state: event.type === 'PrerequisitesValidated' ? 'validated' : 'rejected' }, event };
}
