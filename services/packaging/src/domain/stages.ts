import { unhandledEvent, type OfferDraft, type OfferEvent, type StageFailure, type TestLeadResult } from '@mkt/events';
import { render, type MessageCode, type MessageParams } from '@mkt/messages';
import {
  accepted,
  compareAttempt,
  eventTypes,
  evolveByDeciding,
  ignored,
  isOneOf,
  rejected,
  type AttemptRecord,
  type CancelRange,
  type Decider,
  type Decision,
} from '@mkt/stages';
import type { ProductPage } from './product-page';
import { packagingSnapshot } from './snapshot';

/**
 * Where one publishing attempt of an offer is, as the packaging service sees it (steps 4, 5 and 7).
 * Stored as the state of its attempt record.
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
export type PackagingState = AttemptRecord<PackagingStage> | undefined;

/** Nothing moves an attempt out of these. */
const FINISHED: readonly PackagingStage[] = ['live', 'packaging-failed', 'go-live-failed', 'canceled'];

export type JobKind = 'package' | 'go-live';

/** What the service writes besides the attempt state, the jobs and the events (in the same transaction). */
export type Effect =
  | { type: 'store-snapshot'; snapshot: { publisherId: string; offerId: string; offer: OfferDraft; submittedAt: Date } }
  /** Keep the rendered page (and test lead) for go-live. */
  | { type: 'store-product-page'; page: ProductPage; testLead?: TestLeadResult }
  | { type: 'publish-to-catalog'; title: string; page: ProductPage; catalogUrl: string };

export type PackagingDecision = Decision<PackagingState, Effect>;

export interface StageDurations {
  /** Simulated duration of packaging (step 4). */
  packagingDurationMs: number;
  /** Simulated time the catalog takes to publish (step 7). */
  goLiveDelayMs: number;
}

/** A failure as the publisher reads it: what went wrong and what to do. */
export type FailureReport = Pick<StageFailure, 'code' | 'reason' | 'action' | 'reasonCode' | 'actionCode' | 'params'>;

/** A stage failure by codes (libs/messages) with its parameters and English texts. */
function stageFailure(code: string, reasonCode: MessageCode, actionCode: MessageCode, params: MessageParams = {}): FailureReport {
  return { code, reason: render(reasonCode, params, 'en'), action: render(actionCode, params, 'en'), reasonCode, actionCode, params };
}

/** What happened to the test lead of a packaging run. */
export type LeadOutcome = { kind: 'not-configured' } | { kind: 'sent'; result: TestLeadResult } | { kind: 'failed'; failure: FailureReport };

export interface PackagingRun {
  page: ProductPage;
  previewUrl: string;
  lead: LeadOutcome;
}

/** The packaging job finished its work: the preview is ready, or packaging failed with what to fix. */
export interface PackagingDone {
  type: 'PackagingDone';
  attempt: number;
  run: PackagingRun;
}

/** A job gave up after unexpected errors (not a lead failure, which PackagingDone carries). */
export interface JobExhausted {
  type: 'PackagingExhausted' | 'GoLiveExhausted';
  attempt: number;
  error: string;
}

/** The go-live job ran: the stored product page (if any) goes to the public catalog. */
export interface GoLiveDone {
  type: 'GoLiveDone';
  attempt: number;
  page: ProductPage | undefined;
  title: string;
  catalogUrl: string;
}

export type PackagingInput = OfferEvent | PackagingDone | JobExhausted | GoLiveDone;

const NOT_PACKAGINGS = eventTypes(
  'PrerequisitesValidated',
  'PrerequisitesRejected',
  'CertificationStarted',
  'CertificationPassed',
  'CertificationFailed',
  'ReplicationStarted',
  'ImageReplicationProgressed',
  'ReplicationFailed',
  'PackagingStarted',
  'PreviewReady',
  'PackagingFailed',
  'WentLive',
  'GoLiveFailed',
  'NotificationSent',
  'NotificationFailed',
);

function later(now: Date, ms: number): Date {
  return new Date(now.getTime() + ms);
}

/** A stale attempt changes nothing; an attempt never submitted cannot be worked on. */
function currentOnly(recorded: PackagingState, attempt: number, what: string): PackagingDecision | AttemptRecord<PackagingStage> {
  switch (compareAttempt(recorded, attempt)) {
    case 'stale':
      return ignored(`${what} of attempt ${attempt} is older than attempt ${recorded?.attempt}, which superseded it`);
    case 'newer':
      return rejected(
        recorded
          ? `${what} of attempt ${attempt} arrived but the last OfferSubmitted seen is of attempt ${recorded.attempt}`
          : `${what} of attempt ${attempt} arrived but no OfferSubmitted was seen for this offer`,
        'not-applicable',
      );
    case 'current':
      return recorded as AttemptRecord<PackagingStage>;
  }
}

