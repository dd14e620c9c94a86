import { envInt, envNumber, envString, jobSettingsFromEnv, servicePort, type MessagingOptions } from '@mkt/messaging';
import type { SimulationSettings } from './adapters/simulated-backend';
import { isKnownRegion } from './domain/regions';
import type { ReplicationBackend, RetryPolicy } from './domain/replication';

export interface JobSettings {
  /** Replication jobs (offers) run at the same time by one process. */
  concurrency: number;
  /** A job of a crashed process is taken over after this long. */
  leaseMs: number;
  pollIntervalMs: number;
  /** The whole job retried this many times after an unexpected error (not a region failure). */
  maxTries: number;
}

export interface ReplicationSettings {
  /** Regions replicated at the same time by one job. */
  concurrency: number;
  retry: RetryPolicy;
  /** An ImageReplicationProgressed every this many finished regions. */
  progressEvery: number;
  /** Finished regions are also checkpointed when the last checkpoint is this old. */
  checkpointIntervalMs: number;
  /** Progress events at least this far apart: a job faster than this reports only its result. */
  progressMinIntervalMs: number;
}

export interface ProvisioningConfig {
  port: number;
  /** Simulated duration of the stage: the job runs this long after certification passed. */
  provisioningDurationMs: number;
  replication: ReplicationSettings;
  simulation: SimulationSettings;
  jobs: JobSettings;
  /** A replication back end other than the simulated one (a real cloud, or a test double). */
  backend?: ReplicationBackend;
  /** Overrides of the messaging settings read from the environment (tests point these at their own topic and database). */
  messaging?: Pick<MessagingOptions, 'kafka' | 'database' | 'consumer' | 'relay'>;
}

export const PROVISIONING_CONFIG = Symbol('PROVISIONING_CONFIG');

function regionList(name: string): string[] {
  const regions = envString(name, '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const unknown = regions.filter((r) => !isKnownRegion(r));
  if (unknown.length) throw new Error(`${name}: unknown region(s) ${unknown.join(', ')}`);
  return regions;
}

/** `uksouth:2,japaneast:1`: region and how many tries fail before it succeeds. */
function flakyRegions(name: string): Record<string, number> {
  const entries = envString(name, '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean)
    .map((entry) => {
      const [region, count = '1'] = entry.split(':');
      const tries = Number(count);
      if (!isKnownRegion(region) || !Number.isInteger(tries) || tries < 1) throw new Error(`${name}: expected region:tries, got "${entry}"`);
      return [region, tries] as const;
    });
  return Object.fromEntries(entries);
}

export function provisioningConfigFromEnv(): ProvisioningConfig {
  const failureRate = envNumber('PROVISIONING_FAILURE_RATE', 0, { min: 0 });
  if (failureRate > 1) throw new Error(`PROVISIONING_FAILURE_RATE must be between 0 and 1, got ${failureRate}`);
  return {
    port: servicePort(3103),
    provisioningDurationMs: envInt('PROVISIONING_DURATION_MS', 3000, { min: 0 }),
    replication: {
      concurrency: envInt('PROVISIONING_REGION_CONCURRENCY', 8, { min: 1 }),
      retry: {
        maxTries: envInt('PROVISIONING_REGION_MAX_TRIES', 3, { min: 1 }),
        initialBackoffMs: envInt('PROVISIONING_RETRY_BACKOFF_MS', 500, { min: 0 }),
        maxBackoffMs: envInt('PROVISIONING_RETRY_BACKOFF_MAX_MS', 10_000, { min: 0 }),
      },
      progressEvery: envInt('PROVISIONING_PROGRESS_EVERY', 10, { min: 1 }),
      checkpointIntervalMs: envInt('PROVISIONING_CHECKPOINT_INTERVAL_MS', 2_000, { min: 0 }),
      progressMinIntervalMs: envInt('PROVISIONING_PROGRESS_MIN_INTERVAL_MS', 1_000, { min: 0 }),
    },
    simulation: {
      latencyMs: envInt('PROVISIONING_LATENCY_MS', 100, { min: 0 }),
      failureRate,
      failingRegions: regionList('PROVISIONING_FAILING_REGIONS'),
      flakyRegions: flakyRegions('PROVISIONING_FLAKY_REGIONS'),
    },
    jobs: jobSettingsFromEnv('provisioning', { concurrency: 4, leaseMs: 30_000, pollIntervalMs: 1_000, maxTries: 5 }),
  };
}
