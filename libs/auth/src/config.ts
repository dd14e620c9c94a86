/** How bearer tokens are verified; the same settings, read from the same variables, in every service. */

/** The shortest HS256 secret accepted outside development mode (RFC 7518: at least the hash size, 256 bits). */
export const MIN_JWT_SECRET_BYTES = 32;

/** Nest injection token of the AuthConfig (null: no verification key configured, every token is refused). */
export const AUTH_CONFIG = Symbol('AUTH_CONFIG');

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

function env(name: string): string {
  return process.env[name] ?? '';
}

function developmentMode(): boolean {
  return /^(1|true|yes|on)$/i.test(env('DEVELOPMENT'));
}

export interface AuthConfigFromEnvOptions {
  /** Names the service in the start-up error. */
  service: string;
  /**
   * true (offer-api): a missing key stops the start. false (the stages): the service starts and its operator
   * endpoints refuse every token with 401 until AUTH_JWT_SECRET or AUTH_JWKS_URL is set.
   */
  required: boolean;
}

/**
 * AUTH_JWT_SECRET (HS256) or AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE, AUTH_MAX_TOKEN_LIFETIME_S. There is no
 * built-in secret: a known one would let anybody mint tokens. Outside development mode an HS256 secret must be
 * at least MIN_JWT_SECRET_BYTES long (`npm start` generates one and gives it to every service).
 */
export function authConfigFromEnv(options: AuthConfigFromEnvOptions & { required: true }): AuthConfig;
export function authConfigFromEnv(options: AuthConfigFromEnvOptions): AuthConfig | null;
export function authConfigFromEnv({ service, required }: AuthConfigFromEnvOptions): AuthConfig | null {
  const jwksUrl = env('AUTH_JWKS_URL') || undefined;
  const jwtSecret = env('AUTH_JWT_SECRET');
  if (!jwksUrl) {
    if (!jwtSecret) {
      if (!required) return null;
      throw new Error(`${service} needs AUTH_JWT_SECRET (an HS256 secret) or AUTH_JWKS_URL to verify bearer tokens; neither is set`);
    }
    if (!developmentMode() && Buffer.byteLength(jwtSecret) < MIN_JWT_SECRET_BYTES) {
      throw new Error(
        `AUTH_JWT_SECRET is ${Buffer.byteLength(jwtSecret)} bytes; at least ${MIN_JWT_SECRET_BYTES} are required outside development mode ` +
          '(generate one with: openssl rand -base64 48)',
      );
    }
  }
  const rawLifetime = env('AUTH_MAX_TOKEN_LIFETIME_S');
  const maxTokenLifetimeSeconds = rawLifetime === '' ? 24 * 3600 : Number(rawLifetime);
  if (!Number.isInteger(maxTokenLifetimeSeconds) || maxTokenLifetimeSeconds < 60)
    throw new Error(`AUTH_MAX_TOKEN_LIFETIME_S must be an integer >= 60, got "${rawLifetime}"`);
  return {
    jwtSecret,
    jwksUrl,
    issuer: env('AUTH_ISSUER') || undefined,
    audience: env('AUTH_AUDIENCE') || undefined,
    maxTokenLifetimeSeconds,
  };
}