function isDecision(value: PackagingDecision | AttemptRecord<PackagingStage>): value is PackagingDecision {
  return 'outcome' in value;
}

/** The job's result counts while its attempt is still at `stage`. */
function running(recorded: PackagingState, attempt: number, stage: PackagingStage): boolean {
  return recorded?.attempt === attempt && recorded.state === stage;
}

/** What the packaging stage does with each input (each case below says why). */
export function decide(input: PackagingInput, recorded: PackagingState, now: Date, durations: StageDurations): PackagingDecision {
  if (isOneOf(input, NOT_PACKAGINGS)) return ignored(`packaging does not react to ${input.type}`);
  switch (input.type) {
    case 'OfferSubmitted':
      return decideOfferSubmitted(input, recorded);
    case 'ImagesReplicated':
      return decideImagesReplicated(recorded, input.attempt, now, durations);
    case 'GoLiveRequested':
      return decideGoLiveRequested(recorded, input.attempt, now, durations);
    case 'PublishCanceled':
      return decidePublishCanceled(recorded, input.attempt);
    case 'PackagingDone':
      return decidePackagingDone(recorded, input.attempt, input.run);
    case 'PackagingExhausted':
    case 'GoLiveExhausted':
      return decideExhausted(recorded, input);
    case 'GoLiveDone':
      return decideGoLiveDone(recorded, input);
    default:
      return unhandledEvent(input, 'packaging decider');
  }
}

export const evolve = evolveByDeciding<PackagingState, PackagingInput>((input, state, now) =>
  decide(input, state, now, { packagingDurationMs: 0, goLiveDelayMs: 0 }),
);

export function packagingDecider(durations: StageDurations): Decider<PackagingState, PackagingInput, PackagingDecision> {
  return { initialState: undefined, decide: (input, state, now) => decide(input, state, now, durations), evolve };
}

/** OfferSubmitted: a newer attempt is recorded with its snapshot and supersedes (cancels) the older one. */
function decideOfferSubmitted(event: Extract<OfferEvent, { type: 'OfferSubmitted' }>, recorded: PackagingState): PackagingDecision {
  const { attempt, subject } = event;
  const { publisherId, offerId, offer } = event.data;
  if (subject !== `${publisherId}/${offerId}`) {
    return rejected(`OfferSubmitted for offer "${publisherId}/${offerId}" was published under the subject "${subject}"`, 'not-applicable');
  }
  const verdict = compareAttempt(recorded, attempt);
  if (verdict === 'stale') return ignored(`OfferSubmitted of attempt ${attempt} is older than the recorded attempt ${recorded?.attempt}`);
  if (verdict === 'current') return ignored(`attempt ${attempt} is already recorded`);
  const cancelJobs: CancelRange | undefined = recorded ? { beforeAttempt: attempt } : undefined;
  return accepted({
    state: { attempt, state: 'awaiting-images' },
    cancelJobs,
    effects: [{ type: 'store-snapshot', snapshot: { publisherId, offerId, offer: packagingSnapshot(offer), submittedAt: new Date(event.time) } }],
  });
}

/** ImagesReplicated: provisioning is done, packaging starts after its simulated duration. */
function decideImagesReplicated(recorded: PackagingState, attempt: number, now: Date, durations: StageDurations): PackagingDecision {
  const current = currentOnly(recorded, attempt, 'ImagesReplicated');
  if (isDecision(current)) return current;
  if (current.state !== 'awaiting-images') return ignored(`attempt ${attempt} is already ${current.state}`);
  return accepted({ state: { attempt, state: 'packaging' }, jobs: [{ kind: 'package', runAfter: later(now, durations.packagingDurationMs) }] });
}

