import { Logger } from '@nestjs/common';
import type { Producer, TopicMessages } from 'kafkajs';
import type { DataSource, QueryRunner } from 'typeorm';
import { crashPoint } from './faults';
import { OUTBOX_CHANNEL } from './outbox';
import { backoffDelay, Waker } from './retry';

export interface RelayOptions {
  /** Rows per Kafka request. */
  batchSize: number;
  /** After a wake-up, wait this long for more rows so that one request carries them (Kafka's linger.ms). */
  lingerMs: number;
  /** Fallback poll when no NOTIFY arrives (a NOTIFY wakes the relay at once). */
  pollIntervalMs: number;
  /** Published rows older than this are deleted; 0 keeps them. */
  retainPublishedMs: number;
}

export const DEFAULT_RELAY_OPTIONS: RelayOptions = { batchSize: 1000, lingerMs: 10, pollIntervalMs: 1000, retainPublishedMs: 24 * 3600_000 };

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
  leader: boolean;
}

/**
 * Publishes the outbox to Kafka: reads unpublished rows in id order, sends them with the idempotent
 * producer (acks=all) and marks them published. A crash between sending and marking sends those rows
 * again on restart: consumers drop the duplicates by event id.
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly waker = new Waker();
  private running = false;
  private loop?: Promise<void>;
  private runner?: QueryRunner;
  private detachListener?: () => void;
  private lastPurge = 0;
  readonly stats: RelayStats = { published: 0, batches: 0, leader: false };

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: Producer,
    private readonly options: RelayOptions = DEFAULT_RELAY_OPTIONS,
  ) {}

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
    const rows = await this.dataSource.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
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
    connection.on('notification', onNotification);
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
      await this.send(batch);
      crashPoint('relay.afterPublish');
      if (batch.length < this.options.batchSize) await this.linger();
      batch = await this.markAndSelectNext(runner, batch);
    }
  }

  /** A partial batch: let the rows of transactions committing right now join the next request. */
  private async linger(): Promise<void> {
    if (this.options.lingerMs > 0 && this.running) await new Promise((resolve) => setTimeout(resolve, this.options.lingerMs));
  }

  private lastFullSelect = 0;

  private async select(runner: QueryRunner): Promise<Row[]> {
    this.lastFullSelect = Date.now();
    return runner.query(`SELECT id, topic, message_key, headers, payload FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1`, [this.options.batchSize]);
  }

  /**
   * Marks the batch published and reads the next one in one round trip. The next rows are taken after
   * the batch's last id; a row whose transaction committed late with a lower id is picked up by the
   * plain select, done at least every 200 ms and whenever the outbox looks empty.
   */
  private async markAndSelectNext(runner: QueryRunner, batch: Row[]): Promise<Row[]> {
    const ids = batch.map((r) => r.id);
    this.stats.published += batch.length;
    this.stats.batches += 1;
    if (Date.now() - this.lastFullSelect > 200) {
      await runner.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [ids]);
      return this.select(runner);
    }
    return runner.query(
      `WITH marked AS (UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[]))
       SELECT id, topic, message_key, headers, payload FROM outbox
       WHERE published_at IS NULL AND id > $2 ORDER BY id LIMIT $3`,
      [ids, ids[ids.length - 1], this.options.batchSize],
    );
  }

  private async send(rows: Row[]): Promise<void> {
    const byTopic = new Map<string, TopicMessages>();
    for (const row of rows) {
      let entry = byTopic.get(row.topic);
      if (!entry) byTopic.set(row.topic, (entry = { topic: row.topic, messages: [] }));
      entry.messages.push({ key: row.message_key, value: row.payload, headers: row.headers });
    }
    await this.producer.sendBatch({ topicMessages: [...byTopic.values()], acks: -1 });
  }

  private async purge(runner: QueryRunner): Promise<void> {
    if (this.options.retainPublishedMs <= 0 || Date.now() - this.lastPurge < 60_000) return;
    this.lastPurge = Date.now();
    await runner.query(
      `DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1)`,
      [this.options.retainPublishedMs / 1000],
    );
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
