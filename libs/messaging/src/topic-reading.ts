import { randomUUID } from 'node:crypto';
import type { Admin, Batch, IHeaders, Kafka } from 'kafkajs';
import { DLQ_HEADERS } from './consumer';

/**
 * Reading a topic outside the inbox consumer: a bounded range (operators inspecting the log or the
 * dead-letter topic) and a replay from offset 0 into a handler (rebuilding a read model). Each read uses
 * a fresh consumer group that seeks to where the read starts, commits nothing, and is deleted afterwards;
 * it ends at the end offsets the topic had when the read started, so that it always ends.
 * Records are raw (key, value, headers, position, timestamp); a `decode` function turns each one into
 * what the caller wants, or leaves it out by returning undefined.
 */

/** A record as it is on the topic. */
export interface TopicRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** Milliseconds since the epoch, as Kafka gives it. */
  timestamp: string;
}

/** What to read of one partition; bounds outside what the partition holds are narrowed to it. */
export interface PartitionRange {
  partition: number;
  /** First offset read (inclusive); the partition's first offset when absent. */
  from?: bigint | string;
  /** Last offset read (inclusive); the partition's last offset when the read starts when absent. */
  to?: bigint | string;
}

/** One partition of a read: `[start, end)`, and the offset the next record read would have. */
export interface PartitionProgress {
  partition: number;
  start: string;
  end: string;
  next: string;
}

export interface ReadProgress {
  /** Records given to the caller (decoded and not left out). */
  records: number;
  /** Records `decode` left out. */
  skipped: number;
  partitions: PartitionProgress[];
}

export interface ReplayReport extends ReadProgress {
  /** The consumer group the read used (deleted when it ended). */
  groupId: string;
  durationMs: number;
}

export type Decode<T> = (record: TopicRecord) => T | undefined;

export class TopicReadTimeout extends Error {
  constructor(topic: string, timeoutMs: number, progress: ReadProgress) {
    const left = progress.partitions.filter((p) => BigInt(p.next) < BigInt(p.end)).map((p) => `${p.partition}@${p.next}/${p.end}`);
    super(`reading ${topic} did not reach its end offsets within ${timeoutMs} ms (partitions left: ${left.join(', ')})`);
  }
}

interface ReadOptions {
  topic: string;
  /** Partitions and offsets to read; every partition, whole, when absent. */
  partitions?: PartitionRange[];
  /** Names the read's consumer group: `<prefix>-<random>`. */
  groupPrefix: string;
  timeoutMs: number;
}

export interface ReadTopicRangeOptions<T> extends ReadOptions {
  /** The read stops once this many records are decoded. */
  maxRecords: number;
  decode: Decode<T>;
}

export interface ReplayTopicOptions<T> extends ReadOptions {
  decode: Decode<T>;
  /** Called with each batch of one partition, in offset order; the next batch of that partition waits for it. */
  handle: (items: T[], partition: number) => Promise<void>;
  /** Called after each batch. */
  onProgress?: (progress: ReadProgress) => void;
  /** Partitions handled at the same time (default 1). */
  partitionsConcurrently?: number;
}

/** Reads a range of a topic into memory: at most `maxRecords` records, within `timeoutMs`. */
export async function readTopicRange<T>(kafka: Kafka, options: ReadTopicRangeOptions<T>): Promise<T[]> {
  const items: T[] = [];
  await readTopic(kafka, options, async (records) => {
    const verdict = { records: 0, skipped: 0, stop: false };
    for (const record of records) {
      const item = options.decode(record);
      if (item === undefined) {
        verdict.skipped += 1;
        continue;
      }
      items.push(item);
      verdict.records += 1;
      if (items.length >= options.maxRecords) return { ...verdict, stop: true };
    }
    return verdict;
  });
  return items;
}

/** Records decoded and handled at once by a replay (fewer: a shorter hold of the event loop per slice, more statements). */
const REPLAY_SLICE = 120;
/** Records decoded in one turn of the event loop. */
const DECODE_TURN = 25;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Replays a topic into a handler, from offset 0 (or the given ranges) to the end offsets it had when the
 * replay started. A handler failure ends the replay with that error.
 */
