import { STAGE_MIGRATIONS } from '@mkt/stages';

/**
 * The validation stage keeps no tables of its own: the submitted snapshot travels in the job's payload,
 * its progress in the stage kit's attempt rows. The messaging tables (outbox, inbox) are added by the library.
 */
export const VALIDATION_MIGRATIONS = [...STAGE_MIGRATIONS];
