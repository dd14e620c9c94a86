import { countMapSetting, FaultSettings, integerSetting, nameListSetting, numberSetting } from '@mkt/messaging';
import type { ProvisioningConfig } from './config';
import { isKnownRegion } from './domain/regions';

const DAY_MS = 24 * 3600 * 1000;

/**
 * The simulated replication back end, changeable at run time in development mode (PUT /operator/faults):
 * the same settings as PROVISIONING_LATENCY_MS, _FAILURE_RATE, _FAILING_REGIONS, _FLAKY_REGIONS and
 * PROVISIONING_DURATION_MS. The back end reads them on every call, so a change applies to the next one.
 */
export function provisioningFaults(config: ProvisioningConfig): FaultSettings {
  const simulation = config.simulation as {
    latencyMs: number;
    failureRate: number;
    failingRegions: readonly string[];
    flakyRegions: Readonly<Record<string, number>>;
  };
  return new FaultSettings({
    latencyMs: integerSetting(simulation, 'latencyMs', 'time one image takes to reach one region', { max: 600_000 }),
    failureRate: numberSetting(simulation, 'failureRate', 'probability (0..1) that one replication call fails transiently', { max: 1 }),
    failingRegions: nameListSetting(simulation, 'failingRegions', 'regions that refuse every image', isKnownRegion),
    flakyRegions: countMapSetting(simulation, 'flakyRegions', 'region: how many tries of each image fail before it succeeds', isKnownRegion),
    provisioningDurationMs: integerSetting(config, 'provisioningDurationMs', 'simulated duration of the stage, for attempts started from now on', {
      max: DAY_MS,
    }),
  });
}