export async function replayTopic<T>(kafka: Kafka, options: ReplayTopicOptions<T>): Promise<ReplayReport> {
  const started = Date.now();
  const { groupId, progress } = await readTopic(
    kafka,
    options,
    async (records, partition) => {
      let handled = 0;
      // a fetched batch can hold thousands of records: decoded and handled a slice at a time, so that the
      // process (e.g. offer-api answering GET status during a rebuild) is never blocked for long
      for (let from = 0; from < records.length; from += REPLAY_SLICE) {
        const items: T[] = [];
        for (let i = from; i < Math.min(records.length, from + REPLAY_SLICE); i += 1) {
          // decoding is the replay's largest share of the event loop: requests waiting on it go first every few records
          if (i > from && (i - from) % DECODE_TURN === 0) await nextTurn();
          const item = options.decode(records[i]);
          if (item !== undefined) items.push(item);
        }
        if (items.length) await options.handle(items, partition);
        handled += items.length;
      }
      return { records: handled, skipped: records.length - handled, stop: false };
    },
    options.onProgress,
    options.partitionsConcurrently,
  );
  return { ...progress(), groupId, durationMs: Date.now() - started };
}

/** A record of the dead-letter topic with the reason and origin the inbox consumer put in its headers. */
export interface DeadLetterRecord extends TopicRecord {
  reason: string | null;
  code: string | null;
  /** Consumer group that gave up on the message. */
  consumer: string | null;
  originalTopic: string | null;
  originalPartition: number | null;
  originalOffset: string | null;
  /** When it was dead-lettered (ISO 8601). */
  time: string | null;
}

export interface ReadDeadLettersOptions<T> {
  topic: string;
  /** The newest this many dead letters. */
  limit: number;
  groupPrefix: string;
  timeoutMs?: number;
  decode: (letter: DeadLetterRecord) => T;
}

export function deadLetterOf(record: TopicRecord): DeadLetterRecord {
  const header = (name: string) => record.headers[name] ?? null;
  const originalPartition = header(DLQ_HEADERS.partition);
  return {
    ...record,
    reason: header(DLQ_HEADERS.reason),
    code: header(DLQ_HEADERS.code),
    consumer: header(DLQ_HEADERS.consumer),
    originalTopic: header(DLQ_HEADERS.topic),
    originalPartition: originalPartition === null ? null : Number(originalPartition),
    originalOffset: header(DLQ_HEADERS.offset),
    time: header(DLQ_HEADERS.time),
  };
}

/**
 * The newest `limit` dead letters, oldest first (by the time they were dead-lettered, then position).
 * Only the last `limit` records of each partition are read: the newest overall are among them.
 */
export async function readDeadLetters<T>(kafka: Kafka, options: ReadDeadLettersOptions<T>): Promise<T[]> {
  const ends = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(options.topic));
  const partitions = ends.map((p) => ({ partition: p.partition, from: BigInt(p.high) - BigInt(options.limit) }));
  const letters = await readTopicRange(kafka, {
    topic: options.topic,
    partitions,
    groupPrefix: options.groupPrefix,
    timeoutMs: options.timeoutMs ?? 30_000,
    maxRecords: options.limit * Math.max(1, partitions.length),
    decode: deadLetterOf,
  });
  letters.sort((a, b) => (a.time ?? '').localeCompare(b.time ?? '') || a.partition - b.partition || compareOffsets(a.offset, b.offset));
  return letters.slice(-options.limit).map(options.decode);
}

