import type { Tx } from '@mkt/messaging';
import { Client } from 'pg';

/** The PostgreSQL channel on which the projection tells every offer-api instance that an offer's view changed. */
export const STATUS_CHANNEL = 'offer_status_changed';

/**
 * NOTIFY in the projection's transaction: sent when it commits, never for a view that was rolled back, and heard
 * by every instance that LISTENs on the database (each serves its own status streams).
 */
export async function notifyStatusChanged(tx: Tx, publisherId: string, offerId: string): Promise<void> {
  await tx.query('SELECT pg_notify($1, $2)', [STATUS_CHANNEL, JSON.stringify({ publisherId, offerId })]);
}

/** NOTIFY that every view may have changed (a rebuild swapped in), on commit of the caller's transaction. */
export async function notifyAllStatusesChanged(on: { query(sql: string, parameters?: unknown[]): Promise<unknown> }): Promise<void> {
  await on.query('SELECT pg_notify($1, $2)', [STATUS_CHANNEL, JSON.stringify({ all: true })]);
}

export type StatusChange = { publisherId: string; offerId: string } | { all: true };

/**
 * One dedicated connection that LISTENs on the channel (a pooled one would be handed to other queries). When
 * it drops it reconnects, and tells its listener (`onReconnect`) so that streams re-read what they might have missed.
 */
export class StatusChangeListener {
  private client: Client | undefined;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly onChange: (change: StatusChange) => void,
    private readonly onReconnect: () => void,
    private readonly log: (message: string) => void = () => undefined,
    /** Called when the connection is lost (changes made until it is back go unheard). */
    private readonly onLost: () => void = () => undefined,
  ) {}

  get listening(): boolean {
    return this.client !== undefined;
  }

  async start(): Promise<void> {
    // keep-alive probes: a connection broken without a word (no error, no end) is noticed
    const client = new Client({ connectionString: this.connectionString, keepAlive: true });
    client.on('notification', (message) => {
      if (message.channel !== STATUS_CHANNEL || !message.payload) return;
      try {
        const change = JSON.parse(message.payload) as { publisherId?: unknown; offerId?: unknown; all?: unknown };
        if (change.all === true) this.onChange({ all: true });
        else if (typeof change.publisherId === 'string' && typeof change.offerId === 'string')
          this.onChange({ publisherId: change.publisherId, offerId: change.offerId });
      } catch {
        // not ours
      }
    });
    client.on('error', (error) => {
      this.log(`status listener connection failed: ${error.message}`);
      this.reconnectLater(client);
    });
    client.on('end', () => this.reconnectLater(client));
    await client.connect();
    await client.query(`LISTEN ${STATUS_CHANNEL}`);
    this.client = client;
  }

  private reconnectLater(client: Client): void {
    if (this.closed || this.client !== client) return;
    this.client = undefined;
    this.onLost();
    client.removeAllListeners();
    void client.end().catch(() => undefined);
    this.retryTimer = setTimeout(() => {
      this.start().then(
        () => this.onReconnect(),
        (error: Error) => {
          this.log(`status listener could not reconnect: ${error.message}`);
          this.client = new Client({ connectionString: this.connectionString });
          this.reconnectLater(this.client);
        },
      );
    }, 1000);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners();
      await client.end().catch(() => undefined);
    }
  }
}
