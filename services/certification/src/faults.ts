import { FaultSettings, integerSetting } from '@mkt/messaging';
import type { CertificationConfig } from './config';

const DAY_MS = 24 * 3600 * 1000;

/**
 * What operators may change at run time in development mode (PUT /operator/faults). Certification has no
 * simulated failures: it reads the publisher's real disks; its simulated duration and how long a disk
 * server may take to answer (a smaller timeout makes slow test servers fail) are changeable.
 */
export function certificationFaults(config: CertificationConfig): FaultSettings {
  return new FaultSettings({
    durationMs: integerSetting(config, 'durationMs', 'simulated duration of certification (CERTIFICATION_DURATION_MS), for attempts started from now on', {
      max: DAY_MS,
    }),
    requestTimeoutMs: integerSetting(config, 'requestTimeoutMs', 'timeout of every request to a disk URL (CERTIFICATION_TIMEOUT_MS)', { min: 1, max: 600_000 }),
  });
}
