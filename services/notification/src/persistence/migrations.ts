import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `notification_attempts`: per offer, the attempt this service is at and whom to write to (from its
 * OfferSubmitted). `mails`: one row per (event, recipient), written by the consumer and sent by the mail
 * worker; it is both the outbox of e-mails (pending/sending) and the sent log (sent/failed).
 */
export class NotificationTables1733200000000 implements MigrationInterface {
  name = 'NotificationTables1733200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE notification_attempts (
        subject                  text        PRIMARY KEY,
        attempt                  integer     NOT NULL,
        publisher_id             text        NOT NULL,
        offer_id                 text        NOT NULL,
        recipients               jsonb       NOT NULL,
        language                 text        NOT NULL,
        offer_title              text        NOT NULL,
        preview_subscription_ids jsonb       NOT NULL,
        updated_at               timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE mails (
        id              bigserial   PRIMARY KEY,
        event_id        text        NOT NULL,
        recipient       text        NOT NULL,
        event_type      text        NOT NULL,
        subject         text        NOT NULL,
        attempt         integer     NOT NULL,
        correlation_id  text        NOT NULL,
        language        text        NOT NULL,
        message_id      text        NOT NULL UNIQUE,
        mail_subject    text        NOT NULL,
        html            text        NOT NULL,
        text            text        NOT NULL,
        state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
        tries           integer     NOT NULL DEFAULT 0,
        run_after       timestamptz NOT NULL DEFAULT now(),
        lease_until     timestamptz,
        last_error      text,
        smtp_response   text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        finished_at     timestamptz,
        UNIQUE (event_id, recipient)
      )`);
    await runner.query(`CREATE INDEX mails_due ON mails (run_after) WHERE state IN ('pending', 'sending')`);
    await runner.query(`CREATE INDEX mails_subject ON mails (subject)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE mails');
    await runner.query('DROP TABLE notification_attempts');
  }
}

/**
 * Sending moved onto the job engine (one send-mail job per mail): mails still to send when the database
 * was upgraded get their job, due when the mail was. Their lease column is no longer used.
 */
export class MailJobs1733300000000 implements MigrationInterface {
  name = 'MailJobs1733300000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      INSERT INTO jobs (kind, subject, attempt, job_key, payload, run_after, tries)
      SELECT 'send-mail', subject, attempt, event_id || ' ' || recipient,
             jsonb_build_object('eventId', event_id, 'recipient', recipient, 'correlationId', correlation_id, 'causationId', event_id),
             run_after, tries
      FROM mails WHERE state IN ('pending', 'sending')
      ON CONFLICT DO NOTHING`);
  }

  async down(): Promise<void> {
    // the jobs stay: the mails table alone no longer tells who sends a mail
  }
}

/** Operators' resends of failed mails: one per failure of a mail (a repeated resend finds it and sends nothing). */
export class MailResends1765300000000 implements MigrationInterface {
  name = 'MailResends1765300000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE mail_resends (
        mail_id   bigint      NOT NULL REFERENCES mails (id),
        failed_at timestamptz NOT NULL,
        "by"      text        NOT NULL,
        at        timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (mail_id, failed_at)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE mail_resends');
  }
}
