import { encodeEvent, type Envelope } from '@mkt/events';

/** A record waiting in the outbox: exactly what the relay will hand to Kafka. */
export interface OutboxRecord {
  topic: string;
  key: string | null;
  headers: Record<string, string>;
  payload: Buffer | null;
}

export const OUTBOX_CHANNEL = 'outbox_pending';

export function eventRecord(topic: string, event: Envelope): OutboxRecord {
  const message = encodeEvent(event);
  return {
    topic,
    key: message.key === null ? null : message.key.toString(),
    headers: message.headers,
    payload: message.value === null ? null : Buffer.from(message.value),
  };
}

/** Writes records to the outbox in one statement and wakes the relay when the transaction commits. */
export async function appendToOutbox(connection: { query(sql: string, parameters?: unknown[]): Promise<unknown> }, records: readonly OutboxRecord[]): Promise<void> {
  if (records.length === 0) return;
  // One round trip: the rows, and a wake-up for the relay delivered at commit (collapsed per transaction).
  await connection.query(
    `WITH appended AS (
       INSERT INTO outbox (topic, message_key, headers, payload)
       SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::bytea[]))
     SELECT pg_notify('${OUTBOX_CHANNEL}', '')`,
    [records.map((r) => r.topic), records.map((r) => r.key), records.map((r) => JSON.stringify(r.headers)), records.map((r) => r.payload)],
  );
}
