import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { DLQ_HEADERS, type InboxConsumer, type RedriveOutcome } from '../consumer';
import type { ConsumedRecord } from '../context';
import { queryRows } from '../sql';
import { deadLetterOf, readDeadLetters, readTopicRange, type DeadLetterRecord } from '../topic-reading';

/** A recorded redrive: who asked for it, when, and what the consumer did. */
export interface RedriveRecord {
  by: string;
  at: string;
  outcome: RedriveOutcome;
}

/** A dead letter as operators list it. */
export interface DeadLetterView {
  /** `<dead-letter topic>:<partition>:<offset>` */
  id: string;
  consumer: string | null;
  code: string | null;
  reason: string | null;
  /** Where the message was when it was dead-lettered. */
  source: { topic: string | null; partition: number | null; offset: string | null };
  eventId: string | null;
  eventType: string | null;
  subject: string | null;
  attempt: number | null;
  deadLetteredAt: string | null;
  redrive: RedriveRecord | null;
}

export interface DeadLetterDetail extends DeadLetterView {
  key: string | null;
  /** The record's headers as it came (the dead-letter headers aside). */
  headers: Record<string, string>;
  /** The payload: JSON when it parses, otherwise the text (events hold references, never secrets). */
  payload: unknown;
}

export interface DeadLetterFilter {
  /** `<publisher>/<offer>`: the record's key or subject. */
  offer?: string;
  consumer?: string;
  code?: string;
  since?: Date;
  limit: number;
}

export interface RedriveResult {
  id: string;
  outcome: RedriveOutcome | 'not-found';
  by: string | null;
  at: string | null;
  repeated: boolean;
}

const DLQ_HEADER_NAMES = new Set<string>(Object.values(DLQ_HEADERS));
/** Dead letters looked at per partition for a listing (other services' letters share the topic). */
const SCAN_PER_PARTITION = 2_000;

export function deadLetterId(letter: Pick<DeadLetterRecord, 'topic' | 'partition' | 'offset'>): string {
  return `${letter.topic}:${letter.partition}:${letter.offset}`;
}

export function parseDeadLetterId(id: string): { topic: string; partition: number; offset: string } | undefined {
  const match = /^([A-Za-z0-9._-]{1,249}):(\d{1,9}):(\d{1,19})$/.exec(id);
  return match ? { topic: match[1], partition: Number(match[2]), offset: match[3] } : undefined;
}

/** The event type of a record's headers as the service's codec names it (undefined: the header as it is). */
export type TypeOf = (headers: Record<string, string>) => string | undefined;

function view(letter: DeadLetterRecord, redrive: RedriveRecord | null, typeOf: TypeOf): DeadLetterView {
  const attempt = Number(letter.headers.ce_attempt);
  return {
    id: deadLetterId(letter),
    consumer: letter.consumer,
    code: letter.code,
    reason: letter.reason,
    source: { topic: letter.originalTopic, partition: letter.originalPartition, offset: letter.originalOffset },
    eventId: letter.headers.ce_id ?? null,
    eventType: typeOf(letter.headers) ?? letter.headers.ce_type ?? null,
    subject: letter.headers.ce_subject ?? letter.key,
    attempt: Number.isInteger(attempt) ? attempt : null,
    deadLetteredAt: letter.time,
    redrive,
  };
}

/** The message as the failing consumer read it: position, key, value and headers without the dead-letter ones. */
export function originalRecord(letter: DeadLetterRecord): ConsumedRecord | undefined {
  if (letter.originalTopic === null || letter.originalPartition === null || letter.originalOffset === null) return undefined;
  const headers = Object.fromEntries(Object.entries(letter.headers).filter(([name]) => !DLQ_HEADER_NAMES.has(name)));
  return { topic: letter.originalTopic, partition: letter.originalPartition, offset: letter.originalOffset, key: letter.key, headers, value: letter.value };
}

/**
 * Dead letters of one service's consumers: read from the dead-letter topic (shared by every service) with
 * the topic-reading helper, kept when their consumer header names one of `groups`, joined with the redrives
 * recorded in the service's database.
 */
export class DeadLetters {
  constructor(
    private readonly kafka: Kafka,
    private readonly dataSource: DataSource,
    private readonly topic: string,
    private readonly groups: () => string[],
    private readonly readerGroupPrefix: string,
    private readonly typeOf: TypeOf = () => undefined,
  ) {}

