/**
 * Stall the message, never the partition: a message that fails deterministically (bad data PostgreSQL
 * cannot store, a constraint, a bug, an event over the size budget) is retried a bounded number of times
 * and dead-lettered with its code and reason, while every message around it goes on. An outage of the
 * database is retried without limit and never dead-letters a healthy event.
 */
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { createOfferEvent, encodeEvent, type Envelope, offerEventCodec } from '@mkt/events';
import { DLQ_HEADERS, MessagingRuntime, type InboxConsumer } from '../src';
import { EventLog, produceRaw, TestDatabase, TestTopics, waitFor, waitForGroupCaughtUp } from '@mkt/testing';
import { createCounterApp } from './fixtures/counter-service';

const topics = new TestTopics();
let db: TestDatabase;
let app: INestApplication | undefined;

beforeEach(async () => {
  db = await new TestDatabase('isolation').create();
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

async function query<T>(sql: string, parameters: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query(sql, parameters)).rows as T[];
  } finally {
    await client.end();
  }
}

test('each message that fails deterministically is dead-lettered after its tries; the partition goes on, in order', async () => {
  const topic = await topics.create('isolate-in', 1); // one partition: every message below waits behind the bad ones unless they are isolated
  const dlq = await topics.create('isolate-out', 1);
  const healthy = [goLive('publisher/healthy', 'first'), goLive('publisher/healthy', 'second'), goLive('publisher/healthy', 'third')];
  const bad = {
    nul: goLive('publisher/nul', 'store:a@b.test\u0000'),
    surrogate: goLive('publisher/surrogate', 'store:\ud800'),
    duplicate: goLive('publisher/dup', 'duplicate'),
    crash: goLive('publisher/crash', 'crash'),
    huge: goLive('publisher/huge', 'huge'),
  };
  const wire = (e: Envelope) => {
    const m = encodeEvent(e);
    return { key: m.key, value: m.value, headers: m.headers };
  };
  const ordered = [healthy[0], bad.nul, bad.surrogate, healthy[1], bad.duplicate, bad.crash, bad.huge, healthy[2]];
  // delivered twice: the second copy of each is a duplicate whatever became of the first
  await produceRaw(topic, [
    ...ordered.map(wire),
    { key: 'publisher/poison', value: 'not json', headers: { ce_type: 'marketplace.offer.\u0000Bad', note: 'lone \ud800' } },
    ...ordered.map(wire),
  ]);
  app = await createCounterApp({
    database: db.name,
    databaseUrl: db.serverUrl,
    topic,
    deadLetterTopic: dlq,
    groupId: `iso-${db.name}`,
    consumer: { maxAttempts: 3 },
  });
  const deadLetters = await new EventLog(dlq).start();
  const log = await new EventLog(topic).start();
  try {
    await waitForGroupCaughtUp(`iso-${db.name}`, topic, { timeoutMs: 60_000 });
    await waitFor('6 dead letters', () => deadLetters.raw.length >= 6);
    const byId = Object.fromEntries(deadLetters.raw.map((m) => [m.headers.ce_id ?? 'poison', m]));
    expect(deadLetters.raw).toHaveLength(6); // each bad message once, though delivered twice
    expect(byId[bad.nul.id].headers[DLQ_HEADERS.code]).toBe('pg-22P05');
    expect(byId[bad.nul.id].headers[DLQ_HEADERS.reason]).toMatch(/unsupported Unicode escape sequence.*\(failed 3 times\)/);
    expect(byId[bad.surrogate.id].headers[DLQ_HEADERS.code]).toMatch(/^pg-22/);
    expect(byId[bad.duplicate.id].headers[DLQ_HEADERS.code]).toBe('pg-23505');
    expect(byId[bad.crash.id].headers[DLQ_HEADERS.code]).toBe('TypeError');
    expect(byId[bad.crash.id].headers[DLQ_HEADERS.reason]).toMatch(/trim/);
    expect(byId[bad.huge.id].headers[DLQ_HEADERS.code]).toBe('event-too-large');
    expect(byId[bad.huge.id].headers[DLQ_HEADERS.reason]).toMatch(/over the budget of 1048576 bytes/);
    // a poison record whose own headers PostgreSQL could not store is dead-lettered too, its text made storable
    expect(byId.poison.headers[DLQ_HEADERS.code]).toBe('not-json');
    expect(byId.poison.headers.note).toBe('lone \uFFFD');
    for (const m of deadLetters.raw) expect(m.headers[DLQ_HEADERS.topic]).toBe(topic);

    // the healthy events were handled once each, in order; the bad ones left no effect behind
    const effects = await query<{ event_id: string; subject: string }>('SELECT event_id, subject FROM effects ORDER BY applied_order');
    expect(effects.map((e) => e.event_id)).toEqual(healthy.map((e) => e.id));
    await waitFor('3 WentLive', () => log.of('publisher/healthy', 'WentLive').length === 3);
    expect(log.events.filter((e) => e.type === 'WentLive' && e.subject !== 'publisher/healthy')).toEqual([]);
    const outcomes = await query<{ outcome: string; n: number }>(`SELECT outcome, count(*)::int AS n FROM inbox GROUP BY outcome ORDER BY outcome`);
    expect(outcomes).toEqual([
      { outcome: 'dead-lettered', n: 6 },
      { outcome: 'handled', n: 3 },
    ]);
  } finally {
    await deadLetters.stop();
    await log.stop();
  }
});

