import { envInt } from '@mkt/messaging';

export interface ObservabilitySettings {
  /** Readiness fails while more outbox rows than this wait to be published (READY_MAX_OUTBOX_BACKLOG). */
  readyMaxOutboxBacklog: number;
  /** Bound of each readiness check: the database's SELECT 1, the broker probe, the backlog count (READY_CHECK_TIMEOUT_MS). */
  readyCheckTimeoutMs: number;
  /** Bound of the queries a scrape of /metrics runs (outbox, parked rows, jobs) (METRICS_QUERY_TIMEOUT_MS). */
  metricsQueryTimeoutMs: number;
}

export function observabilitySettingsFromEnv(): ObservabilitySettings {
  return {
    readyMaxOutboxBacklog: envInt('READY_MAX_OUTBOX_BACKLOG', 10_000, { min: 0 }),
    readyCheckTimeoutMs: envInt('READY_CHECK_TIMEOUT_MS', 2_000, { min: 1 }),
    metricsQueryTimeoutMs: envInt('METRICS_QUERY_TIMEOUT_MS', 2_000, { min: 1 }),
  };
}

/** `work`, or a rejection naming `what` when it takes longer than `ms` (the work itself is left to finish). */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
