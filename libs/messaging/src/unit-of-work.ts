import type { PoolClient } from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { Envelope } from '@mkt/events';
import { appendToOutbox, eventRecord, type OutboxRecord } from './outbox';
import { queryRows } from './sql';

/**
 * One database transaction of a service. State changes go through `query`/`manager`; events go through
 * `emit` and are written to the outbox in the same transaction, so they are published if and only if
 * the transaction commits. There is no other way for a service to send an event.
 */
export interface Tx {
  readonly manager: EntityManager;
  /** Rows of the statement (also for UPDATE/DELETE ... RETURNING). */
  query<T = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<T[]>;
  /** Queues events for the outbox (written just before commit, in this transaction). */
  emit(...events: Envelope[]): void;
}

export class TransactionScope implements Tx {
  private readonly records: OutboxRecord[] = [];

  constructor(
    readonly runner: QueryRunner,
    private readonly topic: string,
  ) {}

  get manager(): EntityManager {
    return this.runner.manager;
  }

  query<T = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<T[]> {
    // Straight to the driver connection of this transaction: TypeORM's query wrapper costs more
    // per statement than the statement itself on the hot path.
    const connection = (this.runner as unknown as { databaseConnection?: PoolClient }).databaseConnection;
    if (!connection) return queryRows<T>(this.runner, sql, parameters);
    return connection.query(sql, parameters).then((result) => result.rows as T[]);
  }

  emit(...events: Envelope[]): void {
    for (const event of events) this.records.push(eventRecord(this.topic, event));
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
    await appendToOutbox(this.runner, this.records);
    this.records.length = 0;
  }
}

/** Runs work in one transaction with an outbox; commits, or rolls back and rethrows. */
export class UnitOfWork {
  constructor(
    readonly dataSource: DataSource,
    private readonly topic: string,
  ) {}

  async run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const scope = new TransactionScope(runner, this.topic);
      try {
        const result = await work(scope);
        await scope.flush();
        await runner.commitTransaction();
        return result;
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
    } finally {
      await runner.release();
    }
  }

  /** A transaction scope on a runner the caller controls (the consumer batches its own transactions). */
  scope(runner: QueryRunner): TransactionScope {
    return new TransactionScope(runner, this.topic);
  }
}
