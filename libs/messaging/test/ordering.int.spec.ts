/**
 * Per-offer order holds across partitions and through a consumer-group rebalance: two instances of a
 * service share the group; one stops in the middle of the run; the other takes over its partitions.
 */
import { createOfferEvent, encodeEvent, type Envelope, offerEventCodec } from '@mkt/events';
import { TestDatabase, TestTopics, produceRaw, waitFor, waitForGroupCaughtUp } from '@mkt/testing';
import { MessagingRuntime, type InboxConsumer } from '../src';

const OFFERS = 36;
const EVENTS = 3_000;
const topics = new TestTopics();
let db: TestDatabase;
const runtimes: MessagingRuntime[] = [];

afterAll(async () => {
  await Promise.all(runtimes.map((r) => r.close()));
  await db.drop();
  await topics.cleanup();
});

async function instance(name: string, topic: string, groupId: string): Promise<{ runtime: MessagingRuntime; consumer: InboxConsumer }> {
  const runtime = await MessagingRuntime.create({
    service: 'ordering',
    codec: offerEventCodec,
    kafka: { eventsTopic: topic, deadLetterTopic: `${topic}.dlq`, partitions: 6 },
    database: { url: db.serverUrl, database: db.name, poolSize: 4 },
  });
  runtimes.push(runtime);
  const consumer = runtime.createConsumer(
    {
      handles: (type) => type === 'GoLiveRequested',
      dispatch: async (event, context) => {
        await context.tx.query('INSERT INTO applied (event_id, subject, instance) VALUES ($1, $2, $3)', [event.id, event.subject, name]);
      },
    },
    { groupId, maxMessagesPerTransaction: 20, partitionsConsumedConcurrently: 2 },
  );
  return { runtime, consumer };
}

test('two instances, one leaves mid-run: every offer sees its events once each, in order', async () => {
  db = await new TestDatabase('ordering').create();
  const topic = await topics.create('ordering', 6);
  const groupId = `ordering-${db.name}`;
  const a = await instance('a', topic, groupId);
  const b = await instance('b', topic, groupId);
  await a.runtime.dataSource.query('CREATE TABLE applied (seq bigserial PRIMARY KEY, event_id text NOT NULL, subject text NOT NULL, instance text NOT NULL)');

  const produced = new Map<string, string[]>();
  const events: Envelope[] = Array.from({ length: EVENTS }, (_, i) => {
    const subject = `publisher/offer-${i % OFFERS}`;
    const event = createOfferEvent('GoLiveRequested', { requestedBy: `u${i}` }, { subject, attempt: 1, correlationId: subject }, { source: '/t' });
    produced.set(subject, [...(produced.get(subject) ?? []), event.id]);
    return event;
  });

  await Promise.all([a.consumer.start(), b.consumer.start()]);
  await produceRaw(
    topic,
    events.map((e) => encodeEvent(e)).map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
  );

  const count = async () => (await a.runtime.dataSource.query('SELECT count(*)::int AS n FROM applied'))[0].n as number;
  await waitFor('a third of the events applied', async () => (await count()) > EVENTS / 3);
  await b.consumer.stop(); // leaves the group: a takes over its partitions from their committed offsets
  expect(await count()).toBeLessThan(EVENTS); // b left in the middle of the run
  await waitForGroupCaughtUp(groupId, topic);

  const rows: Array<{ event_id: string; subject: string; instance: string }> = await a.runtime.dataSource.query(
    'SELECT event_id, subject, instance FROM applied ORDER BY seq',
  );
  expect(rows).toHaveLength(EVENTS);
  const applied = new Map<string, string[]>();
  for (const row of rows) applied.set(row.subject, [...(applied.get(row.subject) ?? []), row.event_id]);
  for (const [subject, ids] of produced) expect(applied.get(subject)).toEqual(ids);
  const byInstance = new Set(rows.map((r) => r.instance));
  expect(byInstance).toEqual(new Set(['a', 'b'])); // both did work, so the hand-over really happened
});
