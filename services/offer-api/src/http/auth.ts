import { createParamDecorator, Inject, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { API_VERSION, OFFER_API_CONFIG, type OfferApiConfig } from '../config';
import { isSlug } from '../domain/drafts';
import { isStorableText } from '../domain/limits';
import { notFound } from '../application/errors';
import { ApiError } from './errors';

export type Role = 'publisher' | 'operator';

export interface Principal {
  sub: string;
  role: Role;
  /** Set for publishers: the only publisher whose offers they reach. */
  publisherId?: string;
  /** Subscriptions the caller acts for (token claims plus the x-ms-subscription-id header). */
  subscriptionIds: string[];
}

type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

type VerifiedClaims = Omit<Principal, 'subscriptionIds'> & { subscriptionIds: string[] };

const MAX_SUBJECT_LENGTH = 256;

/** Verified tokens are remembered briefly: status polling sends the same token again and again. */
const CACHE_ENTRIES = 10_000;
const CACHE_MS = 60_000;

/** Verifies bearer tokens: HS256 with the shared secret, or the keys of a JWKS URL. */
@Injectable()
export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly verified = new Map<string, { claims: VerifiedClaims; until: number }>();

  constructor(@Inject(OFFER_API_CONFIG) private readonly config: OfferApiConfig) {
    const { jwksUrl, jwtSecret } = config.auth;
    this.key = jwksUrl ? createRemoteJWKSet(new URL(jwksUrl)) : new TextEncoder().encode(jwtSecret);
    this.algorithms = jwksUrl ? ['RS256', 'ES256', 'PS256', 'EdDSA'] : ['HS256'];
  }

  async verify(token: string): Promise<VerifiedClaims> {
    const now = Date.now();
    const cached = this.verified.get(token);
    if (cached && cached.until > now) return cached.claims;
    const { claims, expiresAt } = await this.verifyUncached(token);
    if (this.verified.size >= CACHE_ENTRIES) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, { claims, until: Math.min(now + CACHE_MS, expiresAt ?? Infinity) });
    return claims;
  }

  private async verifyUncached(token: string): Promise<{ claims: VerifiedClaims; expiresAt?: number }> {
    const options = { algorithms: this.algorithms, issuer: this.config.auth.issuer, audience: this.config.auth.audience };
    const { payload } = typeof this.key === 'function' ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options);
    const { sub, role, publisherId, subscriptionId, subscriptionIds, exp } = payload as Record<string, unknown>;
    if (typeof sub !== 'string' || sub.length === 0) throw new Error('the token has no subject');
    // the subject is stored (operations, OfferSubmitted.submittedBy): it must be text PostgreSQL can hold
    if (sub.length > MAX_SUBJECT_LENGTH || !isStorableText(sub))
      throw new Error(`the token subject must be at most ${MAX_SUBJECT_LENGTH} characters of storable text`);
    if (role !== 'publisher' && role !== 'operator') throw new Error('the token role must be publisher or operator');
    if (role === 'publisher' && (typeof publisherId !== 'string' || !isSlug(publisherId))) throw new Error('a publisher token needs a publisherId claim');
    const subscriptions = [
      ...(typeof subscriptionId === 'string' ? [subscriptionId] : []),
      ...(Array.isArray(subscriptionIds) ? subscriptionIds.filter((s): s is string => typeof s === 'string') : []),
    ];
    return {
      claims: { sub, role, publisherId: role === 'publisher' ? (publisherId as string) : undefined, subscriptionIds: subscriptions },
      expiresAt: typeof exp === 'number' ? exp * 1000 : undefined,
    };
  }
}

/**
 * What a route needs: `read` (the owning publisher or an operator), `write` (the owning publisher),
 * `preview` (any caller; the handler checks the subscription allow-list), `operator`.
 */
export type AccessLevel = 'read' | 'write' | 'preview' | 'operator';
const ACCESS = 'offer-api:access';
const API_VERSIONED = 'offer-api:api-versioned';

export const Access = (level: AccessLevel) => SetMetadata(ACCESS, level);
/** Routes of the Cloud Partner Portal shape: `?api-version=2017-10-31` is required. */
export const ApiVersioned = () => SetMetadata(API_VERSIONED, true);

const SUBSCRIPTION_HEADER = 'x-ms-subscription-id';

/**
 * Authentication (401), api-version (400), then tenancy: a publisher reaches only its own offers and
 * another publisher's offer is a 404 exactly like a missing one; operator routes are 403 for others.
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
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new ApiError(401, 'unauthorized', 'a bearer token is required');
    let verified: Principal;
    try {
      verified = await this.verifier.verify(match[1]);
    } catch (error) {
      throw new ApiError(401, 'invalid-token', `the bearer token is not valid: ${(error as Error).message}`);
    }
    const fromHeader = request.headers[SUBSCRIPTION_HEADER];
    const headerIds = (Array.isArray(fromHeader) ? fromHeader : typeof fromHeader === 'string' ? fromHeader.split(',') : [])
      .map((s) => s.trim())
      .filter(Boolean);
    return { ...verified, subscriptionIds: [...verified.subscriptionIds, ...headerIds] };
  }
}

export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new ApiError(401, 'unauthorized', 'a bearer token is required');
  return principal;
});
