import { developmentModeFromEnv, envBool, envInt, envString, jobSettingsFromEnv, servicePort, type MessagingOptions } from '@mkt/messaging';
import type { SecretStoreSettings } from '@mkt/secrets';
import type { StageDurations } from './domain';

export interface PackagingJobSettings {
  /** Jobs of each kind run at the same time by one instance. */
  concurrency: number;
  /** A job whose instance died is taken over after this long. */
  leaseMs: number;
  /** How often workers look for jobs whose runAfter has come (new jobs wake them at once). */
  pollIntervalMs: number;
  /** Tries of a job (transient lead failures included) before it fails for good. */
  maxTries: number;
  /** First retry delay; doubles up to a minute. */
  retryBackoffMs: number;
}

export interface PackagingConfig {
  port: number;
  durations: StageDurations;
  /** Base of the preview and catalog URLs (offer-api serves them). */
  offerApiPublicUrl: string;
  /** Development only: lead endpoints and tables on http:// and private addresses. */
  allowPrivateNetwork: boolean;
  /** Whole test-lead request (connect, send, answer). */
  leadTimeoutMs: number;
  jobs: PackagingJobSettings;
  /** Overrides of the messaging runtime (tests point it at their own topic and database). */
  messaging?: Partial<Omit<MessagingOptions, 'service' | 'migrations'>>;
  /** Secret store overrides (tests: their own database). */
  secrets?: Partial<SecretStoreSettings>;
}

export const PACKAGING_SERVICE = 'packaging';

/**
 * Every setting of the packaging service, from the environment:
 *   PORT                             3104    HTTP port (health)
 *   PACKAGING_DURATION_MS            2000    simulated duration of packaging (0 in tests)
 *   GO_LIVE_DELAY_MS                 5000    simulated time until the catalog shows a live offer (0 in tests)
 *   OFFER_API_PUBLIC_URL             http://127.0.0.1:3000  base of preview and catalog URLs
 *   PACKAGING_ALLOW_PRIVATE_NETWORK  $DEVELOPMENT or false  development mode: http:// and private addresses for lead destinations
 *   PACKAGING_LEAD_TIMEOUT_MS        5000    timeout of the test lead request
 *   PACKAGING_RETRY_BACKOFF_MS       1000    first retry delay of a job
 *   PACKAGING_JOB_MAX_TRIES          3       tries of a job before it fails (transient lead failures are retried)
 *   PACKAGING_JOB_CONCURRENCY        8       jobs of each kind run at once by one instance
 *   PACKAGING_JOB_POLL_INTERVAL_MS   1000    how often workers look for due jobs
 *   PACKAGING_JOB_LEASE_MS           30000   lease of a running job; a dead instance's job is resumed after it
 *   (each PACKAGING_JOB_* falls back to JOB_*: see jobSettingsFromEnv)
 *   CONSUMER_GROUP                   marketplace-packaging  Kafka consumer group (and inbox name)
 * plus the messaging settings of libs/messaging (KAFKA_BROKERS, OFFER_EVENTS_TOPIC, DATABASE_URL, ...).
 */
export function packagingConfigFromEnv(): PackagingConfig {
  const consumerGroup = envString('CONSUMER_GROUP', `marketplace-${PACKAGING_SERVICE}`);
  return {
    port: servicePort(3104),
    durations: {
      packagingDurationMs: envInt('PACKAGING_DURATION_MS', 2_000, { min: 0 }),
      goLiveDelayMs: envInt('GO_LIVE_DELAY_MS', 5_000, { min: 0 }),
    },
    offerApiPublicUrl: envString('OFFER_API_PUBLIC_URL', 'http://127.0.0.1:3000'),
    allowPrivateNetwork: envBool('PACKAGING_ALLOW_PRIVATE_NETWORK', developmentModeFromEnv()),
    leadTimeoutMs: envInt('PACKAGING_LEAD_TIMEOUT_MS', 5_000, { min: 100 }),
    jobs: {
      ...jobSettingsFromEnv(PACKAGING_SERVICE, { concurrency: 8, leaseMs: 30_000, pollIntervalMs: 1_000, maxTries: 3 }),
      retryBackoffMs: envInt('PACKAGING_RETRY_BACKOFF_MS', 1_000, { min: 1 }),
    },
    messaging: { consumer: { groupId: consumerGroup } },
  };
}
