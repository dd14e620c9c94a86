import { randomUUID } from 'node:crypto';

/**
 * One envelope for every event: the CloudEvents 1.0 context attributes plus our extensions.
 * On Kafka it travels in CloudEvents *binary content mode*: attributes in `ce_*` headers,
 * `data` as the JSON message value, the offer id as the message key.
 */
export interface Envelope<TType extends string = string, TData = unknown> {
  /** Unique per event; consumers de-duplicate on it. */
  readonly id: string;
  /** Short type name, e.g. `OfferSubmitted` (on the wire: `ce_type` = TYPE_PREFIX + type). */
  readonly type: TType;
  /** Schema version of `data` (extension `schemaversion`). */
  readonly schemaVersion: number;
  /** Producing service, e.g. `/marketplace/validation`. */
  readonly source: string;
  /** RFC 3339 time the event happened. */
  readonly time: string;
  /** The aggregate: the offer id qualified by its publisher (`publisherId/offerId`); also the Kafka key. */
  readonly subject: string;
  /** Publishing attempt the event belongs to (extension `attempt`). */
  readonly attempt: number;
  /** Id shared by every event of one publishing attempt (extension `correlationid`). */
  readonly correlationId: string;
  /** Id of the event or command that caused this one (extension `causationid`). */
  readonly causationId: string | null;
  readonly data: TData;
}

export const SPEC_VERSION = '1.0';
export const TYPE_PREFIX = 'marketplace.offer.';
export const DATA_CONTENT_TYPE = 'application/json';
export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json';

export const CE_HEADERS = {
  specversion: 'ce_specversion',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  time: 'ce_time',
  subject: 'ce_subject',
  schemaVersion: 'ce_schemaversion',
  attempt: 'ce_attempt',
  correlationId: 'ce_correlationid',
  causationId: 'ce_causationid',
  partitionKey: 'ce_partitionkey',
  contentType: 'content-type',
} as const;

export interface EventMetadata {
  subject: string;
  attempt: number;
  correlationId: string;
  causationId?: string | null;
}

/** Metadata for an event caused by `cause`: same offer, attempt and correlation. */
export function causedBy(cause: Pick<Envelope, 'id' | 'subject' | 'attempt' | 'correlationId'>): EventMetadata {
  return { subject: cause.subject, attempt: cause.attempt, correlationId: cause.correlationId, causationId: cause.id };
}

export function offerSubject(publisherId: string, offerId: string): string {
  return `${publisherId}/${offerId}`;
}

export function parseOfferSubject(subject: string): { publisherId: string; offerId: string } {
  const slash = subject.indexOf('/');
  return { publisherId: subject.slice(0, slash), offerId: subject.slice(slash + 1) };
}

export interface EnvelopeDefaults {
  source: string;
  now?: () => Date;
  newId?: () => string;
}

/** Wraps event data in an envelope; time and id generators are injectable for deterministic tests. */
export function envelope<TType extends string, TData>(
  type: TType,
  schemaVersion: number,
  data: TData,
  metadata: EventMetadata,
  defaults: EnvelopeDefaults,
): Envelope<TType, TData> {
  return {
    id: (defaults.newId ?? randomUUID)(),
    type,
    schemaVersion,
    source: defaults.source,
    time: (defaults.now ?? (() => new Date()))().toISOString(),
    subject: metadata.subject,
    attempt: metadata.attempt,
    correlationId: metadata.correlationId,
    causationId: metadata.causationId ?? null,
    data,
  };
}
