import { Logger } from '@nestjs/common';
import type { Producer, TopicMessages } from 'kafkajs';
import type { DataSource, QueryRunner } from 'typeorm';
import { crashPoint } from './faults';
import { NO_OBSERVER, shortType, type MessagingObserver } from './observe';
import { OUTBOX_CHANNEL, recordBytes } from './outbox';
import { backoffDelay, Waker } from './retry';
import { poolOf } from './unit-of-work';

export interface RelayOptions {
  /** Rows per Kafka request. */
  batchSize: number;
  /** After a wake-up, wait this long for more rows so that one request carries them (Kafka's linger.ms). */
  lingerMs: number;
  /** Fallback poll when no NOTIFY arrives (a NOTIFY wakes the relay at once). */
  pollIntervalMs: number;
  /** Published rows older than this are deleted; 0 keeps them. */
  retainPublishedMs: number;
  /**
   * Bytes of one Kafka request (and so the largest record): under the broker's message.max.bytes (4 MiB).
   * A bigger row is parked without being sent.
   */
  maxRequestBytes: number;
}

export const DEFAULT_RELAY_OPTIONS: RelayOptions = {
  batchSize: 1000,
  lingerMs: 10,
  pollIntervalMs: 1000,
  retainPublishedMs: 24 * 3600_000,
  maxRequestBytes: 3 * 1024 * 1024,
};

/** The broker's answers that no retry can change: the row is parked. */
const REFUSED_FOR_GOOD = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TOPIC_EXCEPTION']);
const REFUSED_FOR_GOOD_MESSAGES =
  /larger than the max message size|message batch larger than|failed the validation on broker|failed its CRC checksum|invalid topic/i;

/** Whether Kafka refused a produce request for good (true) or for now (false). */
export function refusedForGood(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const { type, message, cause, originalError, errors } = e as {
      type?: unknown;
      message?: unknown;
      cause?: unknown;
      originalError?: unknown;
      errors?: unknown;
    };
    if (typeof type === 'string' && REFUSED_FOR_GOOD.has(type)) return true;
    if (typeof message === 'string' && REFUSED_FOR_GOOD_MESSAGES.test(message)) return true;
    queue.push(cause, originalError, ...(Array.isArray(errors) ? errors : []));
  }
  return false;
}

/** Only rows that are neither parked nor queued behind a parked row of their key. */
const SENDABLE = `published_at IS NULL AND parked_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.parked_at IS NOT NULL AND p.published_at IS NULL AND p.message_key = outbox.message_key AND p.id < outbox.id)`;

export interface ParkedRow {
  id: string;
  topic: string;
  key: string | null;
  type: string | null;
  eventId: string | null;
  bytes: number;
  reason: string;
  parkedAt: Date;
  /** Rows of the same key waiting behind it. */
  heldBack: number;
}

/** Parked rows, oldest first: what operators see. */
/** Anything that runs SQL: a pg Pool or Client (operators' tools), or a service's DataSource (via poolOf). */
export interface SqlRunner {
  query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<{ rows: R[] }>;
}

function runnerOf(target: DataSource | SqlRunner): SqlRunner {
  return 'driver' in target ? (poolOf(target) as unknown as SqlRunner) : target;
}

export async function listParkedRows(target: DataSource | SqlRunner): Promise<ParkedRow[]> {
  const { rows } = await runnerOf(target).query(
    `SELECT id, topic, message_key, headers->>'ce_type' AS type, headers->>'ce_id' AS event_id, octet_length(payload) AS bytes, parked_reason, parked_at,
            (SELECT count(*)::int FROM outbox h WHERE h.published_at IS NULL AND h.message_key = o.message_key AND h.id > o.id) AS held_back
     FROM outbox o WHERE parked_at IS NOT NULL AND published_at IS NULL ORDER BY id`,
  );
  return rows.map((r: Record<string, unknown>) => ({
    id: String(r.id),
    topic: r.topic as string,
    key: r.message_key as string | null,
    type: r.type as string | null,
    eventId: r.event_id as string | null,
    bytes: Number(r.bytes ?? 0),
    reason: r.parked_reason as string,
    parkedAt: r.parked_at as Date,
    heldBack: r.held_back as number,
  }));
}

