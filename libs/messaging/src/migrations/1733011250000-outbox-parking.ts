import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Parked outbox rows: a row the broker refuses for good (too large, invalid) is set aside with the reason,
 * and later rows of the same key wait behind it (one key waits, not the pipeline) until an operator
 * releases it (retry) or discards it.
 */
export class OutboxParking1733011250000 implements MigrationInterface {
  name = 'OutboxParking1733011250000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE outbox ADD COLUMN parked_at timestamptz, ADD COLUMN parked_reason text, ADD COLUMN discarded_at timestamptz`);
    await runner.query(`CREATE INDEX outbox_parked ON outbox (message_key, id) WHERE parked_at IS NOT NULL AND published_at IS NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX outbox_parked');
    await runner.query('ALTER TABLE outbox DROP COLUMN parked_at, DROP COLUMN parked_reason, DROP COLUMN discarded_at');
  }
}
