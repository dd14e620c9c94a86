/**
 * An event written to the outbox reaches its consumer exactly once in effect, even when every event is
 * delivered twice, when the consumer is SIGKILLed between its database commit and its offset commit,
 * and when the relay is SIGKILLed between publishing and marking rows published.
 */
import { join } from 'node:path';
import { Client } from 'pg';
import {
  TestDatabase,
  TestTopics,
  TopicReader,
  committedCount,
  startProcess,
  topicMessageCount,
  waitFor,
  waitForGroupCaughtUp,
  type ChildHandle,
} from '@mkt/testing';

const FIXTURES = join(__dirname, 'fixtures');

interface Scenario {
  topic: string;
  dlq: string;
  emitterDb: TestDatabase;
  counterDb: TestDatabase;
  group: string;
}

const topics = new TestTopics();
const databases: TestDatabase[] = [];
const children: ChildHandle[] = [];

async function scenario(label: string): Promise<Scenario> {
  const emitterDb = await new TestDatabase(`${label}_emitter`).create();
  const counterDb = await new TestDatabase(`${label}_counter`).create();
  databases.push(emitterDb, counterDb);
  const topic = await topics.create(`eo-${label}`);
  const dlq = await topics.create(`eo-${label}-dlq`);
  return { topic, dlq, emitterDb, counterDb, group: `counter-${label}-${counterDb.name}` };
}

function runEmitter(s: Scenario, env: Record<string, string>): ChildHandle {
  const child = startProcess(join(FIXTURES, 'emitter.ts'), {
    EMIT_TOPIC: s.topic,
    EMIT_DLQ_TOPIC: s.dlq,
    EMITTER_DATABASE: s.emitterDb.name,
    DATABASE_URL: s.emitterDb.serverUrl,
    ...env,
  });
  children.push(child);
  return child;
}

function runCounter(s: Scenario, env: Record<string, string> = {}): ChildHandle {
  const child = startProcess(join(FIXTURES, 'counter-service.ts'), {
    COUNTER_TOPIC: s.topic,
    COUNTER_DLQ_TOPIC: s.dlq,
    COUNTER_DATABASE: s.counterDb.name,
    COUNTER_GROUP: s.group,
    DATABASE_URL: s.counterDb.serverUrl,
    // a SIGKILLed member holds its partitions until its session times out
    CONSUMER_SESSION_TIMEOUT_MS: '6000',
    ...env,
  });
  children.push(child);
  return child;
}

async function query<T>(db: TestDatabase, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

async function effects(db: TestDatabase): Promise<{ total: number; distinct: number }> {
  const [row] = await query<{ total: number; distinct: number }>(db, 'SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct FROM effects');
  return row;
}

/** Every GoLiveRequested got exactly one WentLive on the log (by causation), whatever the duplicates. */
async function expectOneWentLivePerRequest(s: Scenario, requests: number): Promise<void> {
  const reader = await new TopicReader(s.topic).start();
  try {
    await waitFor(`${requests} distinct WentLive causes`, () => {
      const causes = new Set(reader.messages.filter((m) => m.headers.ce_type?.endsWith('WentLive')).map((m) => m.headers.ce_causationid));
      return causes.size === requests;
    });
    const requestIds = new Set(reader.messages.filter((m) => m.headers.ce_type?.endsWith('GoLiveRequested')).map((m) => m.headers.ce_id));
    const causes = new Set(reader.messages.filter((m) => m.headers.ce_type?.endsWith('WentLive')).map((m) => m.headers.ce_causationid));
    expect(requestIds.size).toBe(requests);
    expect([...causes].every((c) => requestIds.has(c))).toBe(true);
  } finally {
    await reader.stop();
  }
}

afterAll(async () => {
  await Promise.all(children.map((c) => c.kill('SIGKILL')));
  await topics.cleanup();
  await Promise.all(databases.map((d) => d.drop()));
});

test('(a) every event delivered twice: each effect applied once', async () => {
  const s = await scenario('twice');
  const emitter = runEmitter(s, { EMIT_COUNT: '400', OFFERS: '20', DUPLICATE: '2' });
  expect(await emitter.exited).toEqual({ code: 0, signal: null });
  expect(await topicMessageCount(s.topic)).toBe(800); // the log really holds every event twice

  const counter = runCounter(s);
  await waitForGroupCaughtUp(s.group, s.topic);
  expect(await effects(s.counterDb)).toEqual({ total: 400, distinct: 400 });
  await expectOneWentLivePerRequest(s, 400);
  await waitForGroupCaughtUp(s.group, s.topic); // its own WentLive events, skipped
  expect(await effects(s.counterDb)).toEqual({ total: 400, distinct: 400 });
  expect(await counter.kill('SIGTERM')).toEqual({ code: 0, signal: null });
});

test('(b) consumer SIGKILLed after its database commit, before its offset commit: nothing lost, nothing applied twice', async () => {
  const s = await scenario('consumerkill');
  expect(await runEmitter(s, { EMIT_COUNT: '600', OFFERS: '30' }).exited).toEqual({ code: 0, signal: null });

  const crashing = runCounter(s, { MKT_CRASH_AT: 'consumer.afterDbCommit', MKT_CRASH_AFTER: '3', CONSUMER_MAX_BATCH: '40' });
  expect(await crashing.exited).toEqual({ code: null, signal: 'SIGKILL' });
  const committedToDb = (await effects(s.counterDb)).total;
  const committedToKafka = await committedCount(s.group, s.topic);
  // the crash left work committed in the database whose offsets Kafka never got
  expect(committedToDb).toBeGreaterThan(committedToKafka);

  const restarted = runCounter(s, { CONSUMER_MAX_BATCH: '40' });
  await waitForGroupCaughtUp(s.group, s.topic);
  await expectOneWentLivePerRequest(s, 600);
  await waitForGroupCaughtUp(s.group, s.topic);
  expect(await effects(s.counterDb)).toEqual({ total: 600, distinct: 600 });
  const [inbox] = await query<{ n: number }>(s.counterDb, `SELECT count(*)::int AS n FROM inbox`);
  expect(inbox.n).toBe(600);
  await restarted.kill('SIGTERM');
});

test('(c) relay SIGKILLed after publishing, before marking rows published: duplicates on the log, effects once', async () => {
  const s = await scenario('relaykill');
  const crashing = runEmitter(s, { EMIT_COUNT: '500', OFFERS: '25', RELAY_BATCH: '100', MKT_CRASH_AT: 'relay.afterPublish', MKT_CRASH_AFTER: '2' });
  expect(await crashing.exited).toEqual({ code: null, signal: 'SIGKILL' });
  expect(await topicMessageCount(s.topic)).toBe(200);
  const [pending] = await query<{ n: number }>(s.emitterDb, 'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
  expect(pending.n).toBe(400); // the second batch went out but was never marked

  expect(await runEmitter(s, { EMIT: 'false', RELAY_BATCH: '100' }).exited).toEqual({ code: 0, signal: null });
  expect(await topicMessageCount(s.topic)).toBe(600); // 100 events twice

  const counter = runCounter(s);
  await waitForGroupCaughtUp(s.group, s.topic);
  await expectOneWentLivePerRequest(s, 500);
  await waitForGroupCaughtUp(s.group, s.topic);
  expect(await effects(s.counterDb)).toEqual({ total: 500, distinct: 500 });
  await counter.kill('SIGTERM');
});
