/**
 * Reading the chaos broker: a live view of a topic that survives the broker being SIGKILLed (it rejoins
 * by itself and drops what it has already seen by partition and offset), and a full read-back of a topic
 * from offset 0 to its end offsets for the final check.
 */
import { decodeEvent, type OfferEvent } from '@mkt/events';
import { headersToStrings } from '@mkt/messaging';
import { uniqueId, waitFor } from '@mkt/testing';
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';

export function chaosKafka(brokers: string[], clientId = uniqueId('chaos-')): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 10_000,
    retry: { retries: 30, initialRetryTime: 200, maxRetryTime: 2_000 },
  });
}

export interface LogRecord {
  partition: number;
  offset: number;
  key: string | null;
  headers: Record<string, string>;
  value: Buffer | null;
  /** When this reader first saw it (ms since epoch). */
  seenAt: number;
  /** The decoded offer event, when it is one. */
  event?: OfferEvent;
}

function toRecord(partition: number, message: KafkaMessage): LogRecord {
  const headers = headersToStrings(message.headers as Record<string, Buffer | string | undefined>);
  const key = message.key === null ? null : message.key.toString();
  const decoded = decodeEvent({ key, value: message.value, headers });
  return { partition, offset: Number(message.offset), key, headers, value: message.value, seenAt: Date.now(), event: decoded.ok ? decoded.event : undefined };
}

/** Every record of a topic as it arrives, deduplicated by partition and offset. */
export class LiveLog {
  private readonly seen = new Set<string>();
  readonly records: LogRecord[] = [];
  private readonly bySubject = new Map<string, LogRecord[]>();
  private readonly listeners: Array<(record: LogRecord) => void> = [];
  private consumer?: Consumer;
  private stopping = false;
  restarts = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly groupId = uniqueId('chaos-live-'),
  ) {}

  onRecord(listener: (record: LogRecord) => void): void {
    this.listeners.push(listener);
  }

  async start(): Promise<this> {
    await this.connect();
    return this;
  }

  private async connect(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }: { payload: { restart: boolean } }) => {
      if (payload.restart || this.stopping || this.consumer !== consumer) return;
      void this.rejoin(consumer);
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 6,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const id = `${batch.partition}/${message.offset}`;
          if (this.seen.has(id)) continue;
          this.seen.add(id);
          const record = toRecord(batch.partition, message);
          this.records.push(record);
          const subject = record.event?.subject;
          if (subject) {
            const list = this.bySubject.get(subject) ?? [];
            list.push(record);
            this.bySubject.set(subject, list);
          }
          for (const listener of this.listeners) listener(record);
        }
      },
    });
  }

  private async rejoin(crashed: Consumer): Promise<void> {
    await crashed.disconnect().catch(() => undefined);
    for (let attempt = 1; !this.stopping; attempt += 1) {
      this.restarts += 1;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * attempt)));
      if (this.stopping) return;
      try {
        await this.connect();
        return;
      } catch {
        await this.consumer?.disconnect().catch(() => undefined);
      }
    }
  }

  /** Offer events of one subject, in log order, one per event id. */
  eventsOf(subject: string): OfferEvent[] {
    const ids = new Set<string>();
    return (this.bySubject.get(subject) ?? [])
      .slice()
      .sort((a, b) => a.offset - b.offset)
      .flatMap((r) => (r.event && !ids.has(r.event.id) ? (ids.add(r.event.id), [r.event]) : []));
  }

  has(subject: string, type: OfferEvent['type']): boolean {
    return (this.bySubject.get(subject) ?? []).some((r) => r.event?.type === type);
  }

  find(subject: string, type: OfferEvent['type']): OfferEvent | undefined {
    return (this.bySubject.get(subject) ?? []).find((r) => r.event?.type === type)?.event;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer?.disconnect().catch(() => undefined);
  }
}

/** End offsets (high watermarks) of every partition of a topic. */
export async function endOffsets(kafka: Kafka, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Committed offset per partition of a group on a topic (-1 when nothing is committed). */
export async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Messages a group has not committed yet, summed over partitions. */
export function lagOf(ends: Map<number, number>, committed: Map<number, number>): number {
  let lag = 0;
  for (const [partition, end] of ends) lag += Math.max(0, end - Math.max(0, committed.get(partition) ?? 0));
  return lag;
}

/** The whole topic from offset 0 to its current end offsets, read with a fresh consumer group. */
export async function readWholeTopic(kafka: Kafka, topic: string, timeoutMs = 120_000): Promise<LogRecord[]> {
  const ends = await endOffsets(kafka, topic);
  const total = [...ends.values()].reduce((a, b) => a + b, 0);
  const reader = new LiveLog(kafka, topic, uniqueId('chaos-readback-'));
  await reader.start();
  try {
    await waitFor(
      `the whole of ${topic} (${total} records) read back`,
      () => [...ends].every(([partition, end]) => end === 0 || reader.records.some((r) => r.partition === partition && r.offset === end - 1)),
      { timeoutMs, intervalMs: 200 },
    );
    return reader.records.filter((r) => r.offset < (ends.get(r.partition) ?? 0)).sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  } finally {
    await reader.stop();
  }
}
