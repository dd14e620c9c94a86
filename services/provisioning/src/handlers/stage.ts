import { attemptStore, type Stage } from '@mkt/stages';
import type { ProvisioningConfig } from '../config';
import { PROVISIONING_STATES, provisioningDecider, type ProvisioningEffect, type ProvisioningInput, type ProvisioningState } from '../domain/stage';
import { saveSubmittedImages } from '../persistence/submitted-images';

/** The provisioning stage: its decider, its attempt rows, the submitted images. */
export function provisioningStage(config: ProvisioningConfig): Stage<ProvisioningState, ProvisioningInput, ProvisioningEffect> {
  return {
    decider: provisioningDecider(config),
    store: attemptStore(PROVISIONING_STATES, 'provisioning'),
    effects: (effect, { tx, scope }) => saveSubmittedImages(tx, scope.cause.subject, scope.cause.attempt, effect.images),
  };
}
