import { DRAFT_LIMIT_ENV, type DraftLimits } from './domain/limits';
import type { SecretStoreSettings } from '@mkt/secrets';
import { envInt, envString, servicePort, type InboxConsumerOptions, type KafkaSettings, type DatabaseSettings, type RelayOptions } from '@mkt/messaging';

/** The development signing secret; also in scripts/token.js. Refused when NODE_ENV=production. */
export const DEV_JWT_SECRET = 'offer-api-development-secret-do-not-use-in-production';

export const API_VERSION = '2017-10-31';

/** Nest injection token of the OfferApiConfig. */
export const OFFER_API_CONFIG = Symbol('OFFER_API_CONFIG');

export interface AuthConfig {
  /** HS256 shared secret (used when no JWKS URL is set). */
  jwtSecret: string;
  /** Verify RS256/ES256 tokens against this JWKS instead of the shared secret. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

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
  defaultPageSize: number;
  maxPageSize: number;
  /** How long a projection rebuild may take to catch up before it gives up. */
  rebuildTimeoutMs: number;
  /** Messaging overrides (tests point the service at their own topic and database). */
  kafka?: Partial<KafkaSettings>;
  database?: Partial<DatabaseSettings>;
  consumer?: Partial<InboxConsumerOptions>;
  relay?: Partial<RelayOptions>;
  /** Secret store overrides (tests: their own database). */
  secrets?: Partial<SecretStoreSettings>;
}

export function offerApiConfigFromEnv(): OfferApiConfig {
  const production = process.env.NODE_ENV === 'production';
  const jwksUrl = process.env.AUTH_JWKS_URL || undefined;
  const jwtSecret = envString('AUTH_JWT_SECRET', production ? '' : DEV_JWT_SECRET);
  if (!jwksUrl && !jwtSecret) throw new Error('AUTH_JWT_SECRET or AUTH_JWKS_URL must be set when NODE_ENV=production');
  if (production && jwtSecret === DEV_JWT_SECRET) throw new Error('AUTH_JWT_SECRET must not be the development secret when NODE_ENV=production');
  return {
    service: 'offer-api',
    port: servicePort(3000),
    auth: { jwtSecret, jwksUrl, issuer: process.env.AUTH_ISSUER || undefined, audience: process.env.AUTH_AUDIENCE || undefined },
    bodyLimitBytes: envInt('OFFER_API_BODY_LIMIT_BYTES', 512 * 1024, { min: 1024 }),
    maxJsonDepth: envInt('OFFER_API_MAX_JSON_DEPTH', 32, { min: 8 }),
    draftLimits: {
      maxDraftBytes: envInt(DRAFT_LIMIT_ENV.maxDraftBytes, 256 * 1024, { min: 1024 }),
      maxImageVersions: envInt(DRAFT_LIMIT_ENV.maxImageVersions, 100, { min: 1 }),
      maxDisks: envInt(DRAFT_LIMIT_ENV.maxDisks, 200, { min: 1 }),
    },
    defaultPageSize: envInt('OFFER_API_PAGE_SIZE', 50, { min: 1 }),
    maxPageSize: envInt('OFFER_API_MAX_PAGE_SIZE', 500, { min: 1 }),
    rebuildTimeoutMs: envInt('PROJECTION_REBUILD_TIMEOUT_MS', 600_000, { min: 1000 }),
  };
}
