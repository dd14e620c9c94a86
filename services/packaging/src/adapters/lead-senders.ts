import { RestError, TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import { safeRequest, SafeHttpError, type SafeResponse } from '@mkt/safe-http';
import { testLeadEntity, testLeadTableKeys, type LeadFailure, type LeadTarget, type TestLead } from '../domain';

export type LeadDelivery = { ok: true } | { ok: false; failure: LeadFailure };

export interface LeadSendSettings {
  timeoutMs: number;
  /** Development only: http:// and private addresses (local test servers, Azurite). */
  allowPrivateNetwork: boolean;
  /** Aborted when the job is canceled: the send stops and nothing is reported. */
  signal: AbortSignal;
}

/** Sends the test lead to the publisher's destination; failures are reported as data for classification. */
export interface LeadSender {
  send(target: LeadTarget, lead: TestLead, subject: string, settings: LeadSendSettings): Promise<LeadDelivery>;
}

const MAX_ANSWER_BYTES = 64 * 1024;

/** safe-http folds socket and TLS errors into `network`; recover the cause from the message for the publisher. */
function networkCause(error: SafeHttpError): { code: string; detail: string } {
  const errno = /\b(E[A-Z]{4,})\b/.exec(error.message)?.[1];
  if (errno) return { code: errno, detail: error.message };
  if (/certificate|self[- ]signed|ssl|tls/i.test(error.message)) return { code: 'tls', detail: error.message };
  return { code: error.code, detail: error.message };
}

function fromSafeHttpError(destination: LeadTarget['destination'], error: SafeHttpError): LeadFailure {
  if (error.code === 'network') return { destination, kind: 'error', ...networkCause(error) };
  return { destination, kind: 'error', code: error.code, detail: error.message };
}

function rethrowIfCanceled(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason ?? new Error('canceled');
}

/**
 * HTTPS POST of the lead as JSON with the publisher's Authorization value. The lead id goes in an
 * Idempotency-Key header (and the body), so that the retry of a job whose answer was lost is
 * recognisably the same lead.
 */
export async function sendHttpsLead(target: Extract<LeadTarget, { destination: 'https' }>, lead: TestLead, settings: LeadSendSettings): Promise<LeadDelivery> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'idempotency-key': lead.leadId,
    'x-marketplace-lead-id': lead.leadId,
    'x-marketplace-test-lead': 'true',
  };
  if (target.authorization) headers.authorization = target.authorization;
  let response: SafeResponse;
  try {
    response = await safeRequest(target.url, {
      method: 'POST',
      headers,
      body: JSON.stringify(lead),
      timeoutMs: settings.timeoutMs,
      maxBytes: MAX_ANSWER_BYTES,
      allowPrivateNetwork: settings.allowPrivateNetwork,
      signal: settings.signal,
    });
  } catch (error) {
    rethrowIfCanceled(settings.signal);
    if (error instanceof SafeHttpError) return { ok: false, failure: fromSafeHttpError('https', error) };
    throw error;
  }
  if (response.status >= 200 && response.status < 300) return { ok: true };
  return { ok: false, failure: { destination: 'https', kind: 'status', status: response.status } };
}

// The Azure SDK's HTTP client contract, taken from the options type so that no transitive package is named.
type AzureHttpClient = NonNullable<TableServiceClientOptions['httpClient']>;
type AzureRequest = Parameters<AzureHttpClient['sendRequest']>[0];
type AzureResponse = Awaited<ReturnType<AzureHttpClient['sendRequest']>>;
type AzureHeaders = AzureResponse['headers'];

class ResponseHeaders implements AzureHeaders {
  private readonly values = new Map<string, string>();

  constructor(raw: SafeResponse['headers']) {
    for (const [name, value] of Object.entries(raw)) {
      if (value !== undefined) this.values.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
    }
  }
  get(name: string): string | undefined {
    return this.values.get(name.toLowerCase());
  }
  has(name: string): boolean {
    return this.values.has(name.toLowerCase());
  }
  set(name: string, value: string | number | boolean): void {
    this.values.set(name.toLowerCase(), String(value));
  }
  delete(name: string): void {
    this.values.delete(name.toLowerCase());
  }
  toJSON(): Record<string, string> {
    return Object.fromEntries(this.values);
  }
  [Symbol.iterator](): Iterator<[string, string]> {
    return this.values.entries();
  }
}

