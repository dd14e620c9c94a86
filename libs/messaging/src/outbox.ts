import type { EncodedRecord, MessagingEvent } from './codec';
import { envInt } from './config';
import { EventTooLargeError } from './errors';

/** A record waiting in the outbox: exactly what the relay will hand to Kafka. */
export interface OutboxRecord {
  topic: string;
  key: string | null;
  headers: Record<string, string>;
  payload: Buffer | null;
}

export const OUTBOX_CHANNEL = 'outbox_pending';

/**
 * The size budget of one event (payload, key and headers), well under the broker's message.max.bytes
 * (4 MiB in scripts/infra/kafka.js, docker-compose.yml and deploy/), so that an event we accept is one the
 * broker takes. Stages cap what they list (problems, checks) to stay far below it.
 */
export const DEFAULT_EVENT_MAX_BYTES = 1024 * 1024;

export function eventBudgetFromEnv(): number {
  return envInt('EVENT_MAX_BYTES', DEFAULT_EVENT_MAX_BYTES, { min: 1024 });
}

let eventBudget: number | undefined;

/** Bytes the record takes on the wire, near enough to compare with the broker's limit. */
export function recordBytes(record: Pick<OutboxRecord, 'key' | 'headers' | 'payload'>): number {
  let bytes = (record.payload?.length ?? 0) + (record.key === null ? 0 : Buffer.byteLength(record.key));
  for (const [name, value] of Object.entries(record.headers)) bytes += Buffer.byteLength(name) + Buffer.byteLength(value) + 2;
  return bytes;
}

/** Encodes an event for the outbox; over the size budget it is an EventTooLargeError of the message that emits it. */
export function eventRecord<E extends MessagingEvent>(
  topic: string,
  event: E,
  encode: (event: E) => EncodedRecord,
  budget = (eventBudget ??= eventBudgetFromEnv()),
): OutboxRecord {
  const message = encode(event);
  const record: OutboxRecord = {
    topic,
    key: message.key === null ? null : message.key.toString(),
    headers: message.headers,
    payload: message.value === null ? null : Buffer.isBuffer(message.value) ? message.value : Buffer.from(message.value),
  };
  const bytes = recordBytes(record);
  if (bytes > budget) throw new EventTooLargeError(event.type, bytes, budget);
  return record;
}

/**
 * Text PostgreSQL can store: NUL and unpaired UTF-16 surrogates become U+FFFD. For what we copy from a
 * record we could not process (dead-letter headers and reasons), never for an event's own content.
 */
export function storableText(text: string): string {
  // eslint-disable-next-line no-control-regex -- NUL is exactly what PostgreSQL cannot store
  return text.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** Writes records to the outbox in one statement and wakes the relay when the transaction commits. */
export async function appendToOutbox(
  connection: { query(sql: string, parameters?: unknown[]): Promise<unknown> },
  records: readonly OutboxRecord[],
): Promise<void> {
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
