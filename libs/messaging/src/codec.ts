/**
 * The codec port: how a service's events become Kafka records and back. The library moves records and
 * knows nothing of what they mean; a service hands it a codec for its own event union (ours is the
 * event catalog's, in libs/events).
 */

/** What the library needs of any event: an identity (the inbox deduplicates on it) and a type (dispatch). */
export interface MessagingEvent {
  readonly id: string;
  readonly type: string;
  /** What the event is about (CloudEvents `subject`), named in logs when present. */
  readonly subject?: string;
  /** Which try of the subject's process the event belongs to, named in logs when present. */
  readonly attempt?: number;
  /** Id shared by the events of one process run (from the request that started it), named in logs when present. */
  readonly correlationId?: string;
}

/** A Kafka record's parts as a codec reads them: key and headers as text, the value as bytes. */
export interface WireRecord {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** A record a codec wrote for an event. */
export interface EncodedRecord {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers: Record<string, string>;
}

/** Why a record is not a valid event: returned, never thrown, so that the consumer dead-letters it and goes on. */
export interface DecodeFailure {
  /** Short machine-readable code, the dead letter's `dlq_code` (e.g. `schema-invalid`). */
  readonly code: string;
  /** The full explanation, the dead letter's reason. */
  toString(): string;
}

export type Decoded<E> = { ok: true; event: E } | { ok: false; error: DecodeFailure };

export interface EventCodec<In extends MessagingEvent = MessagingEvent, Out extends MessagingEvent = In> {
  /** The event type a record carries, read from its headers alone (records of types a consumer does not handle are skipped undecoded). */
  typeOf(headers: Record<string, string>): string | undefined;
  /**
   * The one header `typeOf` reads, when there is one: the consumer then reads that header alone to decide
   * whether to skip a record, without turning every header to text first.
   */
  readonly typeHeader?: string;
  /** Whether the type belongs to the union; a record of an unknown type is decoded, fails, and is dead-lettered. */
  isKnownType(type: string): boolean;
  decode(record: WireRecord): Decoded<In>;
  encode(event: Out): EncodedRecord;
}

type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

/** One header's value as a string (the first, when repeated), or undefined. */
export function headerToString(headers: Record<string, HeaderValue> | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** Header values as strings (Kafka headers are bytes; ours are UTF-8). */
export function headersToStrings(headers: Record<string, HeaderValue> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}
