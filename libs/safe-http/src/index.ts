import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Fetching URLs that publishers give us (disk URLs, lead endpoints) without letting them point us at
 * ourselves: only https (http too in development), every resolved address checked against private,
 * loopback and link-local ranges (so DNS cannot smuggle one in), connect and total timeouts, a cap on
 * the response size, and redirects followed only a few times and re-checked at each hop.
 */
export interface SafeRequestOptions {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Whole request, including reading the body. */
  timeoutMs?: number;
  /** The response body is cut off (and the request fails) beyond this many bytes. */
  maxBytes?: number;
  maxRedirects?: number;
  /** Development only: allow http:// and private/loopback addresses. */
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

export type SafeHttpErrorCode =
  'invalid-url' | 'scheme-not-allowed' | 'address-not-allowed' | 'dns-failed' | 'timeout' | 'too-large' | 'too-many-redirects' | 'network' | 'aborted';

export class SafeHttpError extends Error {
  constructor(
    readonly code: SafeHttpErrorCode,
    message: string,
    /** The system error code behind a `network` error (ECONNREFUSED, ECONNRESET, CERT_HAS_EXPIRED...). */
    readonly errno?: string,
  ) {
    super(message);
  }
}

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6 && address.toLowerCase().startsWith('::ffff:')) {
    const v4 = address.slice(7);
    if (isIP(v4) === 4) return blocked.check(v4, 'ipv4');
  }
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
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
  if (!allowPrivateNetwork && isIP(host) && isPrivateAddress(host)) {
    throw new SafeHttpError('address-not-allowed', `${host} is a private, loopback or reserved address`);
  }
  return url;
}

function guardedLookup(allowPrivateNetwork: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as LookupAddress[];
      const bad = list.find((a) => !allowPrivateNetwork && isPrivateAddress(a.address));
      if (bad) {
        const refusal = new SafeHttpError('address-not-allowed', `${hostname} resolves to ${bad.address}, a private or reserved address`);
        return callback(refusal as NodeJS.ErrnoException, '', 0);
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

function once(
  url: URL,
  options: Required<Pick<SafeRequestOptions, 'timeoutMs' | 'maxBytes' | 'allowPrivateNetwork'>> & SafeRequestOptions,
  deadline: number,
): Promise<SafeResponse> {
  return new Promise((resolve, reject) => {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return reject(new SafeHttpError('timeout', `no answer from ${url.host} within ${options.timeoutMs} ms`));
    const secure = url.protocol === 'https:';
    const transport = secure ? https : http;
    const pool = options.allowPrivateNetwork ? agents.development : agents.strict;
    const request = transport.request(
      url,
      {
        agent: secure ? pool.https : pool.http,
        method: options.method ?? 'GET',
        headers: { 'user-agent': 'marketplace-publishing/1.0', ...options.headers },
        lookup: guardedLookup(options.allowPrivateNetwork),
        timeout: remaining,
        signal: options.signal,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            request.destroy(new SafeHttpError('too-large', `response from ${url.host} is larger than ${options.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), url: url.toString() }));
        response.on('error', reject);
      },
    );
    const timer = setTimeout(
      () => request.destroy(new SafeHttpError('timeout', `no complete answer from ${url.host} within ${options.timeoutMs} ms`)),
      remaining,
    );
    request.on('timeout', () => request.destroy(new SafeHttpError('timeout', `no answer from ${url.host} within ${options.timeoutMs} ms`)));
    request.on('error', (error: Error & { code?: string }) => {
      clearTimeout(timer);
      if (error instanceof SafeHttpError) return reject(error);
      // a kept-alive connection the server closed just as we reused it: not the server's answer
      if (request.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) return reject(new StaleConnection());
      if (error.name === 'AbortError') return reject(new SafeHttpError('aborted', 'request aborted'));
      if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return reject(new SafeHttpError('dns-failed', `${url.hostname} could not be resolved`));
      reject(new SafeHttpError('network', `${url.host}: ${error.message}`, error.code));
    });
    request.on('close', () => clearTimeout(timer));
    request.end(options.body);
  });
}

class StaleConnection extends Error {}

export async function safeRequest(rawUrl: string, options: SafeRequestOptions = {}): Promise<SafeResponse> {
  const settings = { timeoutMs: 10_000, maxBytes: 1024 * 1024, maxRedirects: 3, allowPrivateNetwork: false, ...options };
  const deadline = Date.now() + settings.timeoutMs;
  const idempotent = (settings.method ?? 'GET') === 'GET' || settings.method === 'HEAD';
  let url = checkUrl(rawUrl, settings.allowPrivateNetwork);
  for (let hop = 0; ; hop += 1) {
    let response: SafeResponse | undefined;
    for (let stale = 0; !response;) {
      try {
        response = await once(url, settings, deadline);
      } catch (error) {
        if (!(error instanceof StaleConnection)) throw error;
        // again on another connection; a request that is not idempotent is never sent twice
        stale += 1;
        if (!idempotent || stale >= 3) throw new SafeHttpError('network', `${url.host}: the connection was reset`, 'ECONNRESET');
      }
    }
    const location = response.headers.location;
    if (response.status >= 300 && response.status < 400 && location) {
      if (hop >= settings.maxRedirects)
        throw new SafeHttpError('too-many-redirects', `more than ${settings.maxRedirects} redirects from ${rawUrl.slice(0, 200)}`);
      url = checkUrl(new URL(location, url).toString(), settings.allowPrivateNetwork);
      continue;
    }
    return response;
  }
}