test('a database outage is retried without limit and dead-letters no healthy event, even with one try per message', async () => {
  const topic = await topics.create('outage-in', 3);
  const runtime = await MessagingRuntime.create({
    service: 'outage',
    codec: offerEventCodec,
    kafka: { eventsTopic: topic, deadLetterTopic: `${topic}.dlq`, partitions: 3 },
    database: { url: db.serverUrl, database: db.name, poolSize: 4 },
  });
  await runtime.dataSource.query('CREATE TABLE applied (event_id text NOT NULL, doc jsonb NOT NULL)');
  const consumer: InboxConsumer = runtime.createConsumer(
    {
      handles: (type) => type === 'GoLiveRequested',
      dispatch: async (event, context) => {
        await context.tx.query('INSERT INTO applied (event_id, doc) VALUES ($1, $2)', [event.id, JSON.stringify(event.data)]);
        context.tx.emit(
          createOfferEvent('WentLive', { catalogUrl: 'https://catalog.test/x' }, { subject: event.subject, attempt: 1, correlationId: 'c' }, { source: '/t' }),
        );
      },
    },
    // maxAttempts 1: a single outage error counted against a message would dead-letter it at once
    { groupId: `outage-${db.name}`, maxMessagesPerTransaction: 20, maxAttempts: 1, backoff: { initialMs: 50, maxMs: 300 } },
  );
  const events = Array.from({ length: 600 }, (_, i) => goLive(`publisher/o${i % 12}`, `u${i}`));
  await produceRaw(
    topic,
    events.map((e) => encodeEvent(e)).map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
  );
  runtime.startRelay();
  await consumer.start();
  const admin = new Client({ connectionString: db.serverUrl });
  await admin.connect();
  try {
    await waitFor('some events applied', async () => (await query<{ n: number }>('SELECT count(*)::int AS n FROM applied'))[0].n > 30);
    // The database keeps dropping every connection of the service for 3 s.
    let terminated = 0;
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      const killed = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db.name]);
      terminated += killed.rowCount ?? 0;
      await new Promise((resolve) => setTimeout(resolve, 100)); // the outage's rhythm, not a wait for a condition
    }
    await waitForGroupCaughtUp(`outage-${db.name}`, topic, { timeoutMs: 60_000 });
    const [counts] = await query<{ total: number; distinct: number }>('SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct FROM applied');
    expect(terminated).toBeGreaterThan(5);
    expect(counts).toEqual({ total: 600, distinct: 600 });
    expect(consumer.stats.deadLettered).toBe(0);
    expect(consumer.stats.retries).toBeGreaterThan(0);
    expect(await query(`SELECT * FROM inbox WHERE outcome <> 'handled'`)).toEqual([]);
    expect(await query(`SELECT id FROM outbox WHERE topic = $1`, [`${topic}.dlq`])).toEqual([]);
  } finally {
    await admin.end();
    await runtime.close();
  }
});
