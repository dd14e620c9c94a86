import { queryRows, type Tx } from '@mkt/messaging';
import type { DataSource } from 'typeorm';

export const MAILS_CHANNEL = 'mails_ready';

/** An e-mail about one event to one recipient, rendered when the event was consumed. */
export interface NewMail {
  eventId: string;
  recipient: string;
  eventType: string;
  /** The offer (`publisherId/offerId`). */
  subject: string;
  attempt: number;
  correlationId: string;
  language: string;
  messageId: string;
  mailSubject: string;
  html: string;
  text: string;
}

export interface ClaimedMail extends NewMail {
  id: string;
  /** This try's number (1 for the first). */
  tries: number;
}

interface MailRow {
  id: string;
  event_id: string;
  recipient: string;
  event_type: string;
  subject: string;
  attempt: number;
  correlation_id: string;
  language: string;
  message_id: string;
  mail_subject: string;
  html: string;
  text: string;
  tries: number;
}

/** Records the mails to send, in the consumer's transaction; one per (event, recipient) whatever the redeliveries. */
export async function queueMails(tx: Tx, mails: readonly NewMail[]): Promise<number> {
  if (mails.length === 0) return 0;
  const columns = (pick: (m: NewMail) => string | number) => mails.map(pick);
  const rows = await tx.query(
    `INSERT INTO mails (event_id, recipient, event_type, subject, attempt, correlation_id, language, message_id, mail_subject, html, text)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
     ON CONFLICT DO NOTHING RETURNING id`,
    [
      columns((m) => m.eventId),
      columns((m) => m.recipient),
      columns((m) => m.eventType),
      columns((m) => m.subject),
      columns((m) => m.attempt),
      columns((m) => m.correlationId),
      columns((m) => m.language),
      columns((m) => m.messageId),
      columns((m) => m.mailSubject),
      columns((m) => m.html),
      columns((m) => m.text),
    ],
  );
  if (rows.length > 0) await tx.query(`SELECT pg_notify('${MAILS_CHANNEL}', '')`);
  return rows.length;
}

/**
 * Takes due mails for sending (any number of instances share them: SKIP LOCKED). A mail whose sender
 * died while sending ('sending' with an expired lease) is taken again: it may then be sent a second
 * time, with the same Message-ID.
 */
export async function claimDueMails(dataSource: DataSource, limit: number, leaseMs: number): Promise<ClaimedMail[]> {
  const rows = await queryRows<MailRow>(
    dataSource,
    `UPDATE mails SET state = 'sending', tries = tries + 1, updated_at = now(), lease_until = now() + make_interval(secs => $2)
     WHERE id IN (
       SELECT id FROM mails
       WHERE run_after <= now() AND (state = 'pending' OR (state = 'sending' AND lease_until < now()))
       ORDER BY run_after, id
       LIMIT $1
       FOR UPDATE SKIP LOCKED)
     RETURNING id, event_id, recipient, event_type, subject, attempt, correlation_id, language, message_id, mail_subject, html, text, tries`,
    [limit, leaseMs / 1000],
  );
  return rows.map((row) => ({
    id: String(row.id),
    eventId: row.event_id,
    recipient: row.recipient,
    eventType: row.event_type,
    subject: row.subject,
    attempt: row.attempt,
    correlationId: row.correlation_id,
    language: row.language,
    messageId: row.message_id,
    mailSubject: row.mail_subject,
    html: row.html,
    text: row.text,
    tries: row.tries,
  }));
}

/** The mail is still this sender's (same try, still sending); the other updates only apply then. */
const OURS = `id = $1 AND tries = $2 AND state = 'sending'`;

export async function renewLease(dataSource: DataSource, mail: ClaimedMail, leaseMs: number): Promise<boolean> {
  const rows = await queryRows(dataSource, `UPDATE mails SET lease_until = now() + make_interval(secs => $3) WHERE ${OURS} RETURNING id`, [
    mail.id,
    mail.tries,
    leaseMs / 1000,
  ]);
  return rows.length > 0;
}

export async function markSent(tx: Tx, mail: ClaimedMail, smtpResponse: string): Promise<boolean> {
  const rows = await tx.query(
    `UPDATE mails SET state = 'sent', smtp_response = $3, lease_until = NULL, finished_at = now(), updated_at = now() WHERE ${OURS} RETURNING id`,
    [mail.id, mail.tries, smtpResponse],
  );
  return rows.length > 0;
}

export async function markFailed(tx: Tx, mail: ClaimedMail, reason: string): Promise<boolean> {
  const rows = await tx.query(
    `UPDATE mails SET state = 'failed', last_error = $3, lease_until = NULL, finished_at = now(), updated_at = now() WHERE ${OURS} RETURNING id`,
    [mail.id, mail.tries, reason],
  );
  return rows.length > 0;
}

export async function scheduleRetry(dataSource: DataSource, mail: ClaimedMail, delayMs: number, error: string): Promise<boolean> {
  const rows = await queryRows(
    dataSource,
    `UPDATE mails SET state = 'pending', last_error = $3, lease_until = NULL, updated_at = now(), run_after = now() + make_interval(secs => $4)
     WHERE ${OURS} RETURNING id`,
    [mail.id, mail.tries, error, delayMs / 1000],
  );
  return rows.length > 0;
}
