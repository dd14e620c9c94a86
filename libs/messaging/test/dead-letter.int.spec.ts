/**
 * Poison messages (not JSON, unknown type, schema-invalid, permanently rejected by the handler) land in
 * the dead-letter topic with their reason and origin, and the events behind them are still processed.
 * Transient failures (a handler error, the database dropping the connections) are retried, never skipped.
 */
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { createOfferEvent, encodeEvent, type Envelope, offerEventCodec } from '@mkt/events';
import { DLQ_HEADERS, InboxConsumer, MessagingRuntime } from '../src';
import { EventLog, produceRaw, TestDatabase, TestTopics, waitFor, waitForGroupCaughtUp } from '@mkt/testing';
import { createCounterApp } from './fixtures/counter-service';

const topics = new TestTopics();
let db: TestDatabase;
let app: INestApplication | undefined;

beforeEach(async () => {
  db = await new TestDatabase('dlq').create();
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  await db.drop();
});

afterAll(() => topics.cleanup());

function goLive(subject: string, requestedBy: string): Envelope {
  return createOfferEvent('GoLiveRequested', { requestedBy }, { subject, attempt: 1, correlationId: 'c' }, { source: '/marketplace/test' });
}

async function effectsOf(subject: string): Promise<string[]> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query('SELECT event_id FROM effects WHERE subject = $1 ORDER BY applied_order', [subject])).rows.map((r) => r.event_id);
  } finally {
    await client.end();
  }
}

test('poison messages are dead-lettered with reason and origin; the events behind them are processed', async () => {
  const topic = await topics.create('dlq-in', 1);
  const dlq = await topics.create('dlq-out', 1);
  const subject = 'publisher/poisoned';
  const before = goLive(subject, 'first');
  const rejected = goLive(subject, 'reject-me');
  const after = goLive(subject, 'last');
  const valid = encodeEvent(before);
  const schemaInvalid = { ...encodeEvent(goLive(subject, 'x')), value: JSON.stringify({ requestedBy: 42 }) };
  await produceRaw(topic, [
    { key: valid.key, value: valid.value, headers: valid.headers },
    { key: subject, value: '{not json', headers: { ...encodeEvent(goLive(subject, 'y')).headers } },
    { key: subject, value: '{}', headers: { ...encodeEvent(goLive(subject, 'z')).headers, ce_type: 'marketplace.offer.OfferTeleported' } },
    { key: schemaInvalid.key, value: schemaInvalid.value, headers: schemaInvalid.headers },
    { key: subject, value: 'plain bytes, no headers at all', headers: {} },
    ...[rejected, after].map((e) => encodeEvent(e)).map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
  ]);

  app = await createCounterApp({ database: db.name, databaseUrl: db.serverUrl, topic, deadLetterTopic: dlq, groupId: `dlq-${db.name}` });
  const deadLetters = await new EventLog(dlq).start();
  try {
    await waitFor('5 dead letters', () => deadLetters.raw.length >= 5);
    const byCode = Object.fromEntries(deadLetters.raw.map((m) => [m.headers[DLQ_HEADERS.code], m]));
    expect(Object.keys(byCode).sort()).toEqual(['missing-attribute', 'not-json', 'schema-invalid', 'test-rejection', 'unknown-type']);
    expect(byCode['not-json'].headers[DLQ_HEADERS.reason]).toMatch(/value is not JSON/);
    expect(byCode['not-json'].value).toBe('{not json'); // the original bytes, for re-driving
    expect(byCode['unknown-type'].headers[DLQ_HEADERS.reason]).toMatch(/OfferTeleported/);
    expect(byCode['schema-invalid'].headers[DLQ_HEADERS.reason]).toMatch(/requestedBy/);
    expect(byCode['test-rejection'].headers[DLQ_HEADERS.reason]).toBe('requests by reject-me can never be honoured');
    expect(byCode['test-rejection'].headers.ce_id).toBe(rejected.id);
    for (const m of deadLetters.raw) {
      expect(m.headers[DLQ_HEADERS.topic]).toBe(topic);
      expect(m.headers[DLQ_HEADERS.partition]).toBe('0');
      expect(Number.isNaN(Date.parse(m.headers[DLQ_HEADERS.time]))).toBe(false);
      expect(m.headers[DLQ_HEADERS.consumer]).toBe(`dlq-${db.name}`);
    }
    expect(byCode['not-json'].headers[DLQ_HEADERS.offset]).toBe('1');
    // the rejected event's own writes were rolled back; the events around it were handled
    expect(await effectsOf(subject)).toEqual([before.id, after.id]);
    await waitForGroupCaughtUp(`dlq-${db.name}`, topic);
  } finally {
    await deadLetters.stop();
  }
});

test('a transient handler failure is retried until it succeeds: nothing skipped, applied once', async () => {
  const topic = await topics.create('flaky-in', 2);
  const dlq = await topics.create('flaky-out', 1);
  const events = [goLive('publisher/flaky', 'flaky-user'), goLive('publisher/flaky', 'next'), goLive('publisher/steady', 'other')];
  await produceRaw(
    topic,
    events.map((e) => encodeEvent(e)).map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
  );
  app = await createCounterApp({ database: db.name, databaseUrl: db.serverUrl, topic, deadLetterTopic: dlq, groupId: `flaky-${db.name}` });
  await waitForGroupCaughtUp(`flaky-${db.name}`, topic);
  expect(await effectsOf('publisher/flaky')).toEqual([events[0].id, events[1].id]); // in order, once each
  expect(await effectsOf('publisher/steady')).toEqual([events[2].id]);
});

test('the database dropping every connection mid-stream is survived: all events applied exactly once', async () => {
  const topic = await topics.create('dbdown-in', 3);
  const runtime = await MessagingRuntime.create({
    service: 'dbdown',
    codec: offerEventCodec,
    kafka: { eventsTopic: topic, deadLetterTopic: `${topic}.dlq`, partitions: 3 },
    database: { url: db.serverUrl, database: db.name, poolSize: 4 },
  });
  await runtime.dataSource.query('CREATE TABLE applied (event_id text NOT NULL)');
  let terminated = false;
  const consumer: InboxConsumer = runtime.createConsumer(
    {
      handles: (type) => type === 'GoLiveRequested',
      dispatch: async (event, context) => {
        await context.tx.query('INSERT INTO applied (event_id) VALUES ($1)', [event.id]);
      },
    },
    { groupId: `dbdown-${db.name}`, maxMessagesPerTransaction: 25, backoff: { initialMs: 50, maxMs: 500 } },
  );
  const events = Array.from({ length: 600 }, (_, i) => goLive(`publisher/o${i % 12}`, `u${i}`));
  await produceRaw(
    topic,
    events.map((e) => encodeEvent(e)).map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
  );
  await consumer.start();
  try {
    const admin = new Client({ connectionString: db.serverUrl });
    await admin.connect();
    await waitFor('some events applied', async () => (await runtime.dataSource.query('SELECT count(*)::int AS n FROM applied'))[0].n > 50);
    const killed = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db.name]);
    terminated = killed.rowCount! > 0;
    await admin.end();
    await waitForGroupCaughtUp(`dbdown-${db.name}`, topic);
    const [counts] = await runtime.dataSource.query('SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct FROM applied');
    expect(terminated).toBe(true);
    expect(counts).toEqual({ total: 600, distinct: 600 });
    expect(consumer.stats.retries).toBeGreaterThan(0);
  } finally {
    await runtime.close();
  }
});
