import { JOB_MIGRATIONS } from '@mkt/messaging';
import { OfferAttempts1733011310000 } from './1733011310000-offer-attempts';

export * from './offer-attempts';
export { OfferAttempts1733011310000 };

/** The migrations of a stage with jobs and an attempt row per offer, in order: list these before the service's own. */
export const STAGE_MIGRATIONS = [...JOB_MIGRATIONS, OfferAttempts1733011310000];
