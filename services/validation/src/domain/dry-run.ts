import type { DryRunKit } from '@mkt/stages';
import { validationDecider, VALIDATE_JOB, type ValidateJobPayload, type ValidationInput, type ValidationState } from './stage';
import { validateSubmission } from './validate';

/** Validation's job is pure: a dry run judges the submitted snapshot again with today's rules. */
export const validationDryRun: DryRunKit<ValidationState, ValidationInput> = {
  stage: 'validation',
  source: '/marketplace/validation',
  decider: validationDecider({ validationDurationMs: 0 }),
  runJob: (job, cause) =>
    job.kind === VALIDATE_JOB
      ? { type: 'ValidationJudged', attempt: cause.attempt, report: validateSubmission((job.payload as unknown as ValidateJobPayload).submission) }
      : undefined,
};
