import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The image list of each attempt (from OfferSubmitted) and the outcome of each attempt's certification. */
export class CertificationTables1733200000000 implements MigrationInterface {
  name = 'CertificationTables1733200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE attempt_images (
        subject     text        NOT NULL,
        attempt     integer     NOT NULL,
        images      jsonb       NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (subject, attempt)
      )`);
    // one outcome per attempt: the primary key refuses a second one
    await runner.query(`
      CREATE TABLE certification_results (
        subject     text        NOT NULL,
        attempt     integer     NOT NULL,
        outcome     text        NOT NULL CHECK (outcome IN ('passed', 'failed')),
        checks      jsonb       NOT NULL,
        event_id    text        NOT NULL,
        decided_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (subject, attempt)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE certification_results');
    await runner.query('DROP TABLE attempt_images');
  }
}
