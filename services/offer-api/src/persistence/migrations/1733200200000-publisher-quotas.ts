import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the publisher quotas count: each draft's size as stored, kept by PostgreSQL itself so that every
 * write path keeps it right, and the publishes of a publisher by time.
 */
export class PublisherQuotas1733200200000 implements MigrationInterface {
  name = 'PublisherQuotas1733200200000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE offers ADD COLUMN draft_bytes integer GENERATED ALWAYS AS (octet_length(draft::text)) STORED`);
    await runner.query(`CREATE INDEX operations_publisher_command ON operations (publisher_id, command, created_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX operations_publisher_command`);
    await runner.query(`ALTER TABLE offers DROP COLUMN draft_bytes`);
  }
}
