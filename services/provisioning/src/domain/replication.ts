import { render, type MessageCode } from '@mkt/messages';
import type { OfferDraft, OfferEventData, OfferEventDraft } from '@mkt/events';

/** One VM image version of one plan, as submitted: what gets copied to every region. */
export interface ReplicationImage {
  planId: string;
  version: string;
  osDiskUrl: string;
  dataDiskUrls: string[];
}

/**
 * The port to whatever copies images between regions. `replicate` resolves once the image is available
 * in the region and rejects with the reason when the region refused or failed; it must stop promptly
 * when `signal` is aborted. Replicating an image that is already there is harmless (a resumed job may
 * redo the regions it had not checkpointed).
 */
export interface ReplicationBackend {
  replicate(image: ReplicationImage, region: string, signal: AbortSignal): Promise<void>;
}

export interface RetryPolicy {
  /** Tries per region, the first included. */
  maxTries: number;
  /** Delay before try n + 1: initialMs * 2^(n - 1), capped at maxMs. */
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface RegionResult {
  region: string;
  status: 'replicated' | 'failed';
  tries: number;
  /** English text of the reason; `reasonCode` and `params` give it by code (libs/messages). */
  reason?: string;
  reasonCode?: string;
  params?: Record<string, string | number>;
}

/** A failed region's reason by code, with its English text. */
function failedReason(reasonCode: MessageCode, params: Record<string, string | number> = {}): Pick<RegionResult, 'reason' | 'reasonCode' | 'params'> {
  return { reason: render(reasonCode, params, 'en'), reasonCode, params };
}

/** The job's checkpoint: what a resumed job must not redo. (A type, not an interface, so that it is a JSON record.) */
export type ReplicationProgress = {
  /** ReplicationStarted has been emitted. */
  started: boolean;
  /** Regions finished (replicated, or failed after every try), in the order they finished. */
  finished: RegionResult[];
  /** `finished.length` at the last progress milestone (reported or skipped for pacing). */
  reportedAt: number;
  /** When (ms since epoch) the last ImageReplicationProgressed was emitted, or the job started. */
  reportedAtMs?: number;
};

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export function imageKey(image: Pick<ReplicationImage, 'planId' | 'version'>): string {
  return `${image.planId}/${image.version}`;
}

/** Every image version of every plan of the submitted offer. */
export function imagesOf(offer: OfferDraft): ReplicationImage[] {
  return (offer.plans ?? []).flatMap((plan) =>
    (plan.imageVersions ?? []).map((image) => ({
      planId: plan.id,
      version: image.version,
      osDiskUrl: image.osDiskUrl ?? '',
      dataDiskUrls: image.dataDiskUrls ?? [],
    })),
  );
}

export function retryDelay(triesSoFar: number, policy: RetryPolicy): number {
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.min(triesSoFar - 1, 30));
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Replicates every image to one region, retrying the images that failed with backoff; the region fails
 * once its tries are used up. Throws only when `signal` is aborted.
 */
export async function replicateRegion(
  images: readonly ReplicationImage[],
  region: string,
  backend: ReplicationBackend,
  policy: RetryPolicy,
  signal: AbortSignal,
  sleep: Sleep,
): Promise<RegionResult> {
  let pending = [...images];
  let lastFailure = { image: '', detail: '' };
  for (let tries = 1; ; tries += 1) {
    const failed: ReplicationImage[] = [];
    for (const image of pending) {
      signal.throwIfAborted();
      try {
        await backend.replicate(image, region, signal);
      } catch (error) {
        signal.throwIfAborted();
        failed.push(image);
        lastFailure = { image: imageKey(image), detail: reasonOf(error) };
      }
    }
    pending = failed;
    if (pending.length === 0) return { region, status: 'replicated', tries };
    if (tries >= policy.maxTries) {
      const reason =
        pending.length === 1
          ? failedReason('provisioning.image-failed', lastFailure)
          : failedReason('provisioning.images-failed', { ...lastFailure, more: pending.length - 1 });
      return { region, status: 'failed', tries, ...reason };
    }
    await sleep(retryDelay(tries, policy), signal);
  }
}

/**
 * Runs `replicate` for each region with at most `concurrency` at a time and hands each result to
 * `onResult`, one at a time, in the order they finish (so checkpoints never race). The first error (an
 * abort, or `onResult` failing because the job was canceled) stops the remaining regions and is rethrown.
 */
export async function replicateRegions(options: {
  regions: readonly string[];
  concurrency: number;
  signal: AbortSignal;
  replicate: (region: string, signal: AbortSignal) => Promise<RegionResult>;
  onResult: (result: RegionResult) => Promise<void>;
}): Promise<void> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(options.signal.reason);
  options.signal.addEventListener('abort', onAbort, { once: true });
  if (options.signal.aborted) onAbort();
  const queue = [...options.regions];
  let firstError: { error: unknown } | undefined;
  let recording = Promise.resolve();

