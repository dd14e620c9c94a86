import { JOB_MIGRATIONS } from '@mkt/messaging';

/**
 * The validation stage keeps no tables of its own: the submitted snapshot travels in the job's payload,
 * its progress in `offer_attempts`. The messaging tables (outbox, inbox) are added by the library.
 */
export const VALIDATION_MIGRATIONS = [...JOB_MIGRATIONS];
