import { createParamDecorator, Inject, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { API_VERSION, OFFER_API_CONFIG, type OfferApiConfig } from '../config';
import { isSlug } from '../domain/drafts';
import { isStorableText } from '../domain/limits';
import { notFound } from '../application/errors';
import { ApiError } from './errors';

export type Role = 'publisher' | 'operator' | 'customer';

export interface Principal {
  sub: string;
  role: Role;
  /** Set for publishers: the only publisher whose offers they reach. */
  publisherId?: string;
  /** Set for customers: the subscriptions the token proves (lower-case GUIDs); they alone open previews. */
  subscriptions?: string[];
}

type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

const MAX_SUBJECT_LENGTH = 256;
const MAX_SUBSCRIPTIONS = 100;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Verified tokens are remembered briefly: status polling sends the same token again and again. */
const CACHE_ENTRIES = 10_000;
const CACHE_MS = 60_000;

/**
 * Verifies bearer tokens: HS256 with the shared secret, or the keys of a JWKS URL; `exp` is required and
 * the lifetime bounded (a leaked token must not work forever), `nbf`, `iss` and `aud` are checked.
 */
@Injectable()
export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly verified = new Map<string, { principal: Principal; until: number }>();

  constructor(@Inject(OFFER_API_CONFIG) private readonly config: OfferApiConfig) {
    const { jwksUrl, jwtSecret } = config.auth;
    this.key = jwksUrl ? createRemoteJWKSet(new URL(jwksUrl)) : new TextEncoder().encode(jwtSecret);
    this.algorithms = jwksUrl ? ['RS256', 'ES256', 'PS256', 'EdDSA'] : ['HS256'];
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
    const { issuer, audience, maxTokenLifetimeSeconds } = this.config.auth;
    const options = { algorithms: this.algorithms, issuer, audience, requiredClaims: ['exp'] };
    const { payload } = typeof this.key === 'function' ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options);
    const { sub, role, publisherId, subscriptions, exp, iat } = payload as Record<string, unknown>;
    const lifetime = (exp as number) - (typeof iat === 'number' ? iat : Math.floor(Date.now() / 1000));
    if (lifetime > maxTokenLifetimeSeconds)
      throw new Error(`the token lives ${lifetime} s; at most ${maxTokenLifetimeSeconds} s are accepted (exp - iat, AUTH_MAX_TOKEN_LIFETIME_S)`);
    if (typeof sub !== 'string' || sub.length === 0) throw new Error('the token has no subject');
    // the subject is stored (operations, OfferSubmitted.submittedBy): it must be text PostgreSQL can hold
    if (sub.length > MAX_SUBJECT_LENGTH || !isStorableText(sub))
      throw new Error(`the token subject must be at most ${MAX_SUBJECT_LENGTH} characters of storable text`);
    const expiresAt = (exp as number) * 1000;
    if (role === 'operator') return { principal: { sub, role }, expiresAt };
    if (role === 'publisher') {
      if (typeof publisherId !== 'string' || !isSlug(publisherId)) throw new Error('a publisher token needs a publisherId claim (a lower-case slug)');
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

/**
 * What a route needs: `read` (the owning publisher or an operator), `write` (the owning publisher),
 * `preview` (any signed-in caller; the use case lets in the owning publisher and allow-listed customers
 * and answers everybody else as if there were no preview), `operator`.
 */
export type AccessLevel = 'read' | 'write' | 'preview' | 'operator';
const ACCESS = 'offer-api:access';
const API_VERSIONED = 'offer-api:api-versioned';

export const Access = (level: AccessLevel) => SetMetadata(ACCESS, level);
/** Routes of the Cloud Partner Portal shape: `?api-version=2017-10-31` is required. */
export const ApiVersioned = () => SetMetadata(API_VERSIONED, true);

/**
 * Authentication (401), api-version (400), then tenancy: a publisher reaches only its own offers and
 * another publisher's offer is a 404 exactly like a missing one; operator routes are 403 for others, and
 * publisher routes other than the preview are 403 for customers (whatever the offer: nothing leaks).
 * Runs before body parsing pipes, so nothing about a foreign offer leaks through validation either.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const level = this.reflector.getAllAndOverride<AccessLevel | undefined>(ACCESS, [context.getHandler(), context.getClass()]) ?? 'operator';
    const principal = await this.authenticate(request);
    request.principal = principal;

    if (this.reflector.getAllAndOverride<boolean>(API_VERSIONED, [context.getHandler(), context.getClass()])) {
      const version = (request.query as Record<string, unknown>)['api-version'];
      if (version === undefined) throw new ApiError(400, 'api-version-required', `the api-version query parameter is required (supported: ${API_VERSION})`);
      if (version !== API_VERSION)
        throw new ApiError(400, 'unsupported-api-version', `api-version "${String(version)}" is not supported (supported: ${API_VERSION})`);
    }

    const params = request.params as Record<string, string | undefined>;
    if (level === 'operator') {
      if (principal.role !== 'operator') throw new ApiError(403, 'forbidden', 'this route is for operators');
    } else if (level !== 'preview' && params.publisherId !== undefined && principal.role === 'publisher' && principal.publisherId !== params.publisherId) {
      throw notFound(params.offerId === undefined ? 'publisher' : 'offer');
    } else if (level !== 'preview' && principal.role === 'customer') {
      throw new ApiError(403, 'forbidden', 'customers see previews and the catalog; this route is for publishers');
    } else if (level === 'write' && principal.role !== 'publisher') {
      throw new ApiError(403, 'forbidden', 'operators may read offers but only their publisher changes them');
    }

    const invalid = (['publisherId', 'offerId'] as const).filter((name) => params[name] !== undefined && !isSlug(params[name] as string));
    if (invalid.length) {
      throw new ApiError(400, 'invalid-id', 'ids are lower-case slugs: letters, digits and single hyphens, at most 50 characters', {
        fields: invalid.map((field) => ({ field, problems: [`${field} must be a lower-case slug`] })),
      });
    }
    return true;
  }

  private async authenticate(request: AuthenticatedRequest): Promise<Principal> {
    const token = bearerToken(request);
    if (!token) throw new ApiError(401, 'unauthorized', 'a bearer token is required');
    try {
      return await this.verifier.verify(token);
    } catch (error) {
      throw new ApiError(401, 'invalid-token', `the bearer token is not valid: ${(error as Error).message}`);
    }
  }
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return (typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null)?.[1];
}

export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new ApiError(401, 'unauthorized', 'a bearer token is required');
  return principal;
});
