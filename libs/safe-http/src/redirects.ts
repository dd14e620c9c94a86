import { SafeHttpError } from './errors';

export type SafeMethod = 'GET' | 'HEAD' | 'POST' | 'PUT';

/** What is sent at one hop of a request; a redirect may change it. */
export interface HopRequest {
  method: SafeMethod;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Always credentials; `x-ms-*` too (Azure's SharedKey signature is computed over them, SAS-like tokens travel in them). */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'content-language', 'content-md5', 'transfer-encoding']);

function withoutHeaders(headers: Record<string, string>, drop: (name: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !drop(name.toLowerCase())));
}

function isCredential(name: string, callerCredentials: ReadonlySet<string>): boolean {
  return CREDENTIAL_HEADERS.has(name) || name.startsWith('x-ms-') || callerCredentials.has(name);
}

/**
 * The request to send to a redirect's target. Within the origin (scheme, host and port) nothing changes.
 * To another origin, credentials, the body and the Host header stay behind; a POST or PUT is refused
 * rather than sent without its body, which would look like success to the caller while the write never
 * happened. 303 says the write was done and its result is elsewhere: a GET without body follows.
 */
export function requestAfterRedirect(current: HopRequest, status: number, from: URL, to: URL, callerCredentialHeaders: readonly string[] = []): HopRequest {
  const crossOrigin = from.origin !== to.origin;
  const writes = current.method !== 'GET' && current.method !== 'HEAD';
  if (writes && crossOrigin && status !== 303) {
    throw new SafeHttpError(
      'redirect-refused',
      `${from.host} answered ${status} to a ${current.method}, redirecting it to ${to.host}: a request body and its credentials are not sent on to another origin`,
    );
  }
  let next = current;
  if (writes && status === 303) next = { method: 'GET', headers: withoutHeaders(current.headers, (name) => BODY_HEADERS.has(name)) };
  if (!crossOrigin) return next;
  const callerCredentials = new Set(callerCredentialHeaders.map((name) => name.toLowerCase()));
  const headers = withoutHeaders(next.headers, (name) => name === 'host' || BODY_HEADERS.has(name) || isCredential(name, callerCredentials));
  return { method: next.method, headers };
}
