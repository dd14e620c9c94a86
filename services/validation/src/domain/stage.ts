import { unhandledEvent, type OfferEvent } from '@mkt/events';
import { accepted, compareAttempt, eventTypes, evolveByDeciding, ignored, isOneOf, type AttemptRecord, type Decider, type Decision } from '@mkt/stages';
import { validationOutcome, type Submission, type ValidationReport } from './validate';

/** Where this stage is with an offer's attempt (the `state` of its attempt record). */
export const VALIDATION_STATES = ['validating', 'validated', 'rejected', 'canceled'] as const;
export type ValidationStatus = (typeof VALIDATION_STATES)[number];
export type ValidationState = AttemptRecord<ValidationStatus> | undefined;

export const VALIDATE_JOB = 'validate';

/** What the validation job judges: the snapshot as submitted (the kit adds the cause). */
export interface ValidateJobPayload {
  submission: Submission;
}

/** The validation job judged its attempt's snapshot. */
export interface ValidationJudged {
  type: 'ValidationJudged';
  attempt: number;
  report: ValidationReport;
}

export type ValidationInput = OfferEvent | ValidationJudged;
export type ValidationDecision = Decision<ValidationState>;

export interface ValidationSettings {
  /** Simulated duration of the stage: the job runs this long after the offer was submitted. */
  validationDurationMs: number;
}

const NOT_VALIDATIONS = eventTypes(
  'PrerequisitesValidated',
  'PrerequisitesRejected',
  'CertificationStarted',
  'CertificationPassed',
  'CertificationFailed',
  'ReplicationStarted',
  'ImageReplicationProgressed',
  'ImagesReplicated',
  'ReplicationFailed',
  'PackagingStarted',
  'PreviewReady',
  'PackagingFailed',
  'GoLiveRequested',
  'WentLive',
  'GoLiveFailed',
  'NotificationSent',
  'NotificationFailed',
);

/**
 * OfferSubmitted: a newer attempt starts validating (after the simulated duration) and supersedes older
 * ones; PublishCanceled of the current or a later attempt stops it; the job's verdict counts only while
 * its attempt is still the one being validated.
 */
export function decide(input: ValidationInput, state: ValidationState, now: Date, settings: ValidationSettings): ValidationDecision {
  if (isOneOf(input, NOT_VALIDATIONS)) return ignored(`validation does not react to ${input.type}`);
  switch (input.type) {
    case 'OfferSubmitted': {
      const verdict = compareAttempt(state, input.attempt);
      if (verdict !== 'newer')
        return ignored(verdict === 'stale' ? `attempt ${input.attempt} is older than ${state?.attempt}` : `attempt ${input.attempt} already recorded`);
      const payload: ValidateJobPayload = { submission: { offer: input.data.offer, notificationEmails: input.data.notificationEmails } };
      return accepted({
        state: { attempt: input.attempt, state: 'validating' },
        cancelJobs: { beforeAttempt: input.attempt },
        jobs: [{ kind: VALIDATE_JOB, runAfter: new Date(now.getTime() + settings.validationDurationMs), payload: { ...payload } }],
      });
    }
    case 'PublishCanceled':
      if (compareAttempt(state, input.attempt) === 'stale') return ignored(`attempt ${input.attempt} is older than ${state?.attempt}`);
      return accepted({ state: { attempt: input.attempt, state: 'canceled' }, cancelJobs: { upToAttempt: input.attempt } });
    case 'ValidationJudged': {
      if (!state || state.attempt !== input.attempt) return ignored(`attempt ${input.attempt} is no longer current`);
      if (state.state !== 'validating') return ignored(`attempt ${input.attempt} is ${state.state}`);
      const event = validationOutcome(input.report);
      return accepted({ state: { attempt: input.attempt, state: event.type === 'PrerequisitesValidated' ? 'validated' : 'rejected' }, events: [event] });
    }
    default:
      return unhandledEvent(input, 'validation decider');
  }
}

export const evolve = evolveByDeciding<ValidationState, ValidationInput>((input, state, now) => decide(input, state, now, { validationDurationMs: 0 }));

export function validationDecider(settings: ValidationSettings): Decider<ValidationState, ValidationInput, ValidationDecision> {
  return { initialState: undefined, decide: (input, state, now) => decide(input, state, now, settings), evolve };
}
