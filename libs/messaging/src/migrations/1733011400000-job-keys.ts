import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several jobs of one kind for one offer attempt, told apart by a key (e.g. one e-mail per event and
 * recipient). Jobs from before have the empty key, so their uniqueness is what it was.
 */
export class JobKeys1733011400000 implements MigrationInterface {
  name = 'JobKeys1733011400000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE jobs ADD COLUMN job_key text NOT NULL DEFAULT ''`);
    await runner.query(`ALTER TABLE jobs DROP CONSTRAINT jobs_kind_subject_attempt_key`);
    await runner.query(`ALTER TABLE jobs ADD CONSTRAINT jobs_identity UNIQUE (kind, subject, attempt, job_key)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE jobs DROP CONSTRAINT jobs_identity');
    await runner.query('ALTER TABLE jobs ADD CONSTRAINT jobs_kind_subject_attempt_key UNIQUE (kind, subject, attempt)');
    await runner.query('ALTER TABLE jobs DROP COLUMN job_key');
  }
}
