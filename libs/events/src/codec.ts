import { checkSchema, upcast, type EventDefinition } from './catalog';
import {
  CE_HEADERS,
  DATA_CONTENT_TYPE,
  SPEC_VERSION,
  STRUCTURED_CONTENT_TYPE,
  TYPE_PREFIX,
  envelope,
  type Envelope,
  type EnvelopeDefaults,
  type EventMetadata,
} from './envelope';
import { OfferEventDefinitions, isOfferEventType, type OfferEvent, type OfferEventData, type OfferEventDraft, type OfferEventType } from './offer/events';

/** A Kafka record as any client library exposes it. */
export interface WireMessage {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers: Record<string, string>;
}

export type DecodeErrorCode = 'not-json' | 'unknown-type' | 'missing-attribute' | 'invalid-attribute' | 'unsupported-version' | 'schema-invalid';

/** Why a message is not a valid event. Returned, never thrown, so a consumer can dead-letter it and go on. */
export class EventDecodeError {
  constructor(
    readonly code: DecodeErrorCode,
    readonly reason: string,
    readonly details: string[] = [],
    readonly eventId?: string,
    readonly type?: string,
  ) {}
  toString(): string {
    return this.details.length ? `${this.code}: ${this.reason} (${this.details.join('; ')})` : `${this.code}: ${this.reason}`;
  }
}

export type DecodeResult = { ok: true; event: OfferEvent } | { ok: false; error: EventDecodeError };

/** The short event type of a message from its headers alone, without parsing the value. */
export function peekType(headers: Record<string, string>): string | undefined {
  const type = headers[CE_HEADERS.type];
  if (type !== undefined) return type.startsWith(TYPE_PREFIX) ? type.slice(TYPE_PREFIX.length) : type;
  return undefined;
}

export function encodeEvent(event: Envelope): WireMessage {
  const headers: Record<string, string> = {
    [CE_HEADERS.specversion]: SPEC_VERSION,
    [CE_HEADERS.id]: event.id,
    [CE_HEADERS.type]: TYPE_PREFIX + event.type,
    [CE_HEADERS.source]: event.source,
    [CE_HEADERS.time]: event.time,
    [CE_HEADERS.subject]: event.subject,
    [CE_HEADERS.schemaVersion]: String(event.schemaVersion),
    [CE_HEADERS.attempt]: String(event.attempt),
    [CE_HEADERS.correlationId]: event.correlationId,
    [CE_HEADERS.partitionKey]: event.subject,
    [CE_HEADERS.contentType]: DATA_CONTENT_TYPE,
  };
  if (event.causationId) headers[CE_HEADERS.causationId] = event.causationId;
  return { key: event.subject, value: JSON.stringify(event.data), headers };
}

