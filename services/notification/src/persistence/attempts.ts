import type { Tx } from '@mkt/messaging';
import type { AttemptContacts } from '../domain';

interface AttemptRow {
  attempt: number;
  publisher_id: string;
  offer_id: string;
  recipients: string[];
  language: string;
  offer_title: string;
  preview_subscription_ids: string[];
}

/** Reads and locks the offer's attempt record (one event of an offer at a time), if there is one. */
export async function lockContacts(tx: Tx, subject: string): Promise<AttemptContacts | undefined> {
  const [row] = await tx.query<AttemptRow>(
    `SELECT attempt, publisher_id, offer_id, recipients, language, offer_title, preview_subscription_ids
     FROM notification_attempts WHERE subject = $1 FOR UPDATE`,
    [subject],
  );
  if (!row) return undefined;
  return {
    attempt: row.attempt,
    publisherId: row.publisher_id,
    offerId: row.offer_id,
    recipients: row.recipients,
    language: row.language,
    offerTitle: row.offer_title,
    previewSubscriptionIds: row.preview_subscription_ids,
  };
}

/** Stores a newer attempt; an older one never overwrites it. */
export async function saveContacts(tx: Tx, subject: string, contacts: AttemptContacts): Promise<void> {
  await tx.query(
    `INSERT INTO notification_attempts (subject, attempt, publisher_id, offer_id, recipients, language, offer_title, preview_subscription_ids)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (subject) DO UPDATE SET
       attempt = EXCLUDED.attempt, publisher_id = EXCLUDED.publisher_id, offer_id = EXCLUDED.offer_id,
       recipients = EXCLUDED.recipients, language = EXCLUDED.language, offer_title = EXCLUDED.offer_title,
       preview_subscription_ids = EXCLUDED.preview_subscription_ids, updated_at = now()
     WHERE notification_attempts.attempt < EXCLUDED.attempt`,
    [
      subject,
      contacts.attempt,
      contacts.publisherId,
      contacts.offerId,
      JSON.stringify(contacts.recipients),
      contacts.language,
      contacts.offerTitle,
      JSON.stringify(contacts.previewSubscriptionIds),
    ],
  );
}
