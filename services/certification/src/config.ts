import type { SecretStoreSettings } from '@mkt/secrets';
import { developmentModeFromEnv, envBool, envInt, jobSettingsFromEnv, type MessagingOptions } from '@mkt/messaging';

export const SERVICE_NAME = 'certification';

export interface CertificationConfig {
  port: number;
  /** Simulated duration of the stage ("< 5 days"): the job's runAfter. */
  durationMs: number;
  /** A SAS token must stay valid at least this many days. */
  sasMinDays: number;
  /** Timeout of every request to a disk URL. */
  requestTimeoutMs: number;
  maxRedirects: number;
  /** Development only: http:// and private/loopback disk URLs. */
  allowPrivateNetwork: boolean;
  /** Certification jobs run at the same time by one process. */
  concurrency: number;
  /** A crashed process's job is taken over after this long. */
  jobLeaseMs: number;
  jobPollIntervalMs: number;
  /** Tries of a job that fails for our own reasons (database, bugs), before CertificationFailed. */
  jobMaxTries: number;
  /** Finished disks are checkpointed when the last checkpoint is at least this old (0: after every disk). */
  checkpointIntervalMs: number;
  /** Messaging settings that win over the environment (tests: their own topic, database, group). */
  messaging?: Pick<MessagingOptions, 'kafka' | 'database' | 'consumer' | 'relay'>;
  /** Secret store overrides (tests: their own database). */
  secrets?: Partial<SecretStoreSettings>;
}

export function certificationConfigFromEnv(): CertificationConfig {
  const development = developmentModeFromEnv();
  const jobs = jobSettingsFromEnv('certification', { concurrency: 8, leaseMs: 30_000, pollIntervalMs: 1_000, maxTries: 5 });
  const groupId = process.env.CONSUMER_GROUP;
  return {
    port: envInt('PORT', 3102, { min: 0 }),
    durationMs: envInt('CERTIFICATION_DURATION_MS', 3_000, { min: 0 }),
    sasMinDays: envInt('CERTIFICATION_SAS_MIN_DAYS', 21, { min: 0 }),
    requestTimeoutMs: envInt('CERTIFICATION_TIMEOUT_MS', 10_000, { min: 1 }),
    maxRedirects: envInt('CERTIFICATION_MAX_REDIRECTS', 3, { min: 0 }),
    allowPrivateNetwork: envBool('CERTIFICATION_ALLOW_PRIVATE_NETWORK', development),
    concurrency: jobs.concurrency,
    jobLeaseMs: jobs.leaseMs,
    jobPollIntervalMs: jobs.pollIntervalMs,
    jobMaxTries: jobs.maxTries,
    checkpointIntervalMs: envInt('CERTIFICATION_CHECKPOINT_INTERVAL_MS', 1_000, { min: 0 }),
    messaging: groupId ? { consumer: { groupId } } : undefined,
  };
}
