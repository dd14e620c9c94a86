/**
 * Reading a topic outside the inbox consumer, against the real broker: a bounded range per partition, a
 * replay from offset 0 that ends at the end offsets it saw at start, and the dead-letter topic with its
 * headers decoded. Every read leaves no consumer group behind.
 */
import type { Kafka } from 'kafkajs';
import { produceRaw, TestTopics, testKafka, uniqueId } from '@mkt/testing';
import { DLQ_HEADERS, readDeadLetters, readTopicRange, replayTopic, TopicReadTimeout, type TopicRecord } from '../src';

const topics = new TestTopics();
let kafka: Kafka;

beforeAll(() => {
  kafka = testKafka();
});

afterAll(() => topics.cleanup());

/** `count` records on each of `partitions` partitions, valued `p<partition>-<index>`. */
async function fill(topic: string, partitions: number, count: number): Promise<void> {
  const messages = [];
  for (let partition = 0; partition < partitions; partition += 1) {
    for (let i = 0; i < count; i += 1) messages.push({ partition, key: `k${partition}`, value: `p${partition}-${i}`, headers: { index: String(i) } });
  }
  await produceRaw(topic, messages, kafka);
}

const valueOf = (record: TopicRecord) => record.value?.toString();

async function groupsWith(prefix: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));
  } finally {
    await admin.disconnect();
  }
}

