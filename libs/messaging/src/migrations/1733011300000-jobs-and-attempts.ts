import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Durable jobs (long stage work). It also created the stages' attempt table before that moved to the
 * stage kit (@mkt/stages creates it if absent); the name stays, as databases that ran it know it by it.
 */
export class JobsAndAttempts1733011300000 implements MigrationInterface {
  name = 'JobsAndAttempts1733011300000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE jobs (
        id          bigserial   PRIMARY KEY,
        kind        text        NOT NULL,
        subject     text        NOT NULL,
        attempt     integer     NOT NULL,
        payload     jsonb       NOT NULL,
        state       text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'canceled', 'failed')),
        run_after   timestamptz NOT NULL DEFAULT now(),
        lease_until timestamptz,
        tries       integer     NOT NULL DEFAULT 0,
        progress    jsonb       NOT NULL DEFAULT '{}',
        last_error  text,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        UNIQUE (kind, subject, attempt)
      )`);
    await runner.query(`CREATE INDEX jobs_ready ON jobs (kind, run_after) WHERE state IN ('pending', 'running')`);
    await runner.query(`CREATE INDEX jobs_subject ON jobs (subject) WHERE state IN ('pending', 'running')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE jobs');
  }
}
