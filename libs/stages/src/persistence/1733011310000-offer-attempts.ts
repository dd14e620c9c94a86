import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The attempt each offer is at, as one stage has seen it. Databases created before the stage kit have
 * it already (it came with the job tables, JobsAndAttempts1733011300000), hence IF NOT EXISTS.
 */
export class OfferAttempts1733011310000 implements MigrationInterface {
  name = 'OfferAttempts1733011310000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE IF NOT EXISTS offer_attempts (
        subject     text        PRIMARY KEY,
        attempt     integer     NOT NULL,
        state       text        NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE offer_attempts');
  }
}