function compareOffsets(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function stringHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

/** What a batch handler did with the records it was given, and whether the read should stop there. */
interface BatchVerdict {
  records: number;
  skipped: number;
  stop: boolean;
}

/**
 * The one reading loop: narrows the ranges to what the topic holds now, starts a fresh group at their
 * first offsets, hands each partition's records in the range to `onBatch`, and ends when every range
 * is read (or `onBatch` says stop, or the time is up).
 */
async function readTopic(
  kafka: Kafka,
  options: ReadOptions,
  onBatch: (records: TopicRecord[], partition: number) => Promise<BatchVerdict>,
  onProgress?: (progress: ReadProgress) => void,
  partitionsConcurrently = 1,
): Promise<{ groupId: string; progress: () => ReadProgress }> {
  const { topic } = options;
  const groupId = `${options.groupPrefix}-${randomUUID().slice(0, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const wanted = options.partitions && new Map(options.partitions.map((r) => [r.partition, r]));
    const ranges = new Map<number, { start: bigint; end: bigint; next: bigint }>();
    for (const p of offsets) {
      if (wanted && !wanted.has(p.partition)) continue;
      const range = wanted?.get(p.partition);
      const low = BigInt(p.low);
      const high = BigInt(p.high);
      const start = range?.from === undefined ? low : bigMax(low, BigInt(range.from));
      const end = range?.to === undefined ? high : bigMin(high, BigInt(range.to) + 1n);
      ranges.set(p.partition, { start, end: bigMax(start, end), next: start });
    }
    let records = 0;
    let skipped = 0;
    const progress = (): ReadProgress => ({
      records,
      skipped,
      partitions: [...ranges].map(([partition, r]) => ({ partition, start: String(r.start), end: String(r.end), next: String(r.next) })),
    });
    const remaining = new Set([...ranges].filter(([, r]) => r.start < r.end).map(([partition]) => partition));
    if (remaining.size === 0) return { groupId, progress };

    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, allowAutoTopicCreation: false });
    let settle!: (error?: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      settle = (error?: unknown) => (error === undefined ? resolve() : reject(error as Error));
    });
    let finished = false;
    const finish = (error?: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      settle(error);
    };
    const timer = setTimeout(() => finish(new TopicReadTimeout(topic, options.timeoutMs, progress())), options.timeoutMs);
    consumer.on(consumer.events.CRASH, ({ payload }: { payload: { error: Error; restart: boolean } }) => {
      if (!payload.restart) finish(payload.error);
    });
    const handleBatch = async (batch: Batch, heartbeat: () => Promise<void>) => {
      const range = ranges.get(batch.partition);
      if (finished || !range || !remaining.has(batch.partition)) return;
      const inRange = batch.messages
        .filter((m) => BigInt(m.offset) >= range.next && BigInt(m.offset) < range.end)
        .map((m): TopicRecord => ({
          topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key === null ? null : m.key.toString(),
          value: m.value,
          headers: stringHeaders(m.headers),
          timestamp: m.timestamp,
        }));
      const verdict = inRange.length ? await onBatch(inRange, batch.partition) : { records: 0, skipped: 0, stop: false };
      records += verdict.records;
      skipped += verdict.skipped;
      if (verdict.stop) return finish();
      // lastOffset also covers what the batch held but filtered out (control records, compaction gaps)
      range.next = bigMax(range.next, bigMin(range.end, BigInt(batch.lastOffset()) + 1n));
      if (range.next >= range.end) remaining.delete(batch.partition);
      onProgress?.(progress());
      if (remaining.size === 0) return finish();
      await heartbeat();
    };
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: partitionsConcurrently,
        eachBatch: async ({ batch, heartbeat }) => {
          // an error here would make kafkajs fetch the batch again: it ends the read instead
          await handleBatch(batch, heartbeat).catch(finish);
        },
      });
      // run() has joined the group (the only member, a fresh group): each partition moves to where its
      // range starts, one with nothing to read to its end. Batches fetched before the seek are filtered
      // by offset, so the seek only saves reading.
      for (const p of offsets) {
        const start = remaining.has(p.partition) ? ranges.get(p.partition)!.start : BigInt(p.high);
        consumer.seek({ topic, partition: p.partition, offset: String(start) });
      }
      await done;
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return { groupId, progress };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const bigMax = (a: bigint, b: bigint) => (a > b ? a : b);
const bigMin = (a: bigint, b: bigint) => (a < b ? a : b);
