import { queryRows, type Tx } from '@mkt/messaging';
import type { DataSource } from 'typeorm';
import type { MailRef } from '../domain';

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

export interface StoredMail extends MailRef {
  html: string;
  text: string;
  state: 'pending' | 'sending' | 'sent' | 'failed';
}

interface MailRow {
  id: string;
  event_id: string;
  recipient: string;
  event_type: string;
  language: string;
  message_id: string;
  mail_subject: string;
  html: string;
  text: string;
  state: StoredMail['state'];
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
  return rows.length;
}

/** The mail a send-mail job sends. */
export async function loadMail(dataSource: DataSource, eventId: string, recipient: string): Promise<StoredMail | undefined> {
  const [row] = await queryRows<MailRow>(
    dataSource,
    `SELECT id, event_id, recipient, event_type, language, message_id, mail_subject, html, text, state FROM mails WHERE event_id = $1 AND recipient = $2`,
    [eventId, recipient],
  );
  if (!row) return undefined;
  return {
    id: String(row.id),
    eventId: row.event_id,
    recipient: row.recipient,
    eventType: row.event_type,
    language: row.language,
    messageId: row.message_id,
    mailSubject: row.mail_subject,
    html: row.html,
    text: row.text,
    state: row.state,
  };
}

/*
 * The mail's row is its log: the job engine decides who sends it and when (the job row holds the lease);
 * these record what the job did, in the job's own fenced transactions.
 */

export async function markSending(tx: Tx, mailId: string, tries: number): Promise<void> {
  await tx.query(`UPDATE mails SET state = 'sending', tries = $2, updated_at = now() WHERE id = $1`, [mailId, tries]);
}

/** Not delivered this time; the job tries again later. */
export async function markPending(tx: Tx, mailId: string, error: string): Promise<void> {
  await tx.query(`UPDATE mails SET state = 'pending', last_error = $2, updated_at = now() WHERE id = $1`, [mailId, error]);
}

export async function markSent(tx: Tx, mailId: string, smtpResponse: string): Promise<void> {
  await tx.query(`UPDATE mails SET state = 'sent', smtp_response = $2, finished_at = now(), updated_at = now() WHERE id = $1`, [mailId, smtpResponse]);
}

export async function markFailed(tx: Tx, mailId: string, reason: string): Promise<void> {
  await tx.query(`UPDATE mails SET state = 'failed', last_error = $2, finished_at = now(), updated_at = now() WHERE id = $1`, [mailId, reason]);
}

/** A mail given up on, as operators list it (the recipient is masked by the caller). */
export interface FailedMail {
  id: string;
  messageId: string;
  recipient: string;
  eventType: string;
  subject: string;
  attempt: number;
  tries: number;
  lastError: string | null;
  failedAt: Date;
}

/** Failed mails, newest first; of one offer (`publisherId/offerId`) when given. */
export async function listFailedMails(dataSource: DataSource, filter: { offer?: string; limit: number }): Promise<FailedMail[]> {
  const rows = await queryRows<Record<string, unknown>>(
    dataSource,
    `SELECT id, message_id, recipient, event_type, subject, attempt, tries, last_error, finished_at
     FROM mails WHERE state = 'failed' AND ($1::text IS NULL OR subject = $1) ORDER BY finished_at DESC, id DESC LIMIT $2`,
    [filter.offer ?? null, filter.limit],
  );
  return rows.map((r) => ({
    id: String(r.id),
    messageId: r.message_id as string,
    recipient: r.recipient as string,
    eventType: r.event_type as string,
    subject: r.subject as string,
    attempt: r.attempt as number,
    tries: r.tries as number,
    lastError: (r.last_error as string | null) ?? null,
    failedAt: r.finished_at as Date,
  }));
}

export type ResendResult =
  { outcome: 'resent' | 'already-resent'; messageId: string; by: string; at: Date } | { outcome: 'not-failed'; messageId: string } | { outcome: 'not-found' };

/**
 * Puts a failed mail back to be sent, with its Message-ID unchanged: the mail pending again and its
 * send-mail job due now with fresh tries, and the resend recorded for that failure (mail_resends, keyed by
 * the mail and when it failed). A mail that is not failed (it is being or was resent, or never failed)
 * changes nothing: `already-resent` with the last resend, or `not-failed`.
 */
export async function resendFailedMail(tx: Tx, mailId: string, by: string): Promise<ResendResult> {
  const [mail] = await tx.query<{ id: string; state: string; finished_at: Date | null; message_id: string; event_id: string; recipient: string }>(
    `SELECT id, state, finished_at, message_id, event_id, recipient FROM mails WHERE id = $1 FOR UPDATE`,
    [mailId],
  );
  if (!mail) return { outcome: 'not-found' };
  if (mail.state !== 'failed') {
    const [last] = await tx.query<{ by: string; at: Date }>(`SELECT "by", at FROM mail_resends WHERE mail_id = $1 ORDER BY at DESC LIMIT 1`, [mailId]);
    return last ? { outcome: 'already-resent', messageId: mail.message_id, by: last.by, at: last.at } : { outcome: 'not-failed', messageId: mail.message_id };
  }
  const [resend] = await tx.query<{ at: Date }>(`INSERT INTO mail_resends (mail_id, failed_at, "by") VALUES ($1, $2, $3) RETURNING at`, [
    mailId,
    mail.finished_at,
    by,
  ]);
  await tx.query(`UPDATE mails SET state = 'pending', tries = 0, run_after = now(), finished_at = NULL, updated_at = now() WHERE id = $1`, [mailId]);
  const jobs = await tx.query(
    `UPDATE jobs SET state = 'pending', tries = 0, run_after = now(), lease_until = NULL, last_error = NULL, updated_at = now()
     WHERE kind = 'send-mail' AND job_key = $1 AND state IN ('done', 'failed') RETURNING id`,
    [`${mail.event_id} ${mail.recipient}`],
  );
  if (jobs.length === 0) throw new Error(`mail ${mailId} has no finished send-mail job to run again`);
  await tx.query(`SELECT pg_notify('jobs_ready', 'send-mail')`);
  return { outcome: 'resent', messageId: mail.message_id, by, at: resend.at };
}
