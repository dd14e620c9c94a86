import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Beside each status view row: the GET status response rendered from it (JSON text, in the offer's
 * notification language) and the version it was rendered with (RESPONSE_TEXT_VERSION). Rows written before
 * have none and are rendered on each read, as every row was before, until the projection writes them again.
 */
export class ResponseText1733200500000 implements MigrationInterface {
  name = 'ResponseText1733200500000';

  async up(runner: QueryRunner): Promise<void> {
    await addResponseTextColumns(runner, '');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE offer_status_view DROP COLUMN response_json, DROP COLUMN response_language, DROP COLUMN response_version`);
  }
}

/** The columns this migration adds; a rebuild's shadow tables get them too (in the same order, for the checksum). */
export async function addResponseTextColumns(runner: { query(sql: string): Promise<unknown> }, prefix: string): Promise<void> {
  await runner.query(
    `ALTER TABLE ${prefix}offer_status_view ADD COLUMN response_json text, ADD COLUMN response_language text, ADD COLUMN response_version text`,
  );
}
