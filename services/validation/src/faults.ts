import { FaultSettings, integerSetting } from '@mkt/messaging';
import type { ValidationConfig } from './config';

const DAY_MS = 24 * 3600 * 1000;

/** What operators may change at run time in development mode (PUT /operator/faults): the simulated stage duration. */
export function validationFaults(config: ValidationConfig): FaultSettings {
  return new FaultSettings({
    validationDurationMs: integerSetting(
      config,
      'validationDurationMs',
      'simulated duration of validation (VALIDATION_DURATION_MS), for offers submitted from now on',
      {
        max: DAY_MS,
      },
    ),
  });
}
