import type { MigrationInterface, QueryRunner } from 'typeorm';
import { STAGE_MIGRATIONS } from '@mkt/stages';

/** The images of each submitted attempt, kept from OfferSubmitted until certification passes. */
export class ProvisioningTables1733200000000 implements MigrationInterface {
  name = 'ProvisioningTables1733200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE submitted_images (
        subject      text        NOT NULL,
        attempt      integer     NOT NULL,
        images       jsonb       NOT NULL,
        submitted_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (subject, attempt)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE submitted_images');
  }
}

export const PROVISIONING_MIGRATIONS = [...STAGE_MIGRATIONS, ProvisioningTables1733200000000];
