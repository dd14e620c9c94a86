import { revealSecretReferences, scrubSecrets } from '@mkt/events';
import { safeRequest, SafeHttpError, type SafeRequestOptions } from '@mkt/safe-http';
import { isSecretUnavailable, type SecretStore } from '@mkt/secrets';
import type { BlobReader, FetchOutcome } from '../domain';

export interface SafeBlobReaderOptions {
  timeoutMs: number;
  maxRedirects: number;
  allowPrivateNetwork: boolean;
  /** The job's signal: a canceled job's requests are aborted. */
  signal?: AbortSignal;
  /** Where the SAS signatures of the disk URLs are (the URLs carry references to them). */
  secrets: SecretStore;
  /** The offer whose disks are read: only its own secrets resolve. */
  owner: string;
}

type RevealedUrl = { ok: true; url: string; secrets: string[] } | { ok: false; outcome: FetchOutcome };

/** Ranges are 512 bytes; anything much longer means the server is sending the whole blob. */
const MAX_ANSWER_BYTES = 1024;

/** The blob reader of the certification, on safeRequest: timeouts, size cap, no private addresses outside development. */
export class SafeBlobReader implements BlobReader {
  private readonly revealed = new Map<string, Promise<RevealedUrl>>();

  constructor(private readonly options: SafeBlobReaderOptions) {}

  /**
   * The full SAS URL, rebuilt for the request only: it is never logged, stored or put in a message (a
   * message that quotes it gets the reference back). A signature that is gone is the publisher's to give
   * again; a store outage throws, and the job retries.
   */
  private reveal(url: string): Promise<RevealedUrl> {
    let revealed = this.revealed.get(url);
    if (!revealed) {
      revealed = revealSecretReferences(url, (id) => this.options.secrets.resolve(id, { owner: this.options.owner, kind: 'sas-signature' })).then(
        (r): RevealedUrl => ({ ok: true, url: r.text, secrets: r.secrets }),
        (error: unknown): RevealedUrl => {
          if (!isSecretUnavailable(error)) throw error;
          return { ok: false, outcome: { kind: 'error', code: 'secret-unavailable', message: 'its SAS signature is no longer stored' } };
        },
      );
      this.revealed.set(url, revealed);
      revealed.catch(() => this.revealed.delete(url));
    }
    return revealed;
  }

  probe(url: string): Promise<FetchOutcome> {
    return this.request(url, { method: 'HEAD' });
  }

  readRange(url: string, first: number, last: number): Promise<FetchOutcome> {
    return this.request(url, { method: 'GET', headers: { range: `bytes=${first}-${last}` } });
  }

  private async request(url: string, request: Pick<SafeRequestOptions, 'method' | 'headers'>): Promise<FetchOutcome> {
    const { signal } = this.options;
    const revealed = await this.reveal(url);
    if (!revealed.ok) return revealed.outcome;
    try {
      const response = await safeRequest(revealed.url, {
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
      const message = scrubSecrets((error as Error).message, revealed.secrets);
      if (error instanceof SafeHttpError) return { kind: 'error', code: error.code, message };
      return { kind: 'error', code: 'network', message };
    }
  }
}
