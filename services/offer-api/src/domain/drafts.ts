/** Offer ids and HTTP preconditions of draft edits (ETag / If-Match / If-None-Match), as pure rules. */

/** Lower-case slug: letters, digits and single hyphens inside, 1 to 50 characters. */
export const SLUG = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,49}$/;

export function isSlug(value: string): boolean {
  return SLUG.test(value);
}

export function etagOf(version: number): string {
  return `"${version}"`;
}

/** `*`, or the entity tags of an If-Match / If-None-Match header (weak ones compare by their opaque part). */
export function parseEntityTags(header: string | undefined): '*' | string[] | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  if (trimmed === '*') return '*';
  return trimmed
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .filter((t) => t.length > 0);
}

export type PutDecision =
  { action: 'create' } | { action: 'update'; expectedVersion: number } | { action: 'refuse'; status: 412 | 428; code: string; message: string };

export function decidePut(current: { version: number } | undefined, ifMatch: string | undefined, ifNoneMatch: string | undefined): PutDecision {
  const match = parseEntityTags(ifMatch);
  const noneMatch = parseEntityTags(ifNoneMatch);
  if (!current) {
    if (match !== undefined) return { action: 'refuse', status: 412, code: 'precondition-failed', message: 'If-Match was given but the offer does not exist' };
    if (noneMatch !== undefined && noneMatch !== '*') {
      return { action: 'refuse', status: 412, code: 'precondition-failed', message: 'to create an offer send If-None-Match: * (or no precondition)' };
    }
    return { action: 'create' };
  }
  if (noneMatch === '*' || (Array.isArray(noneMatch) && noneMatch.includes(etagOf(current.version)))) {
    return { action: 'refuse', status: 412, code: 'precondition-failed', message: 'the offer already exists' };
  }
  if (match === undefined) {
    return { action: 'refuse', status: 428, code: 'precondition-required', message: 'updating an existing offer requires If-Match with its current ETag' };
  }
  if (match !== '*' && !match.includes(etagOf(current.version))) {
    return {
      action: 'refuse',
      status: 412,
      code: 'precondition-failed',
      message: `the offer was changed by someone else; its current ETag is ${etagOf(current.version)}`,
    };
  }
  return { action: 'update', expectedVersion: current.version };
}

/** A draft may be deleted only while it was never published (its events reference it). */
export function decideDelete(
  current: { version: number; attempt: number },
  ifMatch: string | undefined,
): { ok: true } | { ok: false; status: 409 | 412; code: string; message: string } {
  if (current.attempt > 0)
    return { ok: false, status: 409, code: 'offer-published', message: 'the offer has been published; only drafts that were never published can be deleted' };
  const match = parseEntityTags(ifMatch);
  if (match !== undefined && match !== '*' && !match.includes(etagOf(current.version))) {
    return { ok: false, status: 412, code: 'precondition-failed', message: `the offer was changed; its current ETag is ${etagOf(current.version)}` };
  }
  return { ok: true };
}
