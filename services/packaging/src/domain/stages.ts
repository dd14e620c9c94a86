import { compareAttempt, type OfferEventDraft, type StageFailure, type TestLeadResult } from '@mkt/events';
import type { ProductPage } from './product-page';

/**
 * Where one publishing attempt of an offer is, as the packaging service sees it (steps 4, 5 and 7).
 * Stored as `offer_attempts.state`.
 */
export const PACKAGING_STAGES = [
  'awaiting-images',
  'packaging',
  'preview-ready',
  'going-live',
  'live',
  'packaging-failed',
  'go-live-failed',
  'canceled',
] as const;
export type PackagingStage = (typeof PACKAGING_STAGES)[number];

export function isPackagingStage(value: string): value is PackagingStage {
  return (PACKAGING_STAGES as readonly string[]).includes(value);
}

/** Nothing moves an attempt out of these. */
const FINISHED: readonly PackagingStage[] = ['live', 'packaging-failed', 'go-live-failed', 'canceled'];

export interface AttemptState {
  attempt: number;
  stage: PackagingStage;
}

export type JobKind = 'package' | 'go-live';

export type CancelRange = { beforeAttempt: number } | { upToAttempt: number };

/** What the adapter must do besides saving the state and emitting the events (in the same transaction). */
export type Effect =
  | { type: 'store-snapshot' }
  | { type: 'cancel-jobs'; range: CancelRange }
  | { type: 'enqueue-job'; kind: JobKind; runAfter: Date }
  /** Keep the rendered page (and test lead) for go-live. */
  | { type: 'store-product-page' }
  | { type: 'publish-to-catalog' };

export type Decision =
  /** Nothing changes (older attempt, redundant event); `reason` is for logs. */
  | { outcome: 'ignored'; reason: string }
  /** The event can never be processed: dead-letter it with `reason`. */
  | { outcome: 'rejected'; reason: string }
  | { outcome: 'accepted'; state: AttemptState; events: OfferEventDraft[]; effects: Effect[] };

export interface StageDurations {
  /** Simulated duration of packaging (step 4). */
  packagingDurationMs: number;
  /** Simulated time the catalog takes to publish (step 7). */
  goLiveDelayMs: number;
}

function ignored(reason: string): Decision {
  return { outcome: 'ignored', reason };
}

function rejected(reason: string): Decision {
  return { outcome: 'rejected', reason };
}

function accepted(state: AttemptState, events: OfferEventDraft[] = [], effects: Effect[] = []): Decision {
  return { outcome: 'accepted', state, events, effects };
}

function later(now: Date, ms: number): Date {
  return new Date(now.getTime() + ms);
}

/** A stale attempt changes nothing; an attempt never submitted cannot be worked on. */
function currentOnly(recorded: AttemptState | undefined, attempt: number, what: string): Decision | AttemptState {
  switch (compareAttempt(recorded?.attempt, attempt)) {
    case 'stale':
      return ignored(`${what} of attempt ${attempt} is older than attempt ${recorded?.attempt}, which superseded it`);
    case 'newer':
      return rejected(
        recorded
          ? `${what} of attempt ${attempt} arrived but the last OfferSubmitted seen is of attempt ${recorded.attempt}`
          : `${what} of attempt ${attempt} arrived but no OfferSubmitted was seen for this offer`,
      );
    case 'current':
      return recorded as AttemptState;
  }
}

function isDecision(value: Decision | AttemptState): value is Decision {
  return 'outcome' in value;
}

/** OfferSubmitted: a newer attempt is recorded with its snapshot and supersedes (cancels) the older one. */
export function decideOfferSubmitted(
  recorded: AttemptState | undefined,
  attempt: number,
  identity: { subject: string; publisherId: string; offerId: string },
): Decision {
  if (identity.subject !== `${identity.publisherId}/${identity.offerId}`) {
    return rejected(`OfferSubmitted for offer "${identity.publisherId}/${identity.offerId}" was published under the subject "${identity.subject}"`);
  }
  const verdict = compareAttempt(recorded?.attempt, attempt);
  if (verdict === 'stale') return ignored(`OfferSubmitted of attempt ${attempt} is older than the recorded attempt ${recorded?.attempt}`);
  if (verdict === 'current') return ignored(`attempt ${attempt} is already recorded`);
  const effects: Effect[] = [{ type: 'store-snapshot' }];
  if (recorded) effects.push({ type: 'cancel-jobs', range: { beforeAttempt: attempt } });
  return accepted({ attempt, stage: 'awaiting-images' }, [], effects);
}

/** ImagesReplicated: provisioning is done, packaging starts after its simulated duration. */
export function decideImagesReplicated(recorded: AttemptState | undefined, attempt: number, now: Date, durations: StageDurations): Decision {
  const current = currentOnly(recorded, attempt, 'ImagesReplicated');
  if (isDecision(current)) return current;
  if (current.stage !== 'awaiting-images') return ignored(`attempt ${attempt} is already ${current.stage}`);
  return accepted({ attempt, stage: 'packaging' }, [], [{ type: 'enqueue-job', kind: 'package', runAfter: later(now, durations.packagingDurationMs) }]);
}