interface RawAttributes {
  id?: unknown;
  type?: unknown;
  source?: unknown;
  time?: unknown;
  subject?: unknown;
  schemaversion?: unknown;
  attempt?: unknown;
  correlationid?: unknown;
  causationid?: unknown;
  data?: unknown;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/**
 * Reads a Kafka record as an offer event: CloudEvents binary mode (our producers) or structured mode
 * (`content-type: application/cloudevents+json`, handy for tools). Old schema versions are upcast to the
 * current one and the result is checked against the current schema.
 */
export function decodeEvent(message: WireMessage): DecodeResult {
  const headers = message.headers;
  const text = message.value === null ? '' : message.value.toString();
  let attrs: RawAttributes;
  if ((headers[CE_HEADERS.contentType] ?? '').startsWith(STRUCTURED_CONTENT_TYPE)) {
    const parsed = parseJson(text);
    if (!parsed.ok) return fail(new EventDecodeError('not-json', `value is not JSON: ${parsed.reason}`));
    if (parsed.value === null || typeof parsed.value !== 'object') {
      return fail(new EventDecodeError('not-json', 'structured CloudEvent must be a JSON object'));
    }
    attrs = parsed.value as RawAttributes;
  } else {
    const id = headers[CE_HEADERS.id];
    // A record without the envelope headers is not one of our events, whatever its bytes.
    if (headers[CE_HEADERS.type] === undefined && id === undefined) {
      return fail(new EventDecodeError('missing-attribute', 'no CloudEvents headers (ce_id, ce_type): not an event'));
    }
    const parsed = parseJson(text);
    if (!parsed.ok) return fail(new EventDecodeError('not-json', `value is not JSON: ${parsed.reason}`, [], id, peekType(headers)));
    attrs = {
      id,
      type: headers[CE_HEADERS.type],
      source: headers[CE_HEADERS.source],
      time: headers[CE_HEADERS.time],
      subject: headers[CE_HEADERS.subject],
      schemaversion: headers[CE_HEADERS.schemaVersion],
      attempt: headers[CE_HEADERS.attempt],
      correlationid: headers[CE_HEADERS.correlationId],
      causationid: headers[CE_HEADERS.causationId],
      data: parsed.value,
    };
  }
  return fromAttributes(attrs);
}

function fail(error: EventDecodeError): DecodeResult {
  return { ok: false, error };
}

function fromAttributes(attrs: RawAttributes): DecodeResult {
  const id = typeof attrs.id === 'string' ? attrs.id : undefined;
  const missing = (['id', 'type', 'source', 'time', 'subject', 'attempt', 'correlationid'] as const).filter(
    (name) => attrs[name] === undefined || attrs[name] === null || attrs[name] === '',
  );
  if (missing.length) return fail(new EventDecodeError('missing-attribute', `missing CloudEvents attribute(s): ${missing.join(', ')}`, [], id));
  const rawType = String(attrs.type);
  const type = rawType.startsWith(TYPE_PREFIX) ? rawType.slice(TYPE_PREFIX.length) : rawType;
  if (!isOfferEventType(type)) return fail(new EventDecodeError('unknown-type', `unknown event type "${rawType}"`, [], id, rawType));

  const problems: string[] = [];
  const attempt = Number(attrs.attempt);
  if (!Number.isInteger(attempt) || attempt < 1) problems.push(`attempt must be a positive integer, got "${String(attrs.attempt)}"`);
  const time = String(attrs.time);
  if (Number.isNaN(Date.parse(time))) problems.push(`time must be an RFC 3339 timestamp, got "${time}"`);
  if (id !== undefined && id.length > 200) problems.push('id is longer than 200 characters');
  if (problems.length) return fail(new EventDecodeError('invalid-attribute', 'invalid CloudEvents attribute(s)', problems, id, type));

  const definition: EventDefinition = OfferEventDefinitions[type];
  const version = attrs.schemaversion === undefined ? 1 : Number(attrs.schemaversion);
  if (attrs.data === null || typeof attrs.data !== 'object' || Array.isArray(attrs.data)) {
    return fail(new EventDecodeError('schema-invalid', `${type} data must be a JSON object`, [], id, type));
  }
  const upcasted = upcast(definition, version, attrs.data as Record<string, unknown>);
  if (!upcasted.ok) return fail(new EventDecodeError('unsupported-version', `${type}: ${upcasted.reason}`, [], id, type));
  const violations = checkSchema(definition.schema as new () => object, upcasted.data);
  if (violations.length) {
    return fail(new EventDecodeError('schema-invalid', `${type} v${definition.version} data does not match its schema`, violations.map(String), id, type));
  }
  const event = {
    id: id as string,
    type,
    schemaVersion: definition.version,
    source: String(attrs.source),
    time,
    subject: String(attrs.subject),
    attempt,
    correlationId: String(attrs.correlationid),
    causationId: attrs.causationid === undefined || attrs.causationid === null ? null : String(attrs.causationid),
    data: upcasted.data,
  } as unknown as OfferEvent;
  return { ok: true, event };
}

/** Builds an offer event at its current schema version. */
export function createOfferEvent<T extends OfferEventType>(
  type: T,
  data: OfferEventData<T>,
  metadata: EventMetadata,
  defaults: EnvelopeDefaults,
): Envelope<T, OfferEventData<T>> {
  return envelope(type, OfferEventDefinitions[type].version, data, metadata, defaults);
}

/** Wraps what a `decide` function returned. */
export function fromDraft(draft: OfferEventDraft, metadata: EventMetadata, defaults: EnvelopeDefaults): OfferEvent {
  return createOfferEvent(draft.type, draft.data as never, metadata, defaults) as OfferEvent;
}

/**
 * The offer events' codec, for the messaging library's codec port (EventCodec in @mkt/messaging, met
 * structurally: the catalog does not depend on the library that carries it).
 */
export const offerEventCodec = {
  typeOf: peekType,
  typeHeader: CE_HEADERS.type,
  isKnownType: isOfferEventType,
  decode: decodeEvent,
  encode: encodeEvent,
} as const;
