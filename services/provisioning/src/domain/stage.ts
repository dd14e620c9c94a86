import { unhandledEvent, type OfferEvent, type OfferEventDraft } from '@mkt/events';
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
import { REGION_NAMES } from './regions';
import { imagesOf, type ReplicationImage, type ReplicationProgress } from './replication';

/** Where this stage is with an offer's attempt (the `state` of its attempt record). */
export const PROVISIONING_STATES = ['awaiting-certification', 'replicating', 'replicated', 'failed', 'canceled'] as const;
export type ProvisioningStatus = (typeof PROVISIONING_STATES)[number];
export type ProvisioningState = AttemptRecord<ProvisioningStatus> | undefined;

export const REPLICATE_JOB = 'replicate';

/** What the replication job replicates where (the kit adds the cause). */
export interface ReplicateJobPayload {
  /** The region catalog when the job was created, so that a job resumed after a deploy targets the same regions. */
  regions: string[];
  /** Jobs created before the stage kit carry their images; newer ones read them from submitted_images. */
  images?: ReplicationImage[];
}

export type ReplicateJobProgress = ReplicationProgress & Record<string, unknown>;

/** The replication job finished (every region done, or the job gave up): its result event. */
export interface ReplicationFinished {
  type: 'ReplicationFinished';
  attempt: number;
  outcome: OfferEventDraft;
}

export type ProvisioningInput = OfferEvent | ReplicationFinished;

/** The attempt's images, kept from OfferSubmitted until certification passes. */
export type ProvisioningEffect = { type: 'keep-images'; images: ReplicationImage[] };

export type ProvisioningDecision = Decision<ProvisioningState, ProvisioningEffect>;

export interface ProvisioningSettings {
  /** Simulated duration of the stage (< 1 day in production). */
  provisioningDurationMs: number;
}

const NOT_PROVISIONINGS = eventTypes(
  'PrerequisitesValidated',
  'PrerequisitesRejected',
  'CertificationStarted',
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

function stale(state: ProvisioningState, attempt: number) {
  return ignored(`attempt ${attempt} is older than ${state?.attempt}`);
}

/**
 * OfferSubmitted records a newer attempt with its images (older attempts' jobs stop); CertificationPassed
 * of that attempt starts replication after the simulated duration; PublishCanceled stops it; the job's
 * result counts only while its attempt is still the one replicating.
 */
export function decide(input: ProvisioningInput, state: ProvisioningState, now: Date, settings: ProvisioningSettings): ProvisioningDecision {
  if (isOneOf(input, NOT_PROVISIONINGS)) return ignored(`provisioning does not react to ${input.type}`);
  switch (input.type) {
    case 'OfferSubmitted': {
      const verdict = compareAttempt(state, input.attempt);
      if (verdict === 'stale') return stale(state, input.attempt);
      if (verdict === 'current') return ignored(`attempt ${input.attempt} already recorded`);
      return accepted({
        state: { attempt: input.attempt, state: 'awaiting-certification' },
        cancelJobs: { beforeAttempt: input.attempt },
        effects: [{ type: 'keep-images', images: imagesOf(input.data.offer) }],
      });
    }
    case 'CertificationPassed': {
      const verdict = compareAttempt(state, input.attempt);
      if (verdict === 'stale') return stale(state, input.attempt);
      // an attempt whose OfferSubmitted this service never saw has no images to replicate
      if (verdict === 'newer')
        return rejected(
          `CertificationPassed of attempt ${input.attempt}, but no OfferSubmitted of that attempt was seen (last seen: ${state?.attempt ?? 'none'})`,
          'unknown-attempt',
        );
      if (state?.state !== 'awaiting-certification') return ignored(`attempt ${input.attempt} is already ${state?.state}`);
      const payload: ReplicateJobPayload = { regions: [...REGION_NAMES] };
      return accepted({
        state: { attempt: input.attempt, state: 'replicating' },
        jobs: [{ kind: REPLICATE_JOB, runAfter: new Date(now.getTime() + settings.provisioningDurationMs), payload: { ...payload } }],
      });
    }
    case 'PublishCanceled':
      if (compareAttempt(state, input.attempt) === 'stale') return stale(state, input.attempt);
      return accepted({ state: { attempt: input.attempt, state: 'canceled' }, cancelJobs: { upToAttempt: input.attempt } });
    case 'ReplicationFinished':
      if (!state || state.attempt !== input.attempt) return ignored(`attempt ${input.attempt} is no longer current`);
      if (state.state !== 'replicating') return ignored(`attempt ${input.attempt} is ${state.state}`);
      return accepted({
        state: { attempt: input.attempt, state: input.outcome.type === 'ImagesReplicated' ? 'replicated' : 'failed' },
        events: [input.outcome],
      });
    default:
      return unhandledEvent(input, 'provisioning decider');
  }
}

export const evolve = evolveByDeciding<ProvisioningState, ProvisioningInput>((input, state, now) => decide(input, state, now, { provisioningDurationMs: 0 }));

export function provisioningDecider(settings: ProvisioningSettings): Decider<ProvisioningState, ProvisioningInput, ProvisioningDecision> {
  return { initialState: undefined, decide: (input, state, now) => decide(input, state, now, settings), evolve };
}
