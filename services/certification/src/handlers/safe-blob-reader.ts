import { safeRequest, SafeHttpError, type SafeRequestOptions } from '@mkt/safe-http';
import type { BlobReader, FetchOutcome } from '../domain';

export interface SafeBlobReaderOptions {
  timeoutMs: number;
  maxRedirects: number;
  allowPrivateNetwork: boolean;
  /** The job's signal: a canceled job's requests are aborted. */
  signal?: AbortSignal;
}

/** Ranges are 512 bytes; anything much longer means the server is sending the whole blob. */
const MAX_ANSWER_BYTES = 1024;

/** The blob reader of the certification, on safeRequest: timeouts, size cap, no private addresses outside development. */
export class SafeBlobReader implements BlobReader {
  constructor(private readonly options: SafeBlobReaderOptions) {}

  probe(url: string): Promise<FetchOutcome> {
    return this.request(url, { method: 'HEAD' });
  }

  readRange(url: string, first: number, last: number): Promise<FetchOutcome> {
    return this.request(url, { method: 'GET', headers: { range: `bytes=${first}-${last}` } });
  }

  private async request(url: string, request: Pick<SafeRequestOptions, 'method' | 'headers'>): Promise<FetchOutcome> {
    const { signal } = this.options;
    try {
      const response = await safeRequest(url, {
        ...request,
        timeoutMs: this.options.timeoutMs,
        maxBytes: MAX_ANSWER_BYTES,
        maxRedirects: this.options.maxRedirects,
        allowPrivateNetwork: this.options.allowPrivateNetwork,
        signal,
      });
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(response.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      return { kind: 'response', status: response.status, headers, body: response.body };
    } catch (error) {
      // a canceled job stops here: nothing is judged, nothing emitted
      if (signal?.aborted) throw signal.reason ?? error;
      if (error instanceof SafeHttpError) return { kind: 'error', code: error.code, message: error.message };
      return { kind: 'error', code: 'network', message: (error as Error).message };
    }
  }
}
