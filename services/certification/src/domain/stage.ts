import { unhandledEvent, type OfferEvent } from '@mkt/events';
import {
  accepted,
  compareAttempt,
  eventTypes,
  evolveByDeciding,
  ignored,
  isOneOf,
  rejected,
  type AttemptRecord,
  type Decider,
  type Decision,
} from '@mkt/stages';
import type { CheckResult } from './certify-disk';
import { imageListOf, type ImageList } from './images';
import { certificationOutcome, coded } from './outcome';

/**
 * What certification has done for an offer's latest attempt (its attempt record). The job's result is
 * not part of it: the job's own row (done/canceled) and certification_results hold that.
 */
export const CERTIFICATION_STATES = ['submitted', 'certifying', 'canceled'] as const;
export type CertificationStatus = (typeof CERTIFICATION_STATES)[number];
export type CertificationState = AttemptRecord<CertificationStatus> | undefined;

export const CERTIFY_JOB = 'certify';

/** The certification job finished its checks. */
export interface CertificationChecked {
  type: 'CertificationChecked';
  attempt: number;
  checks: CheckResult[];
}

/** The certification job gave up after failures of its own (not the publisher's). */
export interface CertificationAbandoned {
  type: 'CertificationAbandoned';
  attempt: number;
  error: string;
}

export type CertificationInput = OfferEvent | CertificationChecked | CertificationAbandoned;

/** The service's own rows: the attempt's image list (kept until certification starts), the attempt's result. */
export type CertificationEffect = { type: 'keep-image-list'; images: ImageList } | { type: 'record-result'; checks: CheckResult[] };

export type CertificationDecision = Decision<CertificationState, CertificationEffect>;

export interface CertificationSettings {
  /** Simulated duration of the stage (< 5 days in production). */
  durationMs: number;
}

const NOT_CERTIFICATIONS = eventTypes(
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

function olderThan(state: CertificationState, attempt: number) {
  return ignored(`attempt ${attempt} is older than attempt ${state?.attempt}`);
}

/** The job's outcome counts while its attempt is the one certifying. */
function certifying(state: CertificationState, attempt: number): boolean {
  return state?.attempt === attempt && state.state === 'certifying';
}

/**
 * OfferSubmitted records a newer attempt with its image list and supersedes older ones;
 * PrerequisitesValidated of the submitted attempt starts certification after the simulated duration;
 * PublishCanceled stops it; the job's checks (or its giving up) become the stage's result event.
 */
export function decide(input: CertificationInput, state: CertificationState, now: Date, settings: CertificationSettings): CertificationDecision {
  if (isOneOf(input, NOT_CERTIFICATIONS)) return ignored(`certification does not react to ${input.type}`);
  switch (input.type) {
    case 'OfferSubmitted': {
      const verdict = compareAttempt(state, input.attempt);
      if (verdict === 'stale') return olderThan(state, input.attempt);
      if (verdict === 'current') return ignored(`attempt ${input.attempt} is already recorded`);
      return accepted({
        state: { attempt: input.attempt, state: 'submitted' },
        cancelJobs: { beforeAttempt: input.attempt },
        effects: [{ type: 'keep-image-list', images: imageListOf(input.data.offer) }],
      });
    }
    case 'PrerequisitesValidated': {
      const verdict = compareAttempt(state, input.attempt);
      if (verdict === 'stale') return olderThan(state, input.attempt);
      // the partition's order puts OfferSubmitted first: without it there is no image list to certify
      if (verdict === 'newer')
        return rejected(
          `PrerequisitesValidated of attempt ${input.attempt} arrived before its OfferSubmitted (no image list to certify)`,
          'attempt-not-submitted',
        );
      if (state?.state !== 'submitted') return ignored(`attempt ${input.attempt} is already ${state?.state}`);
      return accepted({
        state: { attempt: input.attempt, state: 'certifying' },
        jobs: [{ kind: CERTIFY_JOB, runAfter: new Date(now.getTime() + settings.durationMs) }],
      });
    }
    case 'PublishCanceled':
      if (compareAttempt(state, input.attempt) === 'stale') return olderThan(state, input.attempt);
      return accepted({ state: { attempt: input.attempt, state: 'canceled' }, cancelJobs: { upToAttempt: input.attempt } });
    case 'CertificationChecked':
      if (!certifying(state, input.attempt)) return ignored(`certification of attempt ${input.attempt} is no longer running`);
      return accepted({ events: [certificationOutcome(input.checks)], effects: [{ type: 'record-result', checks: input.checks }] });
    case 'CertificationAbandoned': {
      if (!certifying(state, input.attempt)) return ignored(`certification of attempt ${input.attempt} is no longer running`);
      const failure: CheckResult = {
        planId: '',
        imageVersion: '',
        disk: 'os',
        check: 'certification-run',
        passed: false,
        ...coded('certification.run-failed', { error: input.error.slice(0, 500) }),
      };
      return accepted({
        events: [{ type: 'CertificationFailed', data: { failures: [failure], checksRun: 0 } }],
        effects: [{ type: 'record-result', checks: [failure] }],
      });
    }
    default:
      return unhandledEvent(input, 'certification decider');
  }
}

export const evolve = evolveByDeciding<CertificationState, CertificationInput>((input, state, now) => decide(input, state, now, { durationMs: 0 }));

export function certificationDecider(settings: CertificationSettings): Decider<CertificationState, CertificationInput, CertificationDecision> {
  return { initialState: undefined, decide: (input, state, now) => decide(input, state, now, settings), evolve };
}
