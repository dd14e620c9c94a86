import { developmentModeFromEnv, envInt, jobSettingsFromEnv, servicePort, type MessagingOptions } from '@mkt/messaging';

export interface JobSettings {
  /** Validation jobs run at the same time by one process. */
  concurrency: number;
  /** A job of a crashed process is taken over after this long. */
  leaseMs: number;
  pollIntervalMs: number;
  /** Transient failures (database) retried this many times. */
  maxTries: number;
}

export interface ValidationConfig {
  port: number;
  /** Simulated duration of the stage: the job runs this long after the offer was submitted. */
  validationDurationMs: number;
  jobs: JobSettings;
  /**
   * Development mode (DEVELOPMENT, or MKT_DEV, or NODE_ENV=development: libs/messaging's developmentModeFromEnv, the
   * same reading as certification's): disk URLs may be http:// and point at this machine or a private network.
   */
  allowPrivateNetwork: boolean;
  /** Overrides of the messaging settings read from the environment (tests point these at their own topic and database). */
  messaging?: Pick<MessagingOptions, 'kafka' | 'database' | 'consumer' | 'relay'>;
}

export const VALIDATION_CONFIG = Symbol('VALIDATION_CONFIG');

export function validationConfigFromEnv(): ValidationConfig {
  return {
    port: servicePort(3101),
    validationDurationMs: envInt('VALIDATION_DURATION_MS', 1000, { min: 0 }),
    jobs: jobSettingsFromEnv('validation', { concurrency: 8, leaseMs: 30_000, pollIntervalMs: 1_000, maxTries: 5 }),
    allowPrivateNetwork: developmentModeFromEnv(),
  };
}
