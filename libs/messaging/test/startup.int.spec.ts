/**
 * A service started while PostgreSQL is away (a restart, an outage; the chaos test started one during
 * its PostgreSQL outage and it exited) waits for it, saying so, and comes up when it is back. A
 * configuration mistake is not waited on: it fails at once.
 */
import { ConsoleLogger, Logger } from '@nestjs/common';
import { offerEventCodec } from '@mkt/events';
import { TcpProxy, TestDatabase, TestTopics, waitFor } from '@mkt/testing';
import { MessagingRuntime } from '../src';

const topics = new TestTopics();
let db: TestDatabase;
let proxy: TcpProxy;

beforeAll(async () => {
  db = await new TestDatabase('startup').create();
  proxy = await new TcpProxy('127.0.0.1', Number(new URL(db.serverUrl).port || 5432)).up();
});

afterAll(async () => {
  await proxy.close();
  await db.drop();
  await topics.cleanup();
});

test('started during a database outage, the runtime waits and comes up when PostgreSQL is back', async () => {
  const topic = await topics.create('startup', 1);
  const warnings: string[] = [];
  const console = new ConsoleLogger();
  Logger.overrideLogger({ log: () => undefined, error: (m) => console.error(m), warn: (message) => void warnings.push(String(message)) });
  await proxy.down();
  const url = new URL(db.serverUrl);
  url.port = String(proxy.port);
  let runtime: MessagingRuntime | undefined;
  const starting = MessagingRuntime.create({
    service: 'startup',
    codec: offerEventCodec,
    kafka: { eventsTopic: topic, deadLetterTopic: `${topic}.dlq`, partitions: 1 },
    database: { url: url.toString(), database: db.name, poolSize: 2 },
  }).then((r) => (runtime = r));
  try {
    await waitFor(
      'the runtime says it waits for PostgreSQL, twice',
      () => warnings.filter((w) => w.startsWith('waiting for PostgreSQL (connect ECONNREFUSED')).length >= 2,
    );
    expect(runtime).toBeUndefined();
    await proxy.up();
    await starting;
    expect(await runtime!.dataSource.query('SELECT count(*)::int AS n FROM outbox')).toEqual([{ n: 0 }]);
  } finally {
    Logger.overrideLogger(console);
    await proxy.up();
    await (await starting.catch(() => undefined))?.close();
  }
});

test('a database name that cannot be valid is refused at once, not waited on', async () => {
  const topic = await topics.create('startup-bad', 1);
  const started = Date.now();
  await expect(
    MessagingRuntime.create({
      service: 'startup',
      codec: offerEventCodec,
      kafka: { eventsTopic: topic, deadLetterTopic: `${topic}.dlq`, partitions: 1 },
      database: { url: db.serverUrl, database: 'No-Such Name', poolSize: 2 },
    }),
  ).rejects.toThrow(/invalid database name/);
  expect(Date.now() - started).toBeLessThan(5_000);
});
