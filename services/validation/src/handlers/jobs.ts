import type { Submission } from '../domain/validate';

export const VALIDATE_JOB = 'validate';

/** What the handler gives the job: the snapshot to judge and the envelope of the event to answer. */
export interface ValidateJobPayload {
  submission: Submission;
  correlationId: string;
  causationId: string;
}