  async list(filter: DeadLetterFilter): Promise<DeadLetterView[]> {
    const groups = new Set(this.groups());
    const letters = await readDeadLetters(this.kafka, {
      topic: this.topic,
      limit: Math.max(filter.limit, SCAN_PER_PARTITION),
      groupPrefix: this.readerGroupPrefix,
      decode: (letter) => letter,
    });
    const since = filter.since?.toISOString();
    const chosen = letters
      .filter((l) => l.consumer !== null && groups.has(l.consumer))
      .filter((l) => filter.consumer === undefined || l.consumer === filter.consumer)
      .filter((l) => filter.code === undefined || l.code === filter.code)
      .filter((l) => filter.offer === undefined || l.key === filter.offer || l.headers.ce_subject === filter.offer)
      .filter((l) => since === undefined || (l.time !== null && l.time >= since))
      .slice(-filter.limit);
    const redrives = await this.redrives(chosen.map(deadLetterId));
    return chosen.map((l) => view(l, redrives.get(deadLetterId(l)) ?? null, this.typeOf));
  }

  /** One dead letter of this service's consumers, with its payload; undefined when there is none at `id`. */
  async find(id: string): Promise<{ letter: DeadLetterRecord; detail: DeadLetterDetail } | undefined> {
    const at = parseDeadLetterId(id);
    if (!at || at.topic !== this.topic) return undefined;
    const [letter] = await readTopicRange(this.kafka, {
      topic: this.topic,
      partitions: [{ partition: at.partition, from: at.offset, to: at.offset }],
      groupPrefix: this.readerGroupPrefix,
      timeoutMs: 30_000,
      maxRecords: 1,
      decode: (record) => (record.offset === at.offset ? deadLetterOf(record) : undefined),
    }).catch(() => []);
    if (!letter || letter.consumer === null || !this.groups().includes(letter.consumer)) return undefined;
    const redrive = (await this.redrives([id])).get(id) ?? null;
    const text = letter.value?.toString('utf8') ?? null;
    let payload: unknown = text;
    try {
      payload = text === null ? null : JSON.parse(text);
    } catch {
      // not JSON (a poison message): the text as it is
    }
    const headers = Object.fromEntries(Object.entries(letter.headers).filter(([name]) => !DLQ_HEADER_NAMES.has(name)));
    return { letter, detail: { ...view(letter, redrive, this.typeOf), key: letter.key, headers, payload } };
  }

  /**
   * Redrives one dead letter through the consumer that failed (`consumers` by group), once: the redrive row
   * is written in the consumer's transaction; a repeat (or a concurrent second request) finds it and
   * answers what was recorded, changing nothing.
   */
  async redrive(id: string, by: string, consumers: (group: string) => InboxConsumer | undefined): Promise<RedriveResult> {
    const recorded = (await this.redrives([id])).get(id);
    if (recorded) return { id, ...recorded, repeated: true };
    const found = await this.find(id);
    const original = found && originalRecord(found.letter);
    const consumer = found?.letter.consumer ? consumers(found.letter.consumer) : undefined;
    if (!found || !original) return { id, outcome: 'not-found', by: null, at: null, repeated: false };
    if (!consumer) throw new ConsumerNotRunning(found.letter.consumer ?? '?');
    let at = '';
    const outcome = await consumer.redrive(original, {
      begin: async (scope) => {
        const rows = await scope.query<{ at: Date }>(
          `INSERT INTO dead_letter_redrives (id, consumer, "by", outcome) VALUES ($1, $2, $3, 'already-handled') ON CONFLICT (id) DO NOTHING RETURNING at`,
          [id, consumer.groupId, by],
        );
        if (rows[0]) at = rows[0].at.toISOString();
        return rows.length === 1;
      },
      end: async (scope, outcome) => {
        await scope.query(`UPDATE dead_letter_redrives SET outcome = $2 WHERE id = $1`, [id, outcome]);
      },
    });
    if (outcome === 'skipped') {
      const again = (await this.redrives([id])).get(id);
      if (again) return { id, ...again, repeated: true };
      return { id, outcome: 'not-found', by: null, at: null, repeated: false };
    }
    return { id, outcome, by, at, repeated: false };
  }

  private async redrives(ids: string[]): Promise<Map<string, RedriveRecord>> {
    if (ids.length === 0) return new Map();
    const rows = await queryRows<{ id: string; by: string; at: Date; outcome: RedriveOutcome }>(
      this.dataSource,
      `SELECT id, "by", at, outcome FROM dead_letter_redrives WHERE id = ANY($1::text[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, { by: r.by, at: r.at.toISOString(), outcome: r.outcome }]));
  }
}

/** The consumer that dead-lettered a record does not run in this process (yet, or any more). */
export class ConsumerNotRunning extends Error {
  constructor(readonly group: string) {
    super(`consumer ${group} is not running in this instance`);
  }
}
