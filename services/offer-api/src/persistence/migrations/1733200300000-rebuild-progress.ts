import type { MigrationInterface, QueryRunner } from 'typeorm';

/** How far a running projection rebuild is, for the operators following it (`npm run ops -- rebuild`). */
export class RebuildProgress1733200300000 implements MigrationInterface {
  name = 'RebuildProgress1733200300000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE projection_rebuilds ADD COLUMN progress jsonb`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE projection_rebuilds DROP COLUMN progress`);
  }
}
