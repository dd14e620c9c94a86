import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import type { EncodedRecord, MessagingEvent } from './codec';
import { appendToOutbox, eventRecord, type OutboxRecord } from './outbox';

/**
 * One database transaction of a service. State changes go through `query`; events go through `emit`
 * and are written to the outbox in the same transaction, so they are published if and only if the
 * transaction commits. There is no other way for a service to send an event.
 */
export interface Tx {
  /** Rows of the statement (also for UPDATE/DELETE ... RETURNING). */
  query<T = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<T[]>;
  /** Queues events for the outbox (written just before commit, in this transaction). */
  emit(...events: MessagingEvent[]): void;
}

/** Where a service's events go: the topic, and its codec's encoder (the service emits its own union only). */
export interface OutboxTarget {
  topic: string;
  encode(event: MessagingEvent): EncodedRecord;
}

/** The pg pool under a TypeORM DataSource: transactions on the hot path skip TypeORM's per-query machinery. */
export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

export class TransactionScope implements Tx {
  private readonly records: OutboxRecord[] = [];

  constructor(
    readonly client: PoolClient,
    private readonly outbox: OutboxTarget,
  ) {}

  query<T = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<T[]> {
    return this.client.query(sql, parameters).then((result) => result.rows as T[]);
  }

  emit(...events: MessagingEvent[]): void {
    for (const event of events) this.records.push(eventRecord(this.outbox.topic, event, this.outbox.encode));
  }

  /** Queues a raw record (dead letters). */
  append(record: OutboxRecord): void {
    this.records.push(record);
  }

  /** Position to roll back to when a savepoint is rolled back. */
  mark(): number {
    return this.records.length;
  }

  rewind(mark: number): void {
    this.records.length = mark;
  }

  get pendingRecords(): number {
    return this.records.length;
  }

  async flush(): Promise<void> {
    await appendToOutbox(this.client, this.records);
    this.records.length = 0;
  }
}

/**
 * BEGIN, work, outbox, COMMIT on one pooled connection; ROLLBACK and rethrow on any error. A connection
 * that cannot even roll back is discarded rather than returned to the pool.
 */
export async function inTransaction<T>(pool: Pool, outbox: OutboxTarget, work: (scope: TransactionScope) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out client emits 'error' when its backend goes away; the failing query reports it, and
  // without a listener the event would take the whole process down.
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const scope = new TransactionScope(client, outbox);
    try {
      const result = await work(scope);
      await scope.flush();
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: Error) => {
        broken = rollback;
      });
      throw error;
    }
  } catch (error) {
    broken ??= isConnectionError(error) ? (error as Error) : undefined;
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  // class 08: connection exceptions; 57P01-03: the server is shutting down or terminated us
  return !code || code.startsWith('08') || code.startsWith('57P');
}

/** Runs work in one transaction with an outbox; commits, or rolls back and rethrows. */
export class UnitOfWork {
  private readonly pool: Pool;

  constructor(
    readonly dataSource: DataSource,
    private readonly outbox: OutboxTarget,
  ) {
    this.pool = poolOf(dataSource);
  }

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, this.outbox, work);
  }
}
