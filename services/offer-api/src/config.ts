// Token settings (AUTH_JWT_SECRET, AUTH_JWKS_URL, ...) are libs/auth's: every service reads them the same way.
import { authConfigFromEnv, type AuthConfig } from '@mkt/auth';
import { DRAFT_LIMIT_ENV, type DraftLimits } from './domain/limits';
import type { SecretStoreSettings } from '@mkt/secrets';
import { QUOTA_ENV, type PublisherQuotas, type RateLimit } from './domain/quotas';
import { envBool, envInt, servicePort, type InboxConsumerOptions, type KafkaSettings, type DatabaseSettings, type RelayOptions } from '@mkt/messaging';

export type { AuthConfig };

export const API_VERSION = '2017-10-31';

/** Nest injection token of the OfferApiConfig. */
export const OFFER_API_CONFIG = Symbol('OFFER_API_CONFIG');

export interface OfferApiConfig {
  service: string;
  port: number;
  auth: AuthConfig;
  /** Largest accepted request body. */
  bodyLimitBytes: number;
  /** Deepest nesting of objects and arrays in a JSON body, checked before any validation. */
  maxJsonDepth: number;
  /** How large a draft may be as a whole (see domain/limits.ts). */
  draftLimits: DraftLimits;
  /** What one publisher may hold and do (counted in PostgreSQL: they hold across instances). */
  quotas: PublisherQuotas;
  /** Requests per token (per IP without a valid token) and second, per instance. */
  rateLimit: RateLimit;
  defaultPageSize: number;
  maxPageSize: number;
  /** How long a projection rebuild may take to catch up before it gives up. */
  rebuildTimeoutMs: number;
  /** Rebuild the projection at start-up when stored views were folded by an older VIEW_VERSION. */
  rebuildStaleViews: boolean;
  /** Status response texts kept in memory (application/status-text-cache.ts); 0 turns the cache off. */
  statusCacheEntries: number;
  /** Longest a kept status text is sent without being read again, whatever was heard. */
  statusCacheMaxAgeMs: number;
  /** Messaging overrides (tests point the service at their own topic and database). */
  kafka?: Partial<KafkaSettings>;
  database?: Partial<DatabaseSettings>;
  consumer?: Partial<InboxConsumerOptions>;
  relay?: Partial<RelayOptions>;
  /** Secret store overrides (tests: their own database). */
  secrets?: Partial<SecretStoreSettings>;
}

export function offerApiConfigFromEnv(): OfferApiConfig {
  return {
    service: 'offer-api',
    port: servicePort(3000),
    auth: authConfigFromEnv({ service: 'offer-api', required: true }),
    bodyLimitBytes: envInt('OFFER_API_BODY_LIMIT_BYTES', 512 * 1024, { min: 1024 }),
    maxJsonDepth: envInt('OFFER_API_MAX_JSON_DEPTH', 32, { min: 8 }),
    draftLimits: {
      maxDraftBytes: envInt(DRAFT_LIMIT_ENV.maxDraftBytes, 256 * 1024, { min: 1024 }),
      maxImageVersions: envInt(DRAFT_LIMIT_ENV.maxImageVersions, 100, { min: 1 }),
      maxDisks: envInt(DRAFT_LIMIT_ENV.maxDisks, 200, { min: 1 }),
    },
    quotas: {
      maxDrafts: envInt(QUOTA_ENV.maxDrafts, 200, { min: 1 }),
      maxDraftBytes: envInt(QUOTA_ENV.maxDraftBytes, 4 * 1024 * 1024, { min: 1024 }),
      maxPublishesPerHour: envInt(QUOTA_ENV.maxPublishesPerHour, 20, { min: 1 }),
    },
    rateLimit: {
      perSecond: envInt(QUOTA_ENV.perSecond, 20, { min: 1 }),
      burst: envInt(QUOTA_ENV.burst, 40, { min: 1 }),
    },
    defaultPageSize: envInt('OFFER_API_PAGE_SIZE', 50, { min: 1 }),
    maxPageSize: envInt('OFFER_API_MAX_PAGE_SIZE', 500, { min: 1 }),
    rebuildTimeoutMs: envInt('PROJECTION_REBUILD_TIMEOUT_MS', 600_000, { min: 1000 }),
    rebuildStaleViews: envBool('PROJECTION_REBUILD_STALE_VIEWS', true),
    statusCacheEntries: envInt('OFFER_API_STATUS_CACHE_ENTRIES', 10_000, { min: 0 }),
    statusCacheMaxAgeMs: envInt('OFFER_API_STATUS_CACHE_MAX_AGE_MS', 60_000, { min: 0 }),
  };
}
