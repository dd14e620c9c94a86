import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fencing tokens for job leases: every claim takes the next generation, and renewals, checkpoints and
 * completions only count when they carry the current one, so a worker that lost its lease (stuck past
 * its expiry while another took the job over) can change nothing.
 */
export class JobFencing1733011350000 implements MigrationInterface {
  name = 'JobFencing1733011350000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE jobs ADD COLUMN lease_generation bigint NOT NULL DEFAULT 0`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE jobs DROP COLUMN lease_generation');
  }
}
