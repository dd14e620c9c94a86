/**
 * What one publisher may hold and do, and how fast one caller may ask, as pure rules: the counts come
 * from PostgreSQL (persistence/quotas.ts), so that the quotas hold across instances; the request rate is
 * a token bucket per instance.
 */

export interface PublisherQuotas {
  /** Drafts one publisher holds at once. */
  maxDrafts: number;
  /** Bytes of all of one publisher's drafts as stored (PostgreSQL's jsonb text). */
  maxDraftBytes: number;
  /** Publishes one publisher starts in any hour. */
  maxPublishesPerHour: number;
}

export interface RateLimit {
  /** Sustained requests per second of one token (of one IP address without a valid token). */
  perSecond: number;
  /** Requests that may come at once before the sustained rate applies. */
  burst: number;
}

/** The environment variable of each limit (config.ts reads them), named in refusals. */
export const QUOTA_ENV = {
  maxDrafts: 'OFFER_API_MAX_DRAFTS_PER_PUBLISHER',
  maxDraftBytes: 'OFFER_API_MAX_DRAFT_BYTES_PER_PUBLISHER',
  maxPublishesPerHour: 'OFFER_API_MAX_PUBLISHES_PER_HOUR',
  perSecond: 'OFFER_API_RATE_LIMIT_PER_SECOND',
  burst: 'OFFER_API_RATE_LIMIT_BURST',
} as const;

export interface PublisherUsage {
  drafts: number;
  draftBytes: number;
}

export interface ExceededQuota {
  /** The environment variable that sets it. */
  name: string;
  max: number;
  actual: number;
  problem: string;
}

/**
 * The quotas a draft write breaks, judged on the usage before and after it. A write that does not grow a
 * measure is never refused for it, so that a publisher over a lowered quota can still shrink or delete.
 */
export function exceededDraftQuotas(before: PublisherUsage, after: PublisherUsage, quotas: PublisherQuotas): ExceededQuota[] {
  const exceeded: ExceededQuota[] = [];
  if (after.drafts > before.drafts && after.drafts > quotas.maxDrafts) {
    exceeded.push({
      name: QUOTA_ENV.maxDrafts,
      max: quotas.maxDrafts,
      actual: after.drafts,
      problem: `a publisher may hold at most ${quotas.maxDrafts} drafts; delete one that was never published first`,
    });
  }
  if (after.draftBytes > before.draftBytes && after.draftBytes > quotas.maxDraftBytes) {
    exceeded.push({
      name: QUOTA_ENV.maxDraftBytes,
      max: quotas.maxDraftBytes,
      actual: after.draftBytes,
      problem: `the publisher's drafts would take ${after.draftBytes} bytes in all; at most ${quotas.maxDraftBytes} are allowed`,
    });
  }
  return exceeded;
}

/** Publishes a publisher started in the last hour, and when the oldest of them was started. */
export interface RecentPublishes {
  count: number;
  oldest: Date | null;
}

export const PUBLISH_WINDOW_MS = 3600_000;

/** Undefined when another publish may start now; otherwise the quota and when the next one may. */
export function exceededPublishQuota(recent: RecentPublishes, quotas: PublisherQuotas, now: Date): (ExceededQuota & { retryAfterSeconds: number }) | undefined {
  if (recent.count < quotas.maxPublishesPerHour) return undefined;
  const freedAt = (recent.oldest ?? now).getTime() + PUBLISH_WINDOW_MS;
  return {
    name: QUOTA_ENV.maxPublishesPerHour,
    max: quotas.maxPublishesPerHour,
    actual: recent.count,
    problem: `a publisher may start at most ${quotas.maxPublishesPerHour} publishes per hour`,
    retryAfterSeconds: Math.max(1, Math.ceil((freedAt - now.getTime()) / 1000)),
  };
}

export interface Bucket {
  tokens: number;
  /** Epoch milliseconds of the last refill. */
  at: number;
}

/**
 * Token bucket: `burst` requests at once, refilled at `perSecond`. Either the request is allowed (and
 * the bucket after it), or how long to wait until it would be.
 */
export function takeToken(
  bucket: Bucket | undefined,
  limit: RateLimit,
  now: number,
): { allowed: true; bucket: Bucket } | { allowed: false; bucket: Bucket; retryAfterMs: number } {
  const refilled = bucket ? Math.min(limit.burst, bucket.tokens + ((now - bucket.at) * limit.perSecond) / 1000) : limit.burst;
  if (refilled >= 1) return { allowed: true, bucket: { tokens: refilled - 1, at: now } };
  return { allowed: false, bucket: { tokens: refilled, at: now }, retryAfterMs: Math.ceil(((1 - refilled) * 1000) / limit.perSecond) };
}