/** safeRequest does not decompress; ask for an identity-encoded answer. */
function withoutCompression(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'accept-encoding'));
}

/**
 * Routes the Azure SDK's requests through safeRequest, so that a connection string (publisher input) gets
 * the same guards as any other publisher URL: https only, no private addresses, timeouts, size limits.
 */
export function safeAzureHttpClient(settings: Omit<LeadSendSettings, 'signal'>): AzureHttpClient {
  return {
    async sendRequest(request: AzureRequest): Promise<AzureResponse> {
      const method = request.method;
      if (method !== 'GET' && method !== 'POST' && method !== 'PUT' && method !== 'HEAD') throw new Error(`HTTP method ${method} is not used for lead tables`);
      const body = request.body;
      if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) throw new Error('only string request bodies are sent to lead tables');
      const response = await safeRequest(request.url, {
        method,
        headers: withoutCompression(request.headers.toJSON({ preserveCase: true })),
        body,
        timeoutMs: settings.timeoutMs,
        maxBytes: MAX_ANSWER_BYTES,
        allowPrivateNetwork: settings.allowPrivateNetwork,
        signal: request.abortSignal as AbortSignal | undefined,
      });
      return { request, status: response.status, headers: new ResponseHeaders(response.headers), bodyAsText: response.body.toString('utf8') };
    },
  };
}

export function leadTableClient(target: Extract<LeadTarget, { destination: 'azure-table' }>, settings: Omit<LeadSendSettings, 'signal'>): TableClient {
  return TableClient.fromConnectionString(target.connectionString, target.tableName, {
    allowInsecureConnection: settings.allowPrivateNetwork,
    // the job retries, with its own backoff and durable state
    retryOptions: { maxRetries: 0 },
    httpClient: safeAzureHttpClient(settings),
  });
}

/** The storage error code (e.g. TableNotFound, AuthenticationFailed) travels in the details, not in `code`. */
function storageErrorCode(error: RestError): string | undefined {
  const details = error.details as { errorCode?: unknown } | undefined;
  return typeof details?.errorCode === 'string' ? details.errorCode : error.code;
}

function fromAzureError(error: unknown): LeadFailure | undefined {
  if (error instanceof SafeHttpError) return fromSafeHttpError('azure-table', error);
  if (error instanceof RestError) {
    if (error.statusCode) return { destination: 'azure-table', kind: 'status', status: error.statusCode, errorCode: storageErrorCode(error) };
    return { destination: 'azure-table', kind: 'error', code: error.code ?? 'network', detail: error.message };
  }
  return undefined;
}

function isTableMissing(error: unknown): boolean {
  return error instanceof RestError && error.statusCode === 404 && storageErrorCode(error) === 'TableNotFound';
}

/**
 * Writes the lead as an entity with keys derived from offer and attempt, creating the table when it is
 * missing. An upsert that replaces: a retry writes the same entity again, never a second one.
 */
export async function writeTableLead(
  target: Extract<LeadTarget, { destination: 'azure-table' }>,
  lead: TestLead,
  subject: string,
  settings: LeadSendSettings,
): Promise<LeadDelivery> {
  let client: TableClient;
  try {
    client = leadTableClient(target, settings);
  } catch (error) {
    return { ok: false, failure: { destination: 'azure-table', kind: 'error', code: 'invalid-connection-string', detail: (error as Error).message } };
  }
  const entity = testLeadEntity(lead, testLeadTableKeys(subject, lead.offer.attempt));
  const options = { abortSignal: settings.signal };
  try {
    try {
      await client.upsertEntity(entity, 'Replace', options);
    } catch (error) {
      if (!isTableMissing(error)) throw error;
      await client.createTable(options);
      await client.upsertEntity(entity, 'Replace', options);
    }
    return { ok: true };
  } catch (error) {
    rethrowIfCanceled(settings.signal);
    const failure = fromAzureError(error);
    if (failure) return { ok: false, failure };
    throw error;
  }
}

export const defaultLeadSender: LeadSender = {
  send(target, lead, subject, settings) {
    return target.destination === 'https' ? sendHttpsLead(target, lead, settings) : writeTableLead(target, lead, subject, settings);
  },
};
