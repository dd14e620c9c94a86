import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { classifyAddress, describeVerdict, type AddressVerdict } from './address-rules';
import { SafeHttpError } from './errors';
import { REDIRECT_STATUSES, requestAfterRedirect, type HopRequest, type SafeMethod } from './redirects';

export { classifyAddress, describeVerdict, isPrivateAddress, type AddressVerdict } from './address-rules';
export { SafeHttpError, type SafeHttpErrorCode } from './errors';
export { requestAfterRedirect, type HopRequest } from './redirects';

/**
 * Fetching URLs that publishers give us (disk URLs, lead endpoints) without letting them point us at
 * ourselves: only https (http too in development), only global unicast addresses (address-rules.ts),
 * checked for the literal host, for every address DNS returns and for the address actually connected
 * to (so DNS cannot smuggle one in), connect and total timeouts, a cap on the response size, a body
 * shorter than announced reported as such, and redirects followed only a few times, re-checked at each
 * hop, without credentials or body once they leave the origin (redirects.ts).
 */
export interface SafeRequestOptions {
  method?: SafeMethod;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /**
   * Headers of the caller's that carry credentials, dropped (like Authorization, Proxy-Authorization,
   * Cookie and x-ms-*) when a redirect leaves the origin.
   */
  credentialHeaders?: string[];
  /** Whole request, including reading the body. */
  timeoutMs?: number;
  /** The response body is cut off (and the request fails) beyond this many bytes. */
  maxBytes?: number;
  maxRedirects?: number;
  /** Development only: allow http:// and loopback, private (RFC 1918) and unique-local addresses; never link-local. */
  allowPrivateNetwork?: boolean;
  signal?: AbortSignal;
}

export interface SafeResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
}

function addressRefused(message: string, verdict: AddressVerdict): SafeHttpError {
  return new SafeHttpError('address-not-allowed', `${message} (${describeVerdict(verdict)})`, undefined, verdict);
}

/** Checks scheme and literal host before any connection is made. */
export function checkUrl(raw: string, allowPrivateNetwork = false): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SafeHttpError('invalid-url', `"${raw.slice(0, 200)}" is not a valid URL`);
  }
  if (url.protocol !== 'https:' && !(allowPrivateNetwork && url.protocol === 'http:')) {
    throw new SafeHttpError('scheme-not-allowed', `only https URLs are accepted, got ${url.protocol.replace(':', '')}`);
  }
  if (url.username || url.password) throw new SafeHttpError('invalid-url', 'URLs with credentials in them are not accepted');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const verdict = classifyAddress(host, allowPrivateNetwork);
    if (!verdict.allowed) throw addressRefused(`${host} is a private, loopback or reserved address`, verdict);
  }
  return url;
}

/** The next URL of a redirect, resolved against the one that answered and checked like the first. */
function redirectTarget(location: string, from: URL, allowPrivateNetwork: boolean): URL {
  let target: URL;
  try {
    target = new URL(location, from);
  } catch {
    throw new SafeHttpError('malformed-location', `${from.host} redirected to "${location.slice(0, 200)}", which is not a valid URL`);
  }
  return checkUrl(target.toString(), allowPrivateNetwork);
}

