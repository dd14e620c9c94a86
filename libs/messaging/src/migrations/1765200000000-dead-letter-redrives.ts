import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operators' redrives of dead letters, one row per dead-letter record (`<topic>:<partition>:<offset>`):
 * who asked, when, and what the consumer that had failed did with it. Written in the transaction that
 * re-handles the record, so a repeated redrive finds the row and changes nothing.
 */
export class DeadLetterRedrives1765200000000 implements MigrationInterface {
  name = 'DeadLetterRedrives1765200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE dead_letter_redrives (
        id       text        PRIMARY KEY,
        consumer text        NOT NULL,
        "by"     text        NOT NULL,
        at       timestamptz NOT NULL DEFAULT now(),
        outcome  text        NOT NULL CHECK (outcome IN ('handled', 'dead-lettered-again', 'already-handled'))
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE dead_letter_redrives');
  }
}
