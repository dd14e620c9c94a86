import type { DryRunKit } from '@mkt/stages';
import { packagingDecider, type PackagingInput, type PackagingState } from './stages';

/** Packaging's jobs render the page, send the test lead and publish to the catalog: a dry run shows the jobs today's decider asks for, not their results. */
export const packagingDryRun: DryRunKit<PackagingState, PackagingInput> = {
  stage: 'packaging',
  source: '/marketplace/packaging',
  decider: packagingDecider({ packagingDurationMs: 0, goLiveDelayMs: 0 }),
  progressTypes: ['PackagingStarted'],
  notRerunTypes: ['PreviewReady', 'PackagingFailed', 'WentLive', 'GoLiveFailed'],
};