/** GoLiveRequested: only once the preview is ready; the catalog publishes after its simulated delay. */
function decideGoLiveRequested(recorded: PackagingState, attempt: number, now: Date, durations: StageDurations): PackagingDecision {
  const current = currentOnly(recorded, attempt, 'GoLiveRequested');
  if (isDecision(current)) return current;
  switch (current.state) {
    case 'preview-ready':
      return accepted({ state: { attempt, state: 'going-live' }, jobs: [{ kind: 'go-live', runAfter: later(now, durations.goLiveDelayMs) }] });
    case 'going-live':
    case 'live':
      return ignored(`attempt ${attempt} is already ${current.state}`);
    case 'canceled':
      return ignored(`attempt ${attempt} was canceled; Go Live does nothing until the offer is published again`);
    case 'awaiting-images':
    case 'packaging':
      return rejected(
        `GoLiveRequested of attempt ${attempt} arrived before PreviewReady (packaging is at "${current.state}"); Go Live is only possible once the preview is ready`,
        'not-applicable',
      );
    case 'packaging-failed':
    case 'go-live-failed':
      return rejected(
        `GoLiveRequested of attempt ${attempt} arrived after the attempt failed (${current.state}); the offer must be published again`,
        'not-applicable',
      );
  }
}

/** PublishCanceled: the attempt stops here, including a pending go-live. */
function decidePublishCanceled(recorded: PackagingState, attempt: number): PackagingDecision {
  const verdict = compareAttempt(recorded, attempt);
  if (verdict === 'stale') return ignored(`PublishCanceled of attempt ${attempt} is older than the recorded attempt ${recorded?.attempt}`);
  if (verdict === 'newer' || !recorded) return ignored(`PublishCanceled of attempt ${attempt}: nothing of that attempt is running here`);
  if (FINISHED.includes(recorded.state)) return ignored(`attempt ${attempt} is already ${recorded.state}; nothing to cancel`);
  return accepted({ state: { attempt, state: 'canceled' }, cancelJobs: { upToAttempt: attempt } });
}

/** The packaging job finished its work: the preview is ready, or packaging failed with what to fix. */
function decidePackagingDone(recorded: PackagingState, attempt: number, run: PackagingRun): PackagingDecision {
  if (!running(recorded, attempt, 'packaging')) {
    return ignored(
      `packaging of attempt ${attempt} finished but the offer is at ${recorded ? `attempt ${recorded.attempt} (${recorded.state})` : 'no attempt'}`,
    );
  }
  if (run.lead.kind === 'failed') {
    return accepted({ state: { attempt, state: 'packaging-failed' }, events: [{ type: 'PackagingFailed', data: { ...run.lead.failure } }] });
  }
  const testLead = run.lead.kind === 'sent' ? { testLead: run.lead.result } : {};
  return accepted({
    state: { attempt, state: 'preview-ready' },
    events: [{ type: 'PreviewReady', data: { previewUrl: run.previewUrl, productPageHash: run.page.hash, productPageHtml: run.page.html, ...testLead } }],
    effects: [{ type: 'store-product-page', page: run.page, ...testLead }],
  });
}

/** A job gave up after unexpected errors: the attempt fails, telling the publisher to publish again. */
function decideExhausted(recorded: PackagingState, input: JobExhausted): PackagingDecision {
  const { attempt, error } = input;
  if (input.type === 'PackagingExhausted') {
    if (!running(recorded, attempt, 'packaging')) return ignored(`packaging of attempt ${attempt} is no longer running`);
    const data = stageFailure('packaging-error', 'packaging.page-not-prepared', 'packaging-action.support-if-again', { error });
    return accepted({ state: { attempt, state: 'packaging-failed' }, events: [{ type: 'PackagingFailed', data }] });
  }
  if (!running(recorded, attempt, 'going-live')) return ignored(`go-live of attempt ${attempt} is no longer pending`);
  const data = stageFailure('catalog-unavailable', 'packaging.catalog-unavailable', 'packaging-action.go-live-again', { error });
  return accepted({ state: { attempt, state: 'go-live-failed' }, events: [{ type: 'GoLiveFailed', data }] });
}

/** The go-live job ran: the stored product page goes to the public catalog. */
function decideGoLiveDone(recorded: PackagingState, input: GoLiveDone): PackagingDecision {
  const { attempt, page, title, catalogUrl } = input;
  if (!running(recorded, attempt, 'going-live')) return ignored(`go-live of attempt ${attempt} is no longer pending`);
  if (!page) {
    const data = stageFailure('product-page-missing', 'packaging.product-page-missing', 'packaging-action.support-if-again');
    return accepted({ state: { attempt, state: 'go-live-failed' }, events: [{ type: 'GoLiveFailed', data }] });
  }
  return accepted({
    state: { attempt, state: 'live' },
    events: [{ type: 'WentLive', data: { catalogUrl } }],
    effects: [{ type: 'publish-to-catalog', title, page, catalogUrl }],
  });
}
