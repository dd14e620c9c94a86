import type { DryRunKit } from '@mkt/stages';
import { PREREQUISITE_RULES } from './rules';
import { validationDecider, VALIDATE_JOB, type ValidateJobPayload, type ValidationInput, type ValidationState } from './stage';
import { PRODUCTION_CONTEXT, validateSubmission, type ValidationContext } from './validate';

/**
 * Validation's job is pure: a dry run judges the submitted snapshot again with today's rules, in the given development
 * mode (the console passes its own DEVELOPMENT setting).
 */
export function validationDryRunKit(context: ValidationContext = PRODUCTION_CONTEXT): DryRunKit<ValidationState, ValidationInput> {
  return {
    stage: 'validation',
    source: '/marketplace/validation',
    decider: validationDecider({ validationDurationMs: 0 }),
    runJob: (job, cause) =>
      job.kind === VALIDATE_JOB
        ? {
            type: 'ValidationJudged',
            attempt: cause.attempt,
            report: validateSubmission((job.payload as unknown as ValidateJobPayload).submission, PREREQUISITE_RULES, context),
          }
        : undefined,
  };
}

/** The dry run outside development mode. */
export const validationDryRun = validationDryRunKit();
