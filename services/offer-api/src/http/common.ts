import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { API_VERSION, type OfferApiConfig } from '../config';
import { ErrorDto } from './dto';
import { ApiError } from './errors';

/** `limit` of a paged route: an integer within bounds, the default when absent. */
export function pageLimit(raw: string | undefined, config: OfferApiConfig): number {
  if (raw === undefined) return config.defaultPageSize;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > config.maxPageSize) {
    throw new ApiError(400, 'validation-failed', 'invalid paging', {
      fields: [{ field: 'limit', problems: [`limit must be an integer from 1 to ${config.maxPageSize}`] }],
    });
  }
  return value;
}

export function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, String(value));
  return search.toString();
}

export function withApiVersion(path: string, params: Record<string, string | number | undefined> = {}): string {
  return `${path}?${queryString({ 'api-version': API_VERSION, ...params })}`;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export function idempotencyKey(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(raw)) {
    throw new ApiError(400, 'validation-failed', 'invalid Idempotency-Key', {
      fields: [{ field: 'Idempotency-Key', problems: ['Idempotency-Key must be 1 to 255 visible ASCII characters'] }],
    });
  }
  return raw;
}

/** An entity tag: `"opaque"` or `W/"opaque"`, visible ASCII inside (RFC 9110 without obs-text). */
const ENTITY_TAG = /^(?:W\/)?"[\x21\x23-\x7e]*"$/;

/**
 * If-Match / If-None-Match: `*` or a list of entity tags. A header that is neither is a 400 naming it (a
 * 412 would tell the caller its tag is stale when it was never a tag).
 */
export function entityTagsHeader(name: 'If-Match' | 'If-None-Match', raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  const tags = trimmed
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  const valid = raw.length <= 4096 && (trimmed === '*' || (tags.length > 0 && tags.every((t) => ENTITY_TAG.test(t))));
  if (!valid) {
    throw new ApiError(400, 'validation-failed', `invalid ${name}`, {
      fields: [{ field: name, problems: [`${name} must be * or a comma-separated list of entity tags such as "3" (the ETag of the offer)`] }],
    });
  }
  return raw;
}

/** OpenAPI: bearer token, api-version, and the error responses every publisher route can give. */
export function PublisherRoute() {
  return applyDecorators(
    ApiBearerAuth(),
    ApiQuery({ name: 'api-version', required: true, schema: { type: 'string', enum: [API_VERSION] } }),
    ApiResponse({ status: 400, description: 'Invalid input or api-version', type: ErrorDto }),
    ApiResponse({ status: 401, description: 'No or invalid bearer token', type: ErrorDto }),
    ApiResponse({ status: 403, description: 'Not for this role (customers; operators on changes)', type: ErrorDto }),
    ApiResponse({ status: 404, description: 'No such offer (or not yours)', type: ErrorDto }),
    ApiResponse({ status: 429, description: 'Too many requests from this token, or over a publisher quota that is a rate (Retry-After)', type: ErrorDto }),
  );
}
