import { userInfo } from 'node:os';
import { operatorBase, serviceUrl, type ServiceName } from './services';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { signToken } = require('../../../scripts/token.js') as {
  signToken: (claims: Record<string, unknown>, subject: string, options?: Record<string, unknown>) => Promise<string>;
};

/** An answer that was not 2xx: its status and the service's own error text. */
export class OperatorApiError extends Error {
  constructor(
    readonly service: ServiceName,
    readonly status: number,
    readonly body: unknown,
    path: string,
  ) {
    const answer = (body ?? {}) as { error?: { message?: string }; message?: string; fields?: Array<{ field: string; problems: string[] }> };
    const fields = (answer.fields ?? []).map((f) => `${f.field}: ${f.problems.join('; ')}`).join(', ');
    const detail = [answer.error?.message ?? answer.message, fields].filter(Boolean).join(' - ');
    super(`${service} answered ${status} to ${path}${detail ? `: ${detail}` : ''}`);
  }
}

export class ServiceUnreachable extends Error {
  constructor(
    readonly service: ServiceName,
    url: string,
    cause: Error,
  ) {
    super(`${service} is unreachable at ${url} (${(cause as { cause?: Error }).cause?.message ?? cause.message}); is the stack running (npm start)?`);
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT';
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** Answer statuses that are results, not errors (e.g. 503 from /health/ready). */
  accept?: number[];
}

/**
 * Calls the services' operator APIs with an operator token: OPS_TOKEN when set, otherwise one minted with
 * the stack's signing secret (AUTH_JWT_SECRET or the development secret), its subject the operator's name
 * (OPS_OPERATOR, else the login name) so that what the operator does is recorded under that name.
 */
export class OperatorClient {
  private token?: Promise<string>;

  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly timeoutMs = Number(env.OPS_TIMEOUT_MS ?? 30_000),
  ) {}

  operator(): string {
    return this.env.OPS_OPERATOR ?? userInfo().username;
  }

  /** Fails early, once, when there is no token and nothing to mint one with. */
  async authenticate(): Promise<void> {
    await this.bearer();
  }

  private bearer(): Promise<string> {
    this.token ??= this.env.OPS_TOKEN
      ? Promise.resolve(this.env.OPS_TOKEN)
      : signToken({ role: 'operator' }, this.operator(), {
          expiresIn: '1h',
          secret: this.env.AUTH_JWT_SECRET,
          issuer: this.env.AUTH_ISSUER,
          audience: this.env.AUTH_AUDIENCE,
        });
    return this.token;
  }

  /** Calls `path` under the service's operator base. */
  operatorApi<T>(service: ServiceName, path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>(service, `${operatorBase(service)}${path}`, options).then((answer) => answer.body);
  }

  async request<T>(service: ServiceName, path: string, options: RequestOptions = {}): Promise<{ status: number; body: T }> {
    const query = Object.entries(options.query ?? {}).filter(([, value]) => value !== undefined && value !== '');
    const url = `${serviceUrl(service, this.env)}${path}${query.length ? `${path.includes('?') ? '&' : '?'}${new URLSearchParams(query.map(([k, v]): [string, string] => [k, String(v)]))}` : ''}`;
    const headers: Record<string, string> = { authorization: `Bearer ${await this.bearer()}`, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, {
        method: options.method ?? 'GET',
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new ServiceUnreachable(service, url, error as Error);
    }
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // a non-JSON answer (e.g. /metrics) is returned as text
    }
    if (!response.ok && !(options.accept ?? []).includes(response.status)) throw new OperatorApiError(service, response.status, body, path);
    return { status: response.status, body: body as T };
  }
}
