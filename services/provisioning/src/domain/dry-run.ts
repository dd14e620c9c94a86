import type { OfferEventDraft } from '@mkt/events';
import type { DryRunKit } from '@mkt/stages';
import { provisioningDecider, type ProvisioningInput, type ProvisioningState } from './stage';

/** Replication's job copies images to regions: a dry run does not; it feeds today's decider the recorded outcome. */
export const provisioningDryRun: DryRunKit<ProvisioningState, ProvisioningInput> = {
  stage: 'provisioning',
  source: '/marketplace/provisioning',
  decider: provisioningDecider({ provisioningDurationMs: 0 }),
  progressTypes: ['ReplicationStarted', 'ImageReplicationProgressed'],
  jobResultFrom: (recorded) =>
    recorded.type === 'ImagesReplicated' || recorded.type === 'ReplicationFailed'
      ? { type: 'ReplicationFinished', attempt: recorded.attempt, outcome: { type: recorded.type, data: recorded.data } as OfferEventDraft }
      : undefined,
};
