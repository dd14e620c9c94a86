/**
 * The relay goes on past a row Kafka refuses for good: the row is parked with the reason, later rows of
 * its key wait behind it (that offer waits, in order), every other key is published; an operator
 * releases the row (retry or discard) and the rows behind it go.
 */
import { createOfferEvent, type Envelope, offerEventCodec } from '@mkt/events';
import { listParkedRows, MessagingRuntime, releaseParkedRows } from '../src';
import { EventLog, TestDatabase, testKafka, uniqueId, waitFor } from '@mkt/testing';

let db: TestDatabase;
const created: string[] = [];

beforeEach(async () => {
  db = await new TestDatabase('parking').create();
});

afterEach(async () => {
  await db.drop();
});

afterAll(async () => {
  const admin = testKafka().admin();
  await admin.connect();
  await admin.deleteTopics({ topics: created, timeout: 10_000 }).catch(() => undefined);
  await admin.disconnect();
});

function event(subject: string, size = 10): Envelope {
  return createOfferEvent('GoLiveRequested', { requestedBy: 'x'.repeat(size) }, { subject, attempt: 1, correlationId: 'c' }, { source: '/marketplace/test' });
}

test('a refused row is parked, its key waits behind it, every other key goes on; release lets the key go', async () => {
  // The broker of this topic refuses records over 20 kB; the relay itself sends at most 100 kB per request.
  const topic = `parking.${uniqueId('')}`;
  created.push(topic, `${topic}.dlq`);
  const admin = testKafka().admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, configEntries: [{ name: 'max.message.bytes', value: '20000' }] }] });
  await admin.disconnect();
  const runtime = await MessagingRuntime.create({
    service: 'parking',
    codec: offerEventCodec,
    kafka: { eventsTopic: topic, deadLetterTopic: `${topic}.dlq`, partitions: 3 },
    database: { url: db.serverUrl, database: db.name, poolSize: 4 },
    relay: { maxRequestBytes: 100_000, pollIntervalMs: 50 },
  });
  const log = await new EventLog(topic).start();
  try {
    const a = [event('p/a'), event('p/a', 30_000), event('p/a')]; // the broker refuses a[1]
    const b = Array.from({ length: 5 }, () => event('p/b'));
    const c = [event('p/c', 150_000), event('p/c')]; // c[0] is over the relay's request limit: never sent
    const d = [event('p/d')];
    await runtime.unitOfWork.run(async (tx) => tx.emit(a[0], b[0], a[1], b[1], c[0], a[2], b[2], c[1], b[3], d[0], b[4]));
    runtime.startRelay();

    await waitFor('other keys published', () => log.of('p/b').length === 5 && log.of('p/d').length === 1 && log.of('p/a').length === 1);
    await waitFor('two rows parked', async () => (await listParkedRows(runtime.dataSource)).length === 2);
    const parked = await listParkedRows(runtime.dataSource);
    expect(parked.map((p) => [p.eventId, p.key, p.heldBack])).toEqual([
      [a[1].id, 'p/a', 1],
      [c[0].id, 'p/c', 1],
    ]);
    expect(parked[0].reason).toMatch(/the broker refused it: .*larger than the max message size/);
    expect(parked[1].reason).toMatch(/record of \d+ bytes exceeds the relay's limit of 100000 bytes/);
    expect(runtime.relay.stats.parked).toBe(2);
    await waitFor('nothing pending but the held rows', async () => (await runtime.relay.pendingCount()) === 0); // held rows are not pending work
    expect(log.of('p/a').map((e) => e.id)).toEqual([a[0].id]);
    expect(log.of('p/c')).toEqual([]);

    // the pipeline goes on for everyone else
    const later = event('p/b');
    await runtime.unitOfWork.run(async (tx) => tx.emit(later));
    await waitFor('a later event of another key', () => log.of('p/b').some((e) => e.id === later.id));

    // retry: sent again, refused again, parked again; the key still waits
    expect(await releaseParkedRows(runtime.dataSource, [parked[1].id], 'retry')).toEqual([parked[1].id]);
    await waitFor('parked again', () => runtime.relay.stats.parked === 3);
    expect(log.of('p/c')).toEqual([]);

    // discard: given up for good, and the rows behind it go, in order
    expect((await releaseParkedRows(runtime.dataSource, [parked[0].id, parked[1].id], 'discard')).sort()).toEqual([parked[0].id, parked[1].id].sort());
    await waitFor('held rows published', () => log.of('p/a').length === 2 && log.of('p/c').length === 1);
    expect(log.of('p/a').map((e) => e.id)).toEqual([a[0].id, a[2].id]);
    expect(log.of('p/c').map((e) => e.id)).toEqual([c[1].id]);
    expect(await listParkedRows(runtime.dataSource)).toEqual([]);
    // repeating a release changes nothing
    expect(await releaseParkedRows(runtime.dataSource, [parked[0].id], 'discard')).toEqual([]);
    const [discarded] = await runtime.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE discarded_at IS NOT NULL`);
    expect(discarded.n).toBe(2);
  } finally {
    await log.stop();
    await runtime.close();
  }
});
