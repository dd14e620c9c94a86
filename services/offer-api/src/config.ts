import { DRAFT_LIMIT_ENV, type DraftLimits } from './domain/limits';
import type { SecretStoreSettings } from '@mkt/secrets';
import { QUOTA_ENV, type PublisherQuotas, type RateLimit } from './domain/quotas';
import {
  envBool,
  envInt,
  envString,
  servicePort,
  type InboxConsumerOptions,
  type KafkaSettings,
  type DatabaseSettings,
  type RelayOptions,
} from '@mkt/messaging';

/** The shortest HS256 secret accepted outside development mode (RFC 7518: at least the hash size, 256 bits). */
export const MIN_JWT_SECRET_BYTES = 32;

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
  /** Longest accepted token lifetime (`exp - iat`, or `exp - now` without `iat`), in seconds. */
  maxTokenLifetimeSeconds: number;
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
  /** What one publisher may hold and do (counted in PostgreSQL: they hold across instances). */
  quotas: PublisherQuotas;
  /** Requests per token (per IP without a valid token) and second, per instance. */
  rateLimit: RateLimit;
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

/**
 * How tokens are verified. There is no built-in secret: a known one would let anybody mint tokens. Outside
 * development mode an HS256 secret must be at least MIN_JWT_SECRET_BYTES long (`npm start` generates one).
 */
function authConfigFromEnv(): AuthConfig {
  const development = envBool('DEVELOPMENT', false);
  const jwksUrl = envString('AUTH_JWKS_URL', '') || undefined;
  const jwtSecret = envString('AUTH_JWT_SECRET', '');
  if (!jwksUrl) {
    if (!jwtSecret) throw new Error('offer-api needs AUTH_JWT_SECRET (an HS256 secret) or AUTH_JWKS_URL to verify bearer tokens; neither is set');
    if (!development && Buffer.byteLength(jwtSecret) < MIN_JWT_SECRET_BYTES) {
      throw new Error(
        `AUTH_JWT_SECRET is ${Buffer.byteLength(jwtSecret)} bytes; at least ${MIN_JWT_SECRET_BYTES} are required outside development mode ` +
          '(generate one with: openssl rand -base64 48)',
      );
    }
  }
  return {
    jwtSecret,
    jwksUrl,
    issuer: envString('AUTH_ISSUER', '') || undefined,
    audience: envString('AUTH_AUDIENCE', '') || undefined,
    maxTokenLifetimeSeconds: envInt('AUTH_MAX_TOKEN_LIFETIME_S', 24 * 3600, { min: 60 }),
  };
}

export function offerApiConfigFromEnv(): OfferApiConfig {
  return {
    service: 'offer-api',
    port: servicePort(3000),
    auth: authConfigFromEnv(),
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
  };
}