describe('readTopicRange', () => {
  let topic: string;

  beforeAll(async () => {
    topic = await topics.create('range', 3);
    await fill(topic, 3, 20);
  });

  test('reads exactly the offsets asked for, per partition, with key, headers, position and timestamp', async () => {
    const prefix = uniqueId('range-');
    const records = await readTopicRange(kafka, {
      topic,
      partitions: [
        { partition: 0, from: 5n, to: 7n },
        { partition: 2, from: '18' },
      ],
      groupPrefix: prefix,
      timeoutMs: 30_000,
      maxRecords: 100,
      decode: (record) => record,
    });
    const sorted = records.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
    expect(sorted.map((r) => [r.partition, r.offset, valueOf(r)])).toEqual([
      [0, '5', 'p0-5'],
      [0, '6', 'p0-6'],
      [0, '7', 'p0-7'],
      [2, '18', 'p2-18'],
      [2, '19', 'p2-19'],
    ]);
    expect(sorted[0]).toMatchObject({ topic, key: 'k0', headers: { index: '5' } });
    expect(Number(sorted[0].timestamp)).toBeGreaterThan(Date.now() - 600_000);
    expect(await groupsWith(prefix)).toEqual([]);
  });

  test('stops at maxRecords; decode leaves records out; bounds beyond the partition are narrowed to it', async () => {
    const bounded = await readTopicRange(kafka, {
      topic,
      partitions: [{ partition: 1 }],
      groupPrefix: uniqueId('range-'),
      timeoutMs: 30_000,
      maxRecords: 4,
      decode: valueOf,
    });
    expect(bounded).toEqual(['p1-0', 'p1-1', 'p1-2', 'p1-3']);

    const even = await readTopicRange(kafka, {
      topic,
      partitions: [{ partition: 1, from: 10n, to: 1_000n }],
      groupPrefix: uniqueId('range-'),
      timeoutMs: 30_000,
      maxRecords: 100,
      decode: (record) => (Number(record.offset) % 2 === 0 ? valueOf(record) : undefined),
    });
    expect(even).toEqual(['p1-10', 'p1-12', 'p1-14', 'p1-16', 'p1-18']);
  });

  test('an empty range or topic returns nothing without waiting', async () => {
    const empty = await topics.create('range-empty', 2);
    const started = Date.now();
    expect(await readTopicRange(kafka, { topic: empty, groupPrefix: uniqueId('range-'), timeoutMs: 30_000, maxRecords: 10, decode: valueOf })).toEqual([]);
    expect(
      await readTopicRange(kafka, {
        topic,
        partitions: [{ partition: 0, from: 30n }],
        groupPrefix: uniqueId('range-'),
        timeoutMs: 30_000,
        maxRecords: 10,
        decode: valueOf,
      }),
    ).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('replayTopic', () => {
  test('replays from offset 0 in per-partition order and ends at the end offsets it saw at start, while records keep arriving', async () => {
    const topic = await topics.create('replay', 3);
    await fill(topic, 3, 200);
    const seen = new Map<number, number[]>();
    const progress: number[] = [];
    let producing: Promise<void> | undefined;
    const prefix = uniqueId('replay-');
    const report = await replayTopic(kafka, {
      topic,
      groupPrefix: prefix,
      timeoutMs: 60_000,
      partitionsConcurrently: 3,
      decode: (record) => ({ partition: record.partition, offset: Number(record.offset) }),
      handle: async (items, partition) => {
        // records produced after the replay started are not part of it
        producing ??= fill(topic, 3, 50);
        for (const item of items) {
          expect(item.partition).toBe(partition);
          seen.set(partition, [...(seen.get(partition) ?? []), item.offset]);
        }
      },
      onProgress: (p) => progress.push(p.records),
    });
    await producing;
    for (let partition = 0; partition < 3; partition += 1) expect(seen.get(partition)).toEqual([...Array(200).keys()]);
    expect(report).toMatchObject({ records: 600, skipped: 0 });
    expect(report.groupId.startsWith(prefix)).toBe(true);
    expect(report.partitions.sort((a, b) => a.partition - b.partition)).toEqual(
      [0, 1, 2].map((partition) => ({ partition, start: '0', end: '200', next: '200' })),
    );
    expect(progress[progress.length - 1]).toBe(600);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(await groupsWith(prefix)).toEqual([]);
  });

  test('records decode leaves out are counted as skipped; given ranges replay only those', async () => {
    const topic = await topics.create('replay-ranges', 2);
    await fill(topic, 2, 10);
    const handled: string[] = [];
    const report = await replayTopic(kafka, {
      topic,
      partitions: [{ partition: 1, from: 4n }],
      groupPrefix: uniqueId('replay-'),
      timeoutMs: 30_000,
      decode: (record) => (record.headers.index === '5' ? undefined : valueOf(record)),
      handle: async (items) => {
        handled.push(...(items as string[]));
      },
    });
    expect(handled).toEqual(['p1-4', 'p1-6', 'p1-7', 'p1-8', 'p1-9']);
    expect(report).toMatchObject({ records: 5, skipped: 1, partitions: [{ partition: 1, start: '4', end: '10', next: '10' }] });
  });

  test('a handler failure ends the replay with its error; one past the time bound with TopicReadTimeout', async () => {
    const topic = await topics.create('replay-fail', 1);
    await fill(topic, 1, 5);
    const prefix = uniqueId('replay-');
    const failing = replayTopic(kafka, {
      topic,
      groupPrefix: prefix,
      timeoutMs: 30_000,
      decode: valueOf,
      handle: async () => {
        throw new Error('handler broke');
      },
    });
    await expect(failing).rejects.toThrow('handler broke');
    expect(await groupsWith(prefix)).toEqual([]);

    const slow = replayTopic(kafka, {
      topic,
      groupPrefix: uniqueId('replay-'),
      timeoutMs: 1_500,
      decode: valueOf,
      handle: () => new Promise((resolve) => setTimeout(resolve, 3_000)),
    });
    await expect(slow).rejects.toBeInstanceOf(TopicReadTimeout);
  });
});

describe('readDeadLetters', () => {
  test('the newest `limit` dead letters, oldest first, with reason, code and origin decoded from their headers', async () => {
    const topic = await topics.create('dead-letters', 2);
    const letters = [...Array(6).keys()].map((i) => ({
      partition: i % 2,
      key: `offer-${i}`,
      value: `payload-${i}`,
      headers: {
        ce_id: `event-${i}`,
        [DLQ_HEADERS.reason]: `reason ${i}`,
        [DLQ_HEADERS.code]: i % 2 ? 'not-json' : 'schema-invalid',
        [DLQ_HEADERS.topic]: 'offer.events',
        [DLQ_HEADERS.partition]: String(i % 3),
        [DLQ_HEADERS.offset]: String(100 + i),
        [DLQ_HEADERS.consumer]: 'marketplace-test',
        [DLQ_HEADERS.time]: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      },
    }));
    await produceRaw(topic, letters, kafka);
    const prefix = uniqueId('dlq-');
    const newest = await readDeadLetters(kafka, { topic, limit: 3, groupPrefix: prefix, decode: (letter) => letter });
    expect(newest.map((l) => l.key)).toEqual(['offer-3', 'offer-4', 'offer-5']);
    expect(newest[0]).toMatchObject({
      topic,
      partition: 1,
      offset: '1',
      reason: 'reason 3',
      code: 'not-json',
      consumer: 'marketplace-test',
      originalTopic: 'offer.events',
      originalPartition: 0,
      originalOffset: '103',
      time: '2026-01-01T00:00:03.000Z',
      headers: expect.objectContaining({ ce_id: 'event-3' }),
    });
    expect(newest[0].value?.toString()).toBe('payload-3');
    const ids = await readDeadLetters(kafka, { topic, limit: 100, groupPrefix: prefix, decode: (letter) => letter.headers.ce_id });
    expect(ids).toEqual([...Array(6).keys()].map((i) => `event-${i}`));
    expect(await groupsWith(prefix)).toEqual([]);
  });

  test('an empty dead-letter topic has no letters; records without the headers have nulls', async () => {
    const topic = await topics.create('dead-letters-plain', 1);
    expect(await readDeadLetters(kafka, { topic, limit: 10, groupPrefix: uniqueId('dlq-'), decode: (l) => l })).toEqual([]);
    await produceRaw(topic, [{ key: null, value: 'x' }], kafka);
    const [letter] = await readDeadLetters(kafka, { topic, limit: 10, groupPrefix: uniqueId('dlq-'), decode: (l) => l });
    expect(letter).toMatchObject({
      key: null,
      reason: null,
      code: null,
      consumer: null,
      originalTopic: null,
      originalPartition: null,
      originalOffset: null,
      time: null,
    });
  });
});