  const lane = async () => {
    while (queue.length > 0 && !stop.signal.aborted) {
      const region = queue.shift() as string;
      try {
        const result = await options.replicate(region, stop.signal);
        const record = recording.then(() => {
          if (!firstError) return options.onResult(result);
        });
        recording = record.catch(() => undefined);
        await record;
      } catch (error) {
        firstError ??= { error };
        stop.abort(error);
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, options.regions.length)) }, lane));
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
  if (firstError) throw firstError.error;
  options.signal.throwIfAborted();
}

export function initialProgress(): ReplicationProgress {
  return { started: false, finished: [], reportedAt: 0 };
}

/** The regions of the catalog the job has not finished yet, in catalog order. */
export function regionsToDo(regions: readonly string[], progress: ReplicationProgress): string[] {
  const done = new Set(progress.finished.map((r) => r.region));
  return regions.filter((region) => !done.has(region));
}

export function replicationStarted(images: readonly ReplicationImage[], regions: readonly string[]): OfferEventDraft {
  return { type: 'ReplicationStarted', data: { images: images.length, regions: regions.length } };
}

/**
 * Records a finished region; every `every` regions the step also yields the progress event to emit with
 * the checkpoint. The last region yields none: the result event says it all.
 */
export function recordRegion(
  progress: ReplicationProgress,
  result: RegionResult,
  total: number,
  every: number,
  /** Reports are also at least `minIntervalMs` apart (a fast job needs none: the result says 100%). */
  pacing: { now: number; minIntervalMs: number } = { now: 0, minIntervalMs: 0 },
): { progress: ReplicationProgress; event?: OfferEventDraft } {
  if (progress.finished.some((r) => r.region === result.region)) return { progress };
  const finished = [...progress.finished, result];
  const done = finished.length;
  const milestone = done < total && Math.floor(done / every) > Math.floor(progress.reportedAt / every);
  const due = milestone && pacing.now - (progress.reportedAtMs ?? 0) >= pacing.minIntervalMs;
  if (!due) return { progress: { ...progress, finished, ...(milestone ? { reportedAt: done } : {}) } };
  const data: OfferEventData<'ImageReplicationProgressed'> = {
    regionsDone: done,
    regionsTotal: total,
    percentage: Math.round((done * 1000) / total) / 10,
  };
  return { progress: { ...progress, finished, reportedAt: done, reportedAtMs: pacing.now }, event: { type: 'ImageReplicationProgressed', data } };
}

/** The stage's result once every region is finished: replicated everywhere, or which regions failed and why. */
export function replicationOutcome(regions: readonly string[], progress: ReplicationProgress): OfferEventDraft {
  const byRegion = new Map(progress.finished.map((r) => [r.region, r]));
  const results = regions.map(
    (region): RegionResult => byRegion.get(region) ?? { region, status: 'failed', tries: 0, ...failedReason('provisioning.never-replicated') },
  );
  const failedRegions = results.filter((r) => r.status === 'failed');
  if (failedRegions.length === 0) return { type: 'ImagesReplicated', data: { regions: results } };
  return { type: 'ReplicationFailed', data: { failedRegions, regionsReplicated: results.length - failedRegions.length } };
}

/** When the job itself gave up (not a region): every unfinished region fails with that error ("replication stopped: …"). */
export function abandonedOutcome(regions: readonly string[], progress: ReplicationProgress, error: string): OfferEventDraft {
  const reason = failedReason('provisioning.stopped', { detail: error });
  const unfinished = regionsToDo(regions, progress).map((region): RegionResult => ({ region, status: 'failed', tries: 0, ...reason }));
  return replicationOutcome(regions, { ...progress, finished: [...progress.finished, ...unfinished] });
}
