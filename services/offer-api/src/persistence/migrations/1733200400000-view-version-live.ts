import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Beside each status view row: when its live version went live (the lists show the live marker without
 * reading whole views) and the version of the fold that wrote it (VIEW_VERSION in domain/status-view.ts;
 * 0 for the rows written before it was recorded, which offer-api then rebuilds from the log at start-up).
 */
export class ViewVersionLive1733200400000 implements MigrationInterface {
  name = 'ViewVersionLive1733200400000';

  async up(runner: QueryRunner): Promise<void> {
    await addViewColumns(runner, '');
    // what the stored views already know: their live version did not change with the fold
    await runner.query(`UPDATE offer_status_view SET live_time = view->'live'->>'time' WHERE live_attempt IS NOT NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE offer_status_view DROP COLUMN live_time, DROP COLUMN view_version`);
  }
}

/** The columns this migration adds; a rebuild's shadow tables get them too (in the same order, for the checksum). */
export async function addViewColumns(runner: { query(sql: string): Promise<unknown> }, prefix: string): Promise<void> {
  await runner.query(`ALTER TABLE ${prefix}offer_status_view ADD COLUMN live_time text, ADD COLUMN view_version integer NOT NULL DEFAULT 0`);
}
