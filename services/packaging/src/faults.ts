import { FaultSettings, integerSetting } from '@mkt/messaging';
import type { PackagingConfig } from './config';

const DAY_MS = 24 * 3600 * 1000;

/**
 * What operators may change at run time in development mode (PUT /operator/faults): the simulated
 * durations, and the test lead's timeout (lead endpoints are the publisher's own; a small timeout makes a
 * slow one fail, the way a test lead endpoint that hangs does).
 */
export function packagingFaults(config: PackagingConfig): FaultSettings {
  return new FaultSettings({
    packagingDurationMs: integerSetting(config.durations, 'packagingDurationMs', 'simulated duration of packaging (PACKAGING_DURATION_MS)', { max: DAY_MS }),
    goLiveDelayMs: integerSetting(config.durations, 'goLiveDelayMs', 'simulated time until the catalog shows a live offer (GO_LIVE_DELAY_MS)', { max: DAY_MS }),
    leadTimeoutMs: integerSetting(config, 'leadTimeoutMs', 'timeout of the test lead request (PACKAGING_LEAD_TIMEOUT_MS)', { min: 100, max: 600_000 }),
  });
}
