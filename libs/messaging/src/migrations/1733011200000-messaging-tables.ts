import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Outbox (events to publish, written with the state change) and inbox (messages already handled). */
export class MessagingTables1733011200000 implements MigrationInterface {
  name = 'MessagingTables1733011200000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE outbox (
        id           bigserial PRIMARY KEY,
        topic        text        NOT NULL,
        message_key  text,
        headers      jsonb       NOT NULL DEFAULT '{}',
        payload      bytea,
        created_at   timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    // The relay reads unpublished rows in id order; published rows stay for diagnosis until purged.
    await runner.query(`CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL`);
    await runner.query(`
      CREATE TABLE inbox (
        consumer     text        NOT NULL,
        message_id   text        NOT NULL,
        topic        text        NOT NULL,
        partition    integer     NOT NULL,
        "offset"     bigint      NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        outcome      text        NOT NULL DEFAULT 'handled',
        PRIMARY KEY (consumer, message_id)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE inbox');
    await runner.query('DROP TABLE outbox');
  }
}
