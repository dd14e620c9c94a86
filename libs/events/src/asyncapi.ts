/**
 * The AsyncAPI 3.0 document of the event catalog, generated from the catalog itself (the event
 * definitions and their class-validator schemas), never written by hand: `npm run asyncapi` writes it to
 * docs/asyncapi.json, a test checks that file is current and valid, and offer-api serves it.
 */
import { CE_HEADERS, DATA_CONTENT_TYPE, SPEC_VERSION, TYPE_PREFIX } from './envelope';
import { schemasFromValidation } from './json-schema';
import { OfferEventDefinitions } from './offer/events';

type Json = Record<string, unknown>;

const HEADER_DESCRIPTIONS: Record<keyof typeof CE_HEADERS, string> = {
  specversion: `CloudEvents spec version (${SPEC_VERSION})`,
  id: 'event id (UUID): consumers drop a redelivered id',
  type: `\`${TYPE_PREFIX}<EventType>\``,
  source: 'producing service, e.g. /marketplace/validation',
  time: 'when the event happened (RFC 3339)',
  subject: 'the offer, `<publisherId>/<offerId>` (also the Kafka key)',
  schemaVersion: "version of the data's schema; older versions are upcast on read",
  attempt: 'publishing attempt the event belongs to',
  correlationId: 'shared by every event of one attempt, from the request that published it',
  causationId: 'id of the event (or request) that caused this one',
  partitionKey: 'CloudEvents partitioning extension: the offer',
  contentType: DATA_CONTENT_TYPE,
};

const REQUIRED_HEADERS = ['specversion', 'id', 'type', 'source', 'time', 'subject', 'schemaVersion', 'attempt', 'correlationId'] as const;

function headersSchema(): Json {
  const properties: Record<string, Json> = {};
  for (const [key, header] of Object.entries(CE_HEADERS)) {
    properties[header] = { type: 'string', description: HEADER_DESCRIPTIONS[key as keyof typeof CE_HEADERS] };
  }
  return { type: 'object', properties, required: REQUIRED_HEADERS.map((key) => CE_HEADERS[key]) };
}

export interface AsyncApiOptions {
  /** The offer-events topic (default `offer.events`). */
  topic?: string;
  deadLetterTopic?: string;
  /** A broker to name as the server (default the development one). */
  broker?: string;
}

export function asyncApiDocument(options: AsyncApiOptions = {}): Json {
  const topic = options.topic ?? 'offer.events';
  const deadLetterTopic = options.deadLetterTopic ?? `${topic}.dlq`;
  const schemas: Record<string, Json> = {};
  const messages: Record<string, Json> = {};
  for (const definition of Object.values(OfferEventDefinitions)) {
    schemasFromValidation(definition.schema as new () => object, schemas);
    const name = definition.schema.name;
    messages[definition.type] = {
      name: definition.type,
      title: definition.type,
      summary: `${definition.type}, schema version ${definition.version}`,
      contentType: DATA_CONTENT_TYPE,
      headers: { $ref: '#/components/schemas/CloudEventsHeaders' },
      payload: { $ref: `#/components/schemas/${name}` },
      bindings: { kafka: { key: { type: 'string', description: 'the offer, `<publisherId>/<offerId>`' }, bindingVersion: '0.5.0' } },
    };
  }
  schemas.CloudEventsHeaders = headersSchema();
  const messageRefs = Object.fromEntries(Object.keys(messages).map((type) => [type, { $ref: `#/components/messages/${type}` }]));
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Marketplace offer publishing: the offer-event log',
      version: '1.0.0',
      description:
        'Every event of the publishing pipeline, in CloudEvents 1.0 binary mode over Kafka (docs/process.md explains the process). ' +
        'One topic keyed by offer: all events of one offer are in order. Generated from libs/events.',
    },
    servers: { development: { host: options.broker ?? '127.0.0.1:9092', protocol: 'kafka', description: 'the broker `npm start` runs' } },
    defaultContentType: DATA_CONTENT_TYPE,
    channels: {
      offerEvents: { address: topic, description: 'The offer-event log, kept forever: the source of truth operators replay.', messages: messageRefs },
      deadLetters: {
        address: deadLetterTopic,
        description:
          'Records a consumer could not process, as they came, with dlq_reason, dlq_code, dlq_topic, dlq_partition, dlq_offset, dlq_consumer and dlq_time headers.',
        messages: messageRefs,
      },
    },
    operations: {
      publishOfferEvents: {
        action: 'send',
        summary: 'Each service writes its events to its outbox; the relay publishes them (idempotent producer).',
        channel: { $ref: '#/channels/offerEvents' },
        messages: Object.keys(messages).map((type) => ({ $ref: `#/channels/offerEvents/messages/${type}` })),
      },
      consumeOfferEvents: {
        action: 'receive',
        summary: 'Each service consumes in its own group through its inbox (duplicates dropped).',
        channel: { $ref: '#/channels/offerEvents' },
        messages: Object.keys(messages).map((type) => ({ $ref: `#/channels/offerEvents/messages/${type}` })),
      },
    },
    components: { schemas, messages },
  };
}