/** GoLiveRequested: only once the preview is ready; the catalog publishes after its simulated delay. */
export function decideGoLiveRequested(recorded: AttemptState | undefined, attempt: number, now: Date, durations: StageDurations): Decision {
  const current = currentOnly(recorded, attempt, 'GoLiveRequested');
  if (isDecision(current)) return current;
  switch (current.stage) {
    case 'preview-ready':
      return accepted({ attempt, stage: 'going-live' }, [], [{ type: 'enqueue-job', kind: 'go-live', runAfter: later(now, durations.goLiveDelayMs) }]);
    case 'going-live':
    case 'live':
      return ignored(`attempt ${attempt} is already ${current.stage}`);
    case 'canceled':
      return ignored(`attempt ${attempt} was canceled; Go Live does nothing until the offer is published again`);
    case 'awaiting-images':
    case 'packaging':
      return rejected(`GoLiveRequested of attempt ${attempt} arrived before PreviewReady (packaging is at "${current.stage}"); Go Live is only possible once the preview is ready`);
    case 'packaging-failed':
    case 'go-live-failed':
      return rejected(`GoLiveRequested of attempt ${attempt} arrived after the attempt failed (${current.stage}); the offer must be published again`);
  }
}

/** PublishCanceled: the attempt stops here, including a pending go-live. */
export function decidePublishCanceled(recorded: AttemptState | undefined, attempt: number): Decision {
  const verdict = compareAttempt(recorded?.attempt, attempt);
  if (verdict === 'stale') return ignored(`PublishCanceled of attempt ${attempt} is older than the recorded attempt ${recorded?.attempt}`);
  if (verdict === 'newer' || !recorded) return ignored(`PublishCanceled of attempt ${attempt}: nothing of that attempt is running here`);
  if (FINISHED.includes(recorded.stage)) return ignored(`attempt ${attempt} is already ${recorded.stage}; nothing to cancel`);
  return accepted({ attempt, stage: 'canceled' }, [], [{ type: 'cancel-jobs', range: { upToAttempt: attempt } }]);
}

/** A failure as the publisher reads it: what went wrong and what to do. */
export type FailureReport = Pick<StageFailure, 'code' | 'reason' | 'action'>;

/** What happened to the test lead of a packaging run. */
export type LeadOutcome =
  | { kind: 'not-configured' }
  | { kind: 'sent'; result: TestLeadResult }
  | { kind: 'failed'; failure: FailureReport };

export interface PackagingRun {
  page: ProductPage;
  previewUrl: string;
  lead: LeadOutcome;
}

/** The packaging job finished its work: the preview is ready, or packaging failed with what to fix. */
export function decidePackagingDone(recorded: AttemptState | undefined, attempt: number, run: PackagingRun): Decision {
  if (recorded?.attempt !== attempt || recorded.stage !== 'packaging') {
    return ignored(`packaging of attempt ${attempt} finished but the offer is at ${recorded ? `attempt ${recorded.attempt} (${recorded.stage})` : 'no attempt'}`);
  }
  if (run.lead.kind === 'failed') {
    return accepted({ attempt, stage: 'packaging-failed' }, [{ type: 'PackagingFailed', data: { ...run.lead.failure } }]);
  }
  const testLead = run.lead.kind === 'sent' ? { testLead: run.lead.result } : {};
  return accepted(
    { attempt, stage: 'preview-ready' },
    [{ type: 'PreviewReady', data: { previewUrl: run.previewUrl, productPageHash: run.page.hash, productPageHtml: run.page.html, ...testLead } }],
    [{ type: 'store-product-page' }],
  );
}

/** The packaging job gave up after unexpected errors (not a lead failure, which is decided above). */
export function decidePackagingExhausted(recorded: AttemptState | undefined, attempt: number, error: string): Decision {
  if (recorded?.attempt !== attempt || recorded.stage !== 'packaging') return ignored(`packaging of attempt ${attempt} is no longer running`);
  return accepted({ attempt, stage: 'packaging-failed' }, [
    {
      type: 'PackagingFailed',
      data: {
        code: 'packaging-error',
        reason: `the product page could not be prepared: ${error}`,
        action: 'publish the offer again; if it fails again, contact marketplace support with this message',
      },
    },
  ]);
}

/** The go-live job ran: the stored product page goes to the public catalog. */
export function decideGoLiveDone(recorded: AttemptState | undefined, attempt: number, page: ProductPage | undefined, catalogUrl: string): Decision {
  if (recorded?.attempt !== attempt || recorded.stage !== 'going-live') return ignored(`go-live of attempt ${attempt} is no longer pending`);
  if (!page) {
    return accepted({ attempt, stage: 'go-live-failed' }, [
      {
        type: 'GoLiveFailed',
        data: {
          code: 'product-page-missing',
          reason: 'the product page of the preview was not found, so there is nothing to publish',
          action: 'publish the offer again; if it fails again, contact marketplace support with this message',
        },
      },
    ]);
  }
  return accepted({ attempt, stage: 'live' }, [{ type: 'WentLive', data: { catalogUrl } }], [{ type: 'publish-to-catalog' }]);
}

/** The go-live job gave up after unexpected errors. */
export function decideGoLiveExhausted(recorded: AttemptState | undefined, attempt: number, error: string): Decision {
  if (recorded?.attempt !== attempt || recorded.stage !== 'going-live') return ignored(`go-live of attempt ${attempt} is no longer pending`);
  return accepted({ attempt, stage: 'go-live-failed' }, [
    {
      type: 'GoLiveFailed',
      data: {
        code: 'catalog-unavailable',
        reason: `the product page could not be published to the catalog: ${error}`,
        action: 'publish the offer again and click Go Live once the preview is ready; contact marketplace support if it fails again',
      },
    },
  ]);
}