/**
 * Releases parked rows: `retry` sends them again (after the cause is fixed, e.g. the broker's limit
 * raised); `discard` gives them up for good (kept, marked discarded), which lets the rows behind them go.
 * Returns the ids released; rows that are not parked (any more) are left alone, so repeating is harmless.
 */
export async function releaseParkedRows(target: DataSource | SqlRunner, ids: readonly string[], mode: 'retry' | 'discard'): Promise<string[]> {
  const pool = runnerOf(target);
  const { rows } = await pool.query<{ id: string }>(
    mode === 'retry'
      ? `UPDATE outbox SET parked_at = NULL WHERE id = ANY($1::bigint[]) AND parked_at IS NOT NULL AND published_at IS NULL RETURNING id::text`
      : `UPDATE outbox SET published_at = now(), discarded_at = now() WHERE id = ANY($1::bigint[]) AND parked_at IS NOT NULL AND published_at IS NULL RETURNING id::text`,
    [ids],
  );
  await pool.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`);
  return rows.map((r) => r.id);
}

/** Only one relay per database publishes at a time, so that rows leave in id order. */
const RELAY_LOCK = 7_331_002;

interface Row {
  id: string;
  topic: string;
  message_key: string | null;
  headers: Record<string, string>;
  payload: Buffer | null;
}

export interface RelayStats {
  published: number;
  batches: number;
  /** Rows set aside because the broker refuses them for good. */
  parked: number;
  leader: boolean;
}

/**
 * Publishes the outbox to Kafka: reads unpublished rows in id order, sends them with the idempotent
 * producer (acks=all) and marks them published. A crash between sending and marking sends those rows
 * again on restart: consumers drop the duplicates by event id. A row the broker refuses for good is
 * parked with the reason; the rows of its key wait behind it, every other key goes on.
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly waker = new Waker();
  private running = false;
  private loop?: Promise<void>;
  private runner?: QueryRunner;
  private detachListener?: () => void;
  private lastPurge = 0;
  readonly stats: RelayStats = { published: 0, batches: 0, parked: 0, leader: false };

  constructor(
    private readonly dataSource: DataSource,
    private producer: Producer,
    private readonly options: RelayOptions = DEFAULT_RELAY_OPTIONS,
    /**
     * A fresh idempotent producer. After the broker refuses a record for good, the old producer's
     * sequence numbers no longer match the broker's (every later send is OUT_OF_ORDER_SEQUENCE_NUMBER),
     * so the relay goes on with a new producer id.
     */
    private readonly newProducer?: () => Producer,
    private readonly observer: MessagingObserver = NO_OBSERVER,
  ) {}

  /** The producer the relay sends with now. */
  get currentProducer(): Producer {
    return this.producer;
  }

  private async renewProducer(): Promise<void> {
    if (!this.newProducer) return;
    const old = this.producer;
    const fresh = this.newProducer();
    await fresh.connect();
    this.producer = fresh;
    await old.disconnect().catch(() => undefined);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Publishes what is pending (bounded by `drainMs`), then stops. */
  async stop(drainMs = 5_000): Promise<void> {
    if (!this.running) return;
    const deadline = Date.now() + drainMs;
    while (this.stats.leader && Date.now() < deadline && (await this.pendingCount().catch(() => 0)) > 0) {
      this.waker.wake();
      await new Promise((r) => setTimeout(r, 20));
    }
    this.running = false;
    this.waker.wake();
    await this.loop;
  }

  /** Wakes the relay now (tests and in-process writers; NOTIFY does this across processes). */
  poke(): void {
    this.waker.wake();
  }

  async pendingCount(): Promise<number> {
    const rows = await this.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE ${SENDABLE}`);
    return rows[0].n as number;
  }

  async parkedCount(): Promise<number> {
    const rows = await this.dataSource.query('SELECT count(*)::int AS n FROM outbox WHERE parked_at IS NOT NULL AND published_at IS NULL');
    return rows[0].n as number;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        await this.lead();
        failures = 0;
      } catch (error) {
        failures += 1;
        this.logger.warn(`relay interrupted (${(error as Error).message}); retrying`);
        await this.releaseRunner();
        await this.waker.wait(backoffDelay(failures, { initialMs: 200, maxMs: 10_000 }));
      }
    }
    await this.releaseRunner();
  }

  /** Holds a connection with the advisory lock and LISTEN, and publishes while it is leader. */
  private async lead(): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    this.runner = runner;
    await runner.connect();
    const connection = (runner as unknown as { databaseConnection: import('pg').PoolClient }).databaseConnection;
    const onNotification = () => this.waker.wake();
    // the backend going away while the relay waits is an 'error' event of the client (fatal unhandled);
    // the wake makes the next statement fail, and the loop's retry takes a new connection
    const onError = (error: Error) => {
      this.logger.warn(`relay connection lost (${error.message})`);
      this.waker.wake();
    };
    connection.on('notification', onNotification);
    connection.on('error', onError);
    // the error listener stays: a client that errs after its release must not end the process
    this.detachListener = () => connection.off('notification', onNotification);
    await runner.query(`LISTEN ${OUTBOX_CHANNEL}`);
    while (this.running) {
      const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [RELAY_LOCK]);
      if (locked) break;
      this.stats.leader = false;
      await this.waker.wait(this.options.pollIntervalMs * 5);
    }
    this.stats.leader = true;
    let batch = await this.select(runner);
    while (this.running) {
      if (batch.length === 0) {
        await this.purge(runner);
        await this.waker.wait(this.options.pollIntervalMs);
        await this.linger();
        batch = await this.select(runner);
        continue;
      }
      const sent = await this.send(runner, batch);
      crashPoint('relay.afterPublish');
      if (batch.length < this.options.batchSize) await this.linger();
      batch = await this.markAndSelectNext(runner, sent);
    }
  }

  /** A partial batch: let the rows of transactions committing right now join the next request. */
  private async linger(): Promise<void> {
    if (this.options.lingerMs > 0 && this.running) await new Promise((resolve) => setTimeout(resolve, this.options.lingerMs));
  }

  private async select(runner: QueryRunner): Promise<Row[]> {
    return runner.query(`SELECT id, topic, message_key, headers, payload FROM outbox WHERE ${SENDABLE} ORDER BY id LIMIT $1`, [this.options.batchSize]);
  }

  /**
   * Marks the batch published and reads the next one in one round trip. The next rows are always the
   * lowest unpublished ids, never "ids after the batch": an id is taken at insert and becomes visible at
   * commit, so a row of a transaction that committed late can have a lower id than rows already sent,
   * and a later row of its key must not overtake it (the chaos test caught exactly that). The statement's
   * snapshot still sees the rows it marks as unpublished, hence the explicit exclusion.
   */
  private async markAndSelectNext(runner: QueryRunner, sent: Row[]): Promise<Row[]> {
    const ids = sent.map((r) => r.id);
    this.stats.published += sent.length;
    this.stats.batches += 1;
    if (ids.length === 0) return this.select(runner);
    return runner.query(
      `WITH marked AS (UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[]))
       SELECT id, topic, message_key, headers, payload FROM outbox
       WHERE ${SENDABLE} AND NOT (id = ANY($1::bigint[])) ORDER BY id LIMIT $2`,
      [ids, this.options.batchSize],
    );
  }

  /**
   * Sends the rows in requests of at most `maxRequestBytes`; returns those sent. A row too big for any
   * request, or refused for good by the broker, is parked, and later rows of its key in this batch are
   * held back (not sent, not marked): they wait behind it.
   */
  private async send(runner: QueryRunner, rows: Row[]): Promise<Row[]> {
    const blockedKeys = new Set<string | null>();
    const blocked = (row: Row) => row.message_key !== null && blockedKeys.has(row.message_key);
    const park = async (row: Row, reason: string) => {
      await runner.query(`UPDATE outbox SET parked_at = now(), parked_reason = $2 WHERE id = $1`, [row.id, reason]);
      if (row.message_key !== null) blockedKeys.add(row.message_key);
      this.stats.parked += 1;
      this.observer.onParked?.({ type: shortType(row.headers.ce_type) });
      this.logger.error(
        `parked outbox row ${row.id} (${row.headers.ce_type ?? 'record'} ${row.headers.ce_id ?? ''} key ${row.message_key}): ${reason}; later rows of this key wait until an operator releases it`,
      );
    };
    const requests: Row[][] = [];
    let request: Row[] = [];
    let requestBytes = 0;
    for (const row of rows) {
      const bytes = recordBytes({ key: row.message_key, headers: row.headers, payload: row.payload });
      if (bytes > this.options.maxRequestBytes) {
        await park(row, `record of ${bytes} bytes exceeds the relay's limit of ${this.options.maxRequestBytes} bytes per request (RELAY_MAX_REQUEST_BYTES)`);
        continue;
      }
      if (requestBytes + bytes > this.options.maxRequestBytes && request.length) {
        requests.push(request);
        request = [];
        requestBytes = 0;
      }
      request.push(row);
      requestBytes += bytes;
    }
    if (request.length) requests.push(request);
    const sent: Row[] = [];
    for (const candidate of requests) {
      const rowsToSend = candidate.filter((row) => !blocked(row));
      if (!rowsToSend.length) continue;
      try {
        await this.produce(rowsToSend);
        sent.push(...rowsToSend);
      } catch (error) {
        if (!refusedForGood(error)) throw error;
        await this.renewProducer();
        // Find the rows the broker refuses: one at a time, in order.
        for (const row of rowsToSend) {
          if (blocked(row)) continue;
          try {
            await this.produce([row]);
            sent.push(row);
          } catch (single) {
            if (!refusedForGood(single)) throw single;
            await this.renewProducer();
            await park(row, `the broker refused it: ${(single as Error).message}`);
          }
        }
      }
    }
    return sent;
  }

  private async produce(rows: Row[]): Promise<void> {
    const byTopic = new Map<string, TopicMessages>();
    for (const row of rows) {
      let entry = byTopic.get(row.topic);
      if (!entry) byTopic.set(row.topic, (entry = { topic: row.topic, messages: [] }));
      entry.messages.push({ key: row.message_key, value: row.payload, headers: row.headers });
    }
    await this.producer.sendBatch({ topicMessages: [...byTopic.values()], acks: -1 });
    const byType = new Map<string, number>();
    for (const row of rows) {
      const type = row.headers.dlq_code !== undefined ? 'dead-letter' : shortType(row.headers.ce_type);
      byType.set(type, (byType.get(type) ?? 0) + 1);
    }
    for (const [type, count] of byType) this.observer.onProduced?.({ type, count });
  }

  private async purge(runner: QueryRunner): Promise<void> {
    if (this.options.retainPublishedMs <= 0 || Date.now() - this.lastPurge < 60_000) return;
    this.lastPurge = Date.now();
    await runner.query(`DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1)`, [
      this.options.retainPublishedMs / 1000,
    ]);
  }

  private async releaseRunner(): Promise<void> {
    const runner = this.runner;
    this.runner = undefined;
    this.stats.leader = false;
    this.detachListener?.();
    this.detachListener = undefined;
    if (!runner || runner.isReleased) return;
    try {
      await runner.query('SELECT pg_advisory_unlock_all()');
      await runner.query('UNLISTEN *');
    } catch {
      // the connection is gone; the lock went with it
    }
    await runner.release().catch(() => undefined);
  }
}
