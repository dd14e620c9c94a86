import { Injectable, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Access as accessLevel, AccessGuard as OperatorAccessGuard, type Principal } from '@mkt/auth';
import { API_VERSION } from '../config';
import { isSlug } from '../domain/drafts';
import { notFound } from '../application/errors';
import { ApiError } from './errors';

// Token verification, principals and the operator level are libs/auth's (every service's operator routes
// use them); what is offer-api's own is below: publisher tenancy, customers' previews, api-version.
export { bearerToken, CurrentPrincipal, TokenVerifier, type Principal, type Role } from '@mkt/auth';

/**
 * What a route needs: `read` (the owning publisher or an operator), `write` (the owning publisher),
 * `preview` (any signed-in caller; the use case lets in the owning publisher and allow-listed customers
 * and answers everybody else as if there were no preview), `operator`.
 */
export type AccessLevel = 'read' | 'write' | 'preview' | 'operator';
const API_VERSIONED = 'offer-api:api-versioned';

export const Access = (level: AccessLevel) => accessLevel(level);
/** Routes of the Cloud Partner Portal shape: `?api-version=2017-10-31` is required. */
export const ApiVersioned = () => SetMetadata(API_VERSIONED, true);

/**
 * Authentication (401) and operator routes (403 for others) as in every service (libs/auth), then
 * api-version (400), then tenancy: a publisher reaches only its own offers and another publisher's offer
 * is a 404 exactly like a missing one; publisher routes other than the preview are 403 for customers
 * (whatever the offer: nothing leaks). Runs before body parsing pipes, so nothing about a foreign offer
 * leaks through validation either.
 */
@Injectable()
export class AccessGuard extends OperatorAccessGuard {
  protected override authorize(principal: Principal, level: string, context: ExecutionContext): void {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (this.reflector.getAllAndOverride<boolean>(API_VERSIONED, [context.getHandler(), context.getClass()])) {
      const version = (request.query as Record<string, unknown>)['api-version'];
      if (version === undefined) throw new ApiError(400, 'api-version-required', `the api-version query parameter is required (supported: ${API_VERSION})`);
      if (version !== API_VERSION)
        throw new ApiError(400, 'unsupported-api-version', `api-version "${String(version)}" is not supported (supported: ${API_VERSION})`);
    }

    const params = request.params as Record<string, string | undefined>;
    if (level === 'operator') {
      // checked by libs/auth
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
  }
}