/** Resolves with every address and refuses the host if any of them is refused: the one connected to is among them. */
function guardedLookup(allowPrivateNetwork: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as LookupAddress[];
      if (list.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      for (const { address } of list) {
        const verdict = classifyAddress(address, allowPrivateNetwork);
        if (!verdict.allowed) {
          const refusal = addressRefused(`${hostname} resolves to ${address}, a private, loopback or reserved address`, verdict);
          return callback(refusal as NodeJS.ErrnoException, '', 0);
        }
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

/**
 * Keep-alive pools (a TLS handshake per request costs more than the request). Two of them, so that a
 * connection opened where private addresses are allowed is never reused where they are not.
 */
const agents = {
  strict: { http: new http.Agent({ keepAlive: true, maxSockets: 64 }), https: new https.Agent({ keepAlive: true, maxSockets: 64 }) },
  development: { http: new http.Agent({ keepAlive: true, maxSockets: 64 }), https: new https.Agent({ keepAlive: true, maxSockets: 64 }) },
};

type Settings = Required<Pick<SafeRequestOptions, 'timeoutMs' | 'maxBytes' | 'maxRedirects' | 'allowPrivateNetwork'>> & SafeRequestOptions;

/** The body length the answer announces, when it announces one and a body is expected. */
function announcedLength(method: SafeMethod, response: http.IncomingMessage): number | undefined {
  const status = response.statusCode ?? 0;
  if (method === 'HEAD' || status < 200 || status === 204 || status === 304 || response.headers['transfer-encoding']) return undefined;
  const raw = response.headers['content-length'];
  return raw !== undefined && /^\d+$/.test(raw.trim()) ? Number(raw) : undefined;
}

/** A new connection is checked once it is made: the address connected to, not only those DNS gave. */
function checkConnectedAddress(socket: Socket, url: URL, allowPrivateNetwork: boolean, fail: (error: Error) => void): void {
  // a pooled connection was checked when it was opened
  if (!socket.connecting) return;
  socket.once('connect', () => {
    const verdict = classifyAddress(socket.remoteAddress ?? '', allowPrivateNetwork);
    if (!verdict.allowed) fail(addressRefused(`${url.hostname} connected to ${socket.remoteAddress}, a private, loopback or reserved address`, verdict));
  });
}

function once(url: URL, hop: HopRequest, settings: Settings, deadline: number): Promise<SafeResponse> {
  return new Promise((resolve, reject) => {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return reject(new SafeHttpError('timeout', `no answer from ${url.host} within ${settings.timeoutMs} ms`));
    const secure = url.protocol === 'https:';
    const transport = secure ? https : http;
    const pool = settings.allowPrivateNetwork ? agents.development : agents.strict;
    // the first reason wins: destroying the request also makes the response report that it ended early
    let failure: Error | undefined;
    const fail = (error: Error) => {
      failure ??= error;
      request.destroy(failure);
    };
    const request = transport.request(
      url,
      {
        agent: secure ? pool.https : pool.http,
        method: hop.method,
        headers: { 'user-agent': 'marketplace-publishing/1.0', ...hop.headers },
        lookup: guardedLookup(settings.allowPrivateNetwork),
        timeout: remaining,
        signal: settings.signal,
      },
      (response) => {
        const announced = announcedLength(hop.method, response);
        const tooLarge = () => new SafeHttpError('too-large', `response from ${url.host} is larger than ${settings.maxBytes} bytes`);
        if (announced !== undefined && announced > settings.maxBytes) return fail(tooLarge());
        const chunks: Buffer[] = [];
        let size = 0;
        const endedEarly = () =>
          settings.signal?.aborted
            ? new SafeHttpError('aborted', 'request aborted')
            : new SafeHttpError(
                'truncated-body',
                `the answer from ${url.host} ended after ${size}${announced === undefined ? '' : ` of the ${announced} announced`} bytes: the connection was closed early`,
              );
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > settings.maxBytes) return fail(tooLarge());
          chunks.push(chunk);
        });
        response.on('end', () => {
          if (announced !== undefined && size !== announced) return reject(failure ?? endedEarly());
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), url: url.toString() });
        });
        response.on('error', () => reject(failure ?? endedEarly()));
        response.on('close', () => {
          if (!response.complete) reject(failure ?? endedEarly());
        });
      },
    );
    request.on('socket', (socket) => checkConnectedAddress(socket, url, settings.allowPrivateNetwork, fail));
    const timer = setTimeout(() => fail(new SafeHttpError('timeout', `no complete answer from ${url.host} within ${settings.timeoutMs} ms`)), remaining);
    request.on('timeout', () => fail(new SafeHttpError('timeout', `no answer from ${url.host} within ${settings.timeoutMs} ms`)));
    request.on('error', (error: Error & { code?: string }) => {
      clearTimeout(timer);
      if (failure) return reject(failure);
      if (error instanceof SafeHttpError) return reject(error);
      // a kept-alive connection the server closed just as we reused it: not the server's answer
      if (request.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) return reject(new StaleConnection());
      if (error.name === 'AbortError') return reject(new SafeHttpError('aborted', 'request aborted'));
      if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return reject(new SafeHttpError('dns-failed', `${url.hostname} could not be resolved`));
      reject(new SafeHttpError('network', `${url.host}: ${error.message}`, error.code));
    });
    request.on('close', () => clearTimeout(timer));
    request.end(hop.body);
  });
}

class StaleConnection extends Error {}

async function sendWithRetryOnStaleConnection(url: URL, hop: HopRequest, settings: Settings, deadline: number): Promise<SafeResponse> {
  const idempotent = hop.method === 'GET' || hop.method === 'HEAD';
  for (let stale = 0; ;) {
    try {
      return await once(url, hop, settings, deadline);
    } catch (error) {
      if (!(error instanceof StaleConnection)) throw error;
      // again on another connection; a request that is not idempotent is never sent twice
      stale += 1;
      if (!idempotent || stale >= 3) throw new SafeHttpError('network', `${url.host}: the connection was reset`, 'ECONNRESET');
    }
  }
}

export async function safeRequest(rawUrl: string, options: SafeRequestOptions = {}): Promise<SafeResponse> {
  const settings: Settings = { timeoutMs: 10_000, maxBytes: 1024 * 1024, maxRedirects: 3, allowPrivateNetwork: false, ...options };
  const deadline = Date.now() + settings.timeoutMs;
  let url = checkUrl(rawUrl, settings.allowPrivateNetwork);
  let hop: HopRequest = { method: settings.method ?? 'GET', headers: settings.headers ?? {}, body: settings.body };
  for (let redirects = 0; ; redirects += 1) {
    const response = await sendWithRetryOnStaleConnection(url, hop, settings, deadline);
    const location = response.headers.location;
    if (!REDIRECT_STATUSES.has(response.status) || !location) return response;
    if (redirects >= settings.maxRedirects) {
      throw new SafeHttpError('too-many-redirects', `more than ${settings.maxRedirects} redirects from ${rawUrl.slice(0, 200)}`);
    }
    const next = redirectTarget(location, url, settings.allowPrivateNetwork);
    hop = requestAfterRedirect(hop, response.status, url, next, settings.credentialHeaders);
    url = next;
  }
}
