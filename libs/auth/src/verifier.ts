import { Inject, Injectable, Optional } from '@nestjs/common';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AUTH_CONFIG, type AuthConfig } from './config';

export type Role = 'publisher' | 'operator' | 'customer';

export interface Principal {
  sub: string;
  role: Role;
  /** Set for publishers: the only publisher whose offers they reach. */
  publisherId?: string;
  /** Set for customers: the subscriptions the token proves (lower-case GUIDs); they alone open previews. */
  subscriptions?: string[];
}

const MAX_SUBJECT_LENGTH = 256;
const MAX_SUBSCRIPTIONS = 100;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Publisher ids: lower-case slugs (the rule of offer-api's ids). */
const SLUG = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,49}$/;
/** NUL and unpaired surrogates: text PostgreSQL cannot store. */
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Verified tokens are remembered briefly: status polling sends the same token again and again. */
const CACHE_ENTRIES = 10_000;
const CACHE_MS = 60_000;

/** No key is configured: every token is refused (the service started without AUTH_JWT_SECRET / AUTH_JWKS_URL). */
export class NoVerificationKey extends Error {
  constructor() {
    super('this service has no key to verify tokens with (set AUTH_JWT_SECRET or AUTH_JWKS_URL)');
  }
}

/**
 * Verifies bearer tokens: HS256 with the shared secret, or the keys of a JWKS URL; `exp` is required and
 * the lifetime bounded (a leaked token must not work forever), `nbf`, `iss` and `aud` are checked, and the
 * claims of each role.
 */
@Injectable()
export class TokenVerifier {
  private readonly key?: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly verified = new Map<string, { principal: Principal; until: number }>();

  constructor(@Optional() @Inject(AUTH_CONFIG) private readonly config: AuthConfig | null) {
    const { jwksUrl, jwtSecret } = config ?? { jwtSecret: '' };
    this.key = jwksUrl ? createRemoteJWKSet(new URL(jwksUrl)) : jwtSecret ? new TextEncoder().encode(jwtSecret) : undefined;
    this.algorithms = jwksUrl ? ['RS256', 'ES256', 'PS256', 'EdDSA'] : ['HS256'];
  }

  get configured(): boolean {
    return this.key !== undefined;
  }

  async verify(token: string): Promise<Principal> {
    const now = Date.now();
    const cached = this.verified.get(token);
    if (cached && cached.until > now) return cached.principal;
    const { principal, expiresAt } = await this.verifyUncached(token);
    if (this.verified.size >= CACHE_ENTRIES) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, { principal, until: Math.min(now + CACHE_MS, expiresAt) });
    return principal;
  }

  private async verifyUncached(token: string): Promise<{ principal: Principal; expiresAt: number }> {
    if (!this.config || this.key === undefined) throw new NoVerificationKey();
    const { issuer, audience, maxTokenLifetimeSeconds } = this.config;
    const options = { algorithms: this.algorithms, issuer, audience, requiredClaims: ['exp'] };
    const { payload } = typeof this.key === 'function' ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options);
    const { sub, role, publisherId, subscriptions, exp, iat } = payload as Record<string, unknown>;
    const lifetime = (exp as number) - (typeof iat === 'number' ? iat : Math.floor(Date.now() / 1000));
    if (lifetime > maxTokenLifetimeSeconds)
      throw new Error(`the token lives ${lifetime} s; at most ${maxTokenLifetimeSeconds} s are accepted (exp - iat, AUTH_MAX_TOKEN_LIFETIME_S)`);
    if (typeof sub !== 'string' || sub.length === 0) throw new Error('the token has no subject');
    // the subject is stored (operations, OfferSubmitted.submittedBy, redrives): it must be text PostgreSQL can hold
    if (sub.length > MAX_SUBJECT_LENGTH || UNSTORABLE.test(sub))
      throw new Error(`the token subject must be at most ${MAX_SUBJECT_LENGTH} characters of storable text`);
    const expiresAt = (exp as number) * 1000;
    if (role === 'operator') return { principal: { sub, role }, expiresAt };
    if (role === 'publisher') {
      if (typeof publisherId !== 'string' || !SLUG.test(publisherId)) throw new Error('a publisher token needs a publisherId claim (a lower-case slug)');
      return { principal: { sub, role, publisherId }, expiresAt };
    }
    if (role === 'customer') {
      const valid =
        Array.isArray(subscriptions) &&
        subscriptions.length > 0 &&
        subscriptions.length <= MAX_SUBSCRIPTIONS &&
        subscriptions.every((id) => typeof id === 'string' && GUID.test(id));
      if (!valid) throw new Error(`a customer token needs a subscriptions claim: 1 to ${MAX_SUBSCRIPTIONS} subscription GUIDs`);
      return { principal: { sub, role, subscriptions: (subscriptions as string[]).map((id) => id.toLowerCase()) }, expiresAt };
    }
    throw new Error('the token role must be publisher, customer or operator');
  }
}
