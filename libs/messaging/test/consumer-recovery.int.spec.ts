/**
 * A consumer whose group session expires under load (its event loop blocked longer than the session
 * timeout) is dropped by the group coordinator; kafkajs then gives up on the consumer. The service must
 * rejoin by itself and finish the work: nothing skipped, nothing applied twice.
 */
import { createOfferEvent, encodeEvent, offerEventCodec, type OfferEvent } from '@mkt/events';
import { TestDatabase, TestTopics, produceRaw, waitForGroupCaughtUp } from '@mkt/testing';
import { MessagingRuntime } from '../src';

const topics = new TestTopics();
let db: TestDatabase;
let runtime: MessagingRuntime<OfferEvent>;

afterAll(async () => {
  await runtime?.close();
  await db?.drop();
  await topics.cleanup();
});

test('a consumer dropped by the coordinator rejoins and finishes: every event applied once', async () => {
  db = await new TestDatabase('recovery').create();
  const topic = await topics.create('recovery', 2);
  runtime = await MessagingRuntime.create({
    service: 'recovery',
    codec: offerEventCodec,
    kafka: { eventsTopic: topic, deadLetterTopic: `${topic}.dlq`, partitions: 2 },
    database: { url: db.serverUrl, database: db.name, poolSize: 4 },
  });
  await runtime.dataSource.query('CREATE TABLE applied (event_id text NOT NULL)');
  const groupId = `recovery-${db.name}`;
  let blocked = false;
  const consumer = runtime.createConsumer(
    {
      handles: (type) => type === 'GoLiveRequested',
      dispatch: async (event, context) => {
        await context.tx.query('INSERT INTO applied (event_id) VALUES ($1)', [event.id]);
        if (!blocked && event.type === 'GoLiveRequested' && event.data.requestedBy === 'slow') {
          blocked = true;
          // synchronous work longer than the session timeout: no heartbeat can be sent meanwhile
          const until = Date.now() + 9_000;
          while (Date.now() < until);
        }
      },
    },
    { groupId, sessionTimeoutMs: 6_000, maxMessagesPerTransaction: 10 },
  );
  const events = Array.from({ length: 200 }, (_, i) =>
    createOfferEvent(
      'GoLiveRequested',
      { requestedBy: i === 20 ? 'slow' : `u${i}` },
      { subject: `p/o${i % 10}`, attempt: 1, correlationId: 'c' },
      { source: '/t' },
    ),
  );
  await produceRaw(
    topic,
    events.map((e) => encodeEvent(e)).map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
  );
  await consumer.start();
  await waitForGroupCaughtUp(groupId, topic, { timeoutMs: 90_000 });
  const [counts] = await runtime.dataSource.query('SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct FROM applied');
  expect(blocked).toBe(true);
  expect(counts).toEqual({ total: 200, distinct: 200 });
});
