import type { DataSource } from 'typeorm';

/** What one of this service's consumer groups did with one event (its inbox row). */
export interface InboxOutcome {
  consumer: string;
  messageId: string;
  /** handled, ignored, dead-lettered… as the consumer recorded it. */
  outcome: string;
  processedAt: string;
}

/** The inbox rows of these event ids, for an offer's timeline. */
export async function inboxOutcomes(db: Pick<DataSource, 'query'>, messageIds: string[]): Promise<InboxOutcome[]> {
  const rows = (await db.query(
    `SELECT consumer, message_id, outcome, processed_at FROM inbox WHERE message_id = ANY($1::text[]) ORDER BY processed_at, consumer`,
    [messageIds],
  )) as Array<{ consumer: string; message_id: string; outcome: string; processed_at: Date }>;
  return rows.map((row) => ({ consumer: row.consumer, messageId: row.message_id, outcome: row.outcome, processedAt: row.processed_at.toISOString() }));
}
