/** The portal's calls to offer-api (same origin, under /api), with the session's bearer token and the page's language. */
export const API_VERSION = '2017-10-31';

export interface Session {
  token: string;
  role: 'publisher' | 'customer' | 'operator';
  publisherId?: string;
  subscriptions?: string[];
  sub: string;
}

const SESSION_KEY = 'portal.session';

/** What the token says about its holder (read, not verified: the API verifies every call). */
export function sessionOf(token: string): Session | undefined {
  const part = token.trim().split('.')[1];
  if (!part) return undefined;
  try {
    const json = atob(
      part
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(part.length / 4) * 4, '='),
    );
    const claims = JSON.parse(decodeURIComponent(escape(json))) as Record<string, unknown>;
    const role = claims.role;
    if (role !== 'publisher' && role !== 'customer' && role !== 'operator') return undefined;
    if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) return undefined;
    return {
      token: token.trim(),
      role,
      publisherId: typeof claims.publisherId === 'string' ? claims.publisherId : undefined,
      subscriptions: Array.isArray(claims.subscriptions) ? (claims.subscriptions as string[]) : undefined,
      sub: typeof claims.sub === 'string' ? claims.sub : String(role),
    };
  } catch {
    return undefined;
  }
}

export function loadSession(): Session | undefined {
  const token = localStorage.getItem(SESSION_KEY);
  return token ? sessionOf(token) : undefined;
}

export function saveSession(session: Session | undefined): void {
  if (session) localStorage.setItem(SESSION_KEY, session.token);
  else localStorage.removeItem(SESSION_KEY);
}

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> = {},
    readonly etag?: string,
  ) {
    super(message);
  }
}

let currentLanguage = 'en';
let currentToken: string | undefined;
export function setRequestContext(language: string, token: string | undefined): void {
  currentLanguage = language;
  currentToken = token;
}

export function versioned(path: string, params: Record<string, string | undefined> = {}): string {
  const search = new URLSearchParams({ 'api-version': API_VERSION });
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, v);
  return `${path}?${search}`;
}

export interface Answer<T> {
  status: number;
  body: T;
  etag?: string;
}

export async function call<T>(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { accept: 'application/json', 'accept-language': currentLanguage, ...options.headers };
  if (currentToken) headers.authorization = `Bearer ${currentToken}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), signal: options.signal });
  const etag = response.headers.get('etag') ?? undefined;
  const type = response.headers.get('content-type') ?? '';
  const body = type.includes('json') ? await response.json().catch(() => ({})) : await response.text();
  if (!response.ok) {
    const problem = (typeof body === 'object' && body ? body : {}) as Record<string, unknown>;
    throw new ApiProblem(response.status, String(problem.code ?? response.status), String(problem.message ?? response.statusText), problem, etag);
  }
  return { status: response.status, body: body as T, etag };
}

/**
 * Reads a text/event-stream with fetch (EventSource cannot send the Authorization header) and calls `onEvent` for each
 * event; resolves when the stream ends, rejects on an HTTP error. Abort it with the signal.
 */
export async function readEventStream(path: string, onEvent: (type: string, data: string) => void, signal: AbortSignal): Promise<void> {
  const headers: Record<string, string> = { accept: 'text/event-stream', 'accept-language': currentLanguage };
  if (currentToken) headers.authorization = `Bearer ${currentToken}`;
  const response = await fetch(path, { headers, signal, cache: 'no-store' });
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    throw new ApiProblem(response.status, String(body.code ?? response.status), String(body.message ?? response.statusText), body);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let type = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') type = text;
        else if (field === 'data') data.push(text);
      }
      if (data.length) onEvent(type, data.join('\n'));
    }
  }
}

export const offerPath = (publisherId: string, offerId = '') =>
  `/api/publishers/${encodeURIComponent(publisherId)}/offers${offerId ? `/${encodeURIComponent(offerId)}` : ''}`;
