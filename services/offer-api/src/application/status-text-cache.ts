import { Inject, Injectable } from '@nestjs/common';
import type { ResponseText } from '../domain/status-response';
import { OFFER_API_CONFIG, type OfferApiConfig } from '../config';
import { StatusStreams } from './status-streams';

interface Entry extends ResponseText {
  /** When it was read from the database (Date.now()). */
  readAt: number;
}

/** Taken before a database read: the result may be kept only if nothing changed while it was read. */
export interface CacheTicket {
  key: string;
  changes: number;
  /** When the read started: its text is as old as that. */
  at: number;
}

/**
 * The response texts GET status sent lately, in memory, so that a polled status is answered without a
 * database round trip. An entry is dropped on every change of its offer that any instance makes (the
 * NOTIFY of the projection, of a command and of a rebuild, heard through StatusStreams), and everything is
 * dropped when the listening connection was lost; while it is down nothing is served from here. A read
 * that overlapped any change is not kept (its text may be older than the change). So an instance serves a
 * text at most as old as the delivery of the change's notification to it (milliseconds); the instance that
 * took a command also drops the offer's entry itself before answering it. An entry is also read again
 * after OFFER_API_STATUS_CACHE_MAX_AGE_MS, whatever was heard: a connection that is broken without
 * telling (no error, no end) cannot keep a text for longer than that.
 * OFFER_API_STATUS_CACHE_ENTRIES bounds it (least recently used out; 0 turns it off).
 */
@Injectable()
export class StatusTextCache {
  /** In least-recently-used order (a Map keeps insertion order; a hit moves its key to the end). */
  private readonly entries = new Map<string, Entry>();
  /** Changes heard so far: a read that saw this number change while it ran is not kept. */
  private changes = 0;
  readonly stats = { hits: 0, misses: 0 };

  constructor(
    @Inject(OFFER_API_CONFIG) private readonly config: OfferApiConfig,
    @Inject(StatusStreams) private readonly streams: StatusStreams,
  ) {
    streams.onAnyChange((key) => (key === undefined ? this.clear() : this.invalidate(key)));
  }

  /** The text for a reader who asks for `language` (undefined: the offer's), if one is kept and may be used. */
  get(publisherId: string, offerId: string, language: string | undefined): ResponseText | undefined {
    if (!this.usable()) return undefined;
    const key = `${publisherId}/${offerId}`;
    const found = this.entries.get(key);
    if (found && Date.now() - found.readAt > this.config.statusCacheMaxAgeMs) this.entries.delete(key);
    else if (found && (language === undefined || language === found.language)) {
      this.entries.delete(key);
      this.entries.set(key, found);
      this.stats.hits += 1;
      return found;
    }
    this.stats.misses += 1;
    return undefined;
  }

  /** A read's ticket, taken before it starts: see keep. */
  ticket(publisherId: string, offerId: string): CacheTicket {
    return { key: `${publisherId}/${offerId}`, changes: this.changes, at: Date.now() };
  }

  /** Keeps what a read found, unless a change was heard since its ticket was taken. */
  keep(ticket: CacheTicket, text: ResponseText): void {
    if (!this.usable() || ticket.changes !== this.changes) return;
    this.entries.delete(ticket.key);
    this.entries.set(ticket.key, { ...text, readAt: ticket.at });
    while (this.entries.size > this.config.statusCacheEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  invalidate(key: string): void {
    this.changes += 1;
    this.entries.delete(key);
  }

  clear(): void {
    this.changes += 1;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private usable(): boolean {
    return this.config.statusCacheEntries > 0 && this.streams.listening;
  }
}
