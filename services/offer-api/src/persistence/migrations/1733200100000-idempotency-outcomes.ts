import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys keep the command's outcome (accepted with its operation, or refused with the reason)
 * instead of the HTTP response it was sent as: the HTTP layer renders both the same way every time.
 * Stored responses become outcomes (202: accepted; the only other stored status is the 409 refusal).
 */
export class IdempotencyOutcomes1733200100000 implements MigrationInterface {
  name = 'IdempotencyOutcomes1733200100000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE idempotency_keys ADD COLUMN outcome jsonb`);
    await runner.query(`
      UPDATE idempotency_keys SET outcome = CASE status
        WHEN 202 THEN jsonb_build_object('kind', 'accepted', 'operation', body)
        ELSE jsonb_build_object('kind', 'refused', 'code', body->'code', 'reason', body->'message', 'state', body->'state') END
       WHERE status IS NOT NULL`);
    await runner.query(`ALTER TABLE idempotency_keys DROP COLUMN status, DROP COLUMN headers, DROP COLUMN body`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE idempotency_keys ADD COLUMN status integer, ADD COLUMN headers jsonb, ADD COLUMN body jsonb`);
    await runner.query(`
      UPDATE idempotency_keys SET
        status = CASE outcome->>'kind' WHEN 'accepted' THEN 202 ELSE 409 END,
        headers = CASE outcome->>'kind'
          WHEN 'accepted' THEN jsonb_build_object('operation-location',
            '/api/publishers/' || (outcome->'operation'->>'publisherId') || '/offers/' || (outcome->'operation'->>'offerId') ||
            '/operations/' || (outcome->'operation'->>'id') || '?api-version=2017-10-31')
          ELSE '{}'::jsonb END,
        body = CASE outcome->>'kind'
          WHEN 'accepted' THEN outcome->'operation'
          ELSE jsonb_build_object('statusCode', 409, 'code', outcome->'code', 'message', outcome->'reason', 'state', outcome->'state') END
       WHERE outcome IS NOT NULL`);
    await runner.query(`ALTER TABLE idempotency_keys DROP COLUMN outcome`);
  }
}
