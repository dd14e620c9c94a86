import { decodeEvent, encodeEvent, type Envelope, type OfferEvent } from '@mkt/events';
import type { Kafka } from 'kafkajs';
import { produceRaw, testKafka, TopicReader, waitFor, type WaitOptions } from './helpers';

/** Publishes events as an upstream service would (CloudEvents binary mode, keyed by offer); `twice` sends each one twice. */
export async function publishEvents(topic: string, events: Envelope[], { twice = false } = {}, kafka: Kafka = testKafka()): Promise<void> {
  const messages = events.flatMap((event) => {
    const wire = encodeEvent(event);
    const message = { key: wire.key, value: wire.value, headers: wire.headers };
    return twice ? [message, message] : [message];
  });
  await produceRaw(topic, messages, kafka);
}

/** Reads a topic and decodes every valid offer event; undecodable messages are kept apart in `invalid`. */
export class EventLog {
  private readonly reader: TopicReader;

  constructor(topic: string, kafka: Kafka = testKafka()) {
    this.reader = new TopicReader(topic, kafka);
  }

  async start(): Promise<this> {
    await this.reader.start();
    return this;
  }

  private readonly decoded: OfferEvent[] = [];
  private decodedUpTo = 0;

  /**
   * Every valid event so far, in log order. Each message is decoded once: tests poll this, and decoding
   * an enormous event on every poll would starve the test process (and the HTTP servers it runs for the
   * stages) for seconds.
   */
  get events(): OfferEvent[] {
    const messages = this.reader.messages;
    for (; this.decodedUpTo < messages.length; this.decodedUpTo++) {
      const m = messages[this.decodedUpTo];
      const decoded = decodeEvent({ key: m.key, value: m.value, headers: m.headers });
      if (decoded.ok) this.decoded.push(decoded.event);
    }
    return this.decoded;
  }

  /** Events of one offer (optionally one type), in log order; duplicates (same id) removed. */
  of(subject: string, type?: OfferEvent['type']): OfferEvent[] {
    const seen = new Set<string>();
    return this.events.filter((e) => {
      if (e.subject !== subject || (type && e.type !== type) || seen.has(e.id)) return false;
      seen.add(e.id);
      return true;
    });
  }

  /** Waits until an event of `type` for `subject` (and matching `where`) is on the log, and returns it. */
  async waitFor<T extends OfferEvent['type']>(
    subject: string,
    type: T,
    where: (event: Extract<OfferEvent, { type: T }>) => boolean = () => true,
    options?: WaitOptions,
  ): Promise<Extract<OfferEvent, { type: T }>> {
    return waitFor(
      `${type} for ${subject} (seen: ${
        this.of(subject)
          .map((e) => e.type)
          .join(', ') || 'nothing'
      })`,
      () => this.of(subject, type).find((e) => where(e as Extract<OfferEvent, { type: T }>)) as Extract<OfferEvent, { type: T }> | undefined,
      { timeoutMs: 60_000, ...options },
    );
  }

  /** Every message, raw (headers included), e.g. for the dead-letter topic. */
  get raw() {
    return this.reader.messages;
  }

  async stop(): Promise<void> {
    await this.reader.stop();
  }
}
