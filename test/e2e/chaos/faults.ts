/**
 * The fault schedule of a chaos run and what each fault cost: time from the fault's end until the
 * pipeline made progress again, and until every consumer group had committed what was on the log when
 * the fault ended (lag drained).
 */
import { randomUUID } from 'node:crypto';
import { CE_HEADERS, SPEC_VERSION, TYPE_PREFIX } from '@mkt/events';
import { Partitioners, type Kafka, type TopicMessages } from 'kafkajs';

export type FaultKind = 'service-kill' | 'broker-kill' | 'postgres-outage' | 'smtp-outage' | 'poison';

export const FAULT_KINDS: FaultKind[] = ['service-kill', 'broker-kill', 'postgres-outage', 'smtp-outage', 'poison'];

export interface FaultRecord {
  kind: FaultKind;
  target: string;
  startedAt: number;
  /** When the fault was over (instance restarted and ready, broker answering, proxy listening again, ...). */
  endedAt?: number;
  /** Time from the fault's end until the pipeline made progress again (ms). */
  progressMs?: number;
  /** Time from the fault's end until every group had committed the log as it stood then (ms). */
  drainMs?: number;
  /** End offsets at the fault's end: the drain target. */
  drainTarget?: Map<number, number>;
  /** Only progress that matches counts (e.g. events of the restarted service, mails after the SMTP outage). */
  progressFilter?: 'any-event' | `source:${string}` | 'mail' | 'dead-letter';
  error?: string;
}

export type PoisonKind = 'not-json' | 'unknown-type' | 'schema-invalid' | 'no-headers';

export interface PoisonRecord {
  kind: PoisonKind;
  key: string;
  partition: number;
  /** Known offer event type in its headers: only the groups that handle that type see it as poison. */
  typed: boolean;
  injectedAt: number;
}

/** Poison on every partition of the topic, one of each kind per partition, produced with explicit partitions. */
export async function injectPoison(kafka: Kafka, topic: string, partitions: number, round: number): Promise<PoisonRecord[]> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const records: PoisonRecord[] = [];
    const messages: TopicMessages[] = [];
    const ce = (type: string, key: string) => ({
      [CE_HEADERS.specversion]: SPEC_VERSION,
      [CE_HEADERS.id]: randomUUID(),
      [CE_HEADERS.type]: TYPE_PREFIX + type,
      [CE_HEADERS.source]: '/chaos/poison',
      [CE_HEADERS.time]: new Date().toISOString(),
      [CE_HEADERS.subject]: key,
      [CE_HEADERS.schemaVersion]: '1',
      [CE_HEADERS.attempt]: '1',
      [CE_HEADERS.correlationId]: key,
      [CE_HEADERS.partitionKey]: key,
      [CE_HEADERS.contentType]: 'application/json',
    });
    for (let partition = 0; partition < partitions; partition += 1) {
      const at = Date.now();
      const key = (kind: PoisonKind) => `chaos-poison/${round}/${partition}/${kind}`;
      const add = (kind: PoisonKind, typed: boolean, value: string, headers?: Record<string, string>) => {
        records.push({ kind, key: key(kind), partition, typed, injectedAt: at });
        messages.push({ topic, messages: [{ key: key(kind), partition, value, headers }] });
      };
      add('not-json', true, '{"offer": not json at all', ce('OfferSubmitted', key('not-json')));
      add('unknown-type', false, '{"hello":"world"}', ce('OfferTeleported', key('unknown-type')));
      add('schema-invalid', true, JSON.stringify({ publisherId: 42, offerId: null, offer: 'not an object' }), ce('OfferSubmitted', key('schema-invalid')));
      add('no-headers', false, JSON.stringify({ publisherId: 'contoso', offerId: 'no-headers' }));
    }
    await producer.sendBatch({ topicMessages: messages, acks: -1 });
    return records;
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/** Nearest-rank percentile of a list of numbers. */
export function percentile(values: number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
