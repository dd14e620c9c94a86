/**
 * SAS-style URLs of the sample disk host, shaped like Azure blob SAS tokens (sv, sr, sp, st, se, sig) so that
 * certification judges them as it judges real ones. The signature is an HMAC of the path, permissions and expiry
 * with a key that is no secret (it is in this file): the host refuses a URL whose token was changed, as a blob
 * store would, and the URLs of docs/examples/offer.json stay valid on every checkout.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The development signing key: public, for the sample disks only. */
export const SAMPLE_DISKS_SIGNING_KEY = 'marketplace-sample-disks-development-signing-key';
/** Far enough ahead for certification's SAS expiry check (CERTIFICATION_SAS_MIN_DAYS). */
export const SAMPLE_SAS_EXPIRY = '2099-12-31T00:00:00Z';
export const SAMPLE_SAS_START = '2025-01-01T00:00:00Z';

export interface SasOptions {
  permissions?: string;
  start?: string;
  expiry?: string;
}

function signature(path: string, permissions: string, expiry: string): string {
  return createHmac('sha256', SAMPLE_DISKS_SIGNING_KEY).update(`${path}\n${permissions}\n${expiry}`).digest('hex').slice(0, 32);
}

/** The SAS query string of `path` (e.g. `/vhds/os-1.0.0.vhd`). */
export function signedQuery(path: string, options: SasOptions = {}): string {
  const permissions = options.permissions ?? 'r';
  const expiry = options.expiry ?? SAMPLE_SAS_EXPIRY;
  return new URLSearchParams({
    sv: '2022-11-02',
    sr: 'b',
    sp: permissions,
    st: options.start ?? SAMPLE_SAS_START,
    se: expiry,
    sig: signature(path, permissions, expiry),
  }).toString();
}

export type SasVerdict = { ok: true } | { ok: false; code: 'AuthenticationFailed' | 'AuthorizationPermissionMismatch'; reason: string };

/** What the host says of a request's token: a read needs `r`, an unexpired `se` and the right `sig`. */
export function verifySas(path: string, query: URLSearchParams, now = new Date()): SasVerdict {
  const sig = query.get('sig') ?? '';
  const permissions = query.get('sp') ?? '';
  const expiry = query.get('se') ?? '';
  const expected = Buffer.from(signature(path, permissions, expiry));
  const given = Buffer.from(sig);
  if (!sig || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, code: 'AuthenticationFailed', reason: 'the SAS signature does not match the path, permissions and expiry' };
  }
  if (!(Date.parse(expiry) > now.getTime())) return { ok: false, code: 'AuthenticationFailed', reason: 'the SAS token has expired' };
  if (!permissions.includes('r')) return { ok: false, code: 'AuthorizationPermissionMismatch', reason: 'the SAS token does not grant read access' };
  return { ok: true };
}
