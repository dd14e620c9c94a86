import { attemptStore, type Stage } from '@mkt/stages';
import type { ValidationConfig } from '../config';
import { VALIDATION_STATES, validationDecider, type ValidationInput, type ValidationState } from '../domain/stage';

/** The validation stage: its decider, its attempt rows. */
export function validationStage(config: ValidationConfig): Stage<ValidationState, ValidationInput, never> {
  return { decider: validationDecider(config), store: attemptStore(VALIDATION_STATES, 'validation') };
}
