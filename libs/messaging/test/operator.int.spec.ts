/**
 * Every service's operator routes, on the counter service: a dead letter whose cause is then lifted is
 * redriven through the consumer that failed only (another group of the same topic never sees it again),
 * once (a repeat answers what was recorded), recorded with the operator's subject; lag shows a backlog;
 * fault settings change behaviour at run time (development mode only); operator tokens only.
 */
import type { INestApplication } from '@nestjs/common';
import { SignJWT } from 'jose';
import { Client } from 'pg';
import { createOfferEvent, type Envelope } from '@mkt/events';
import { publishEvents, TestDatabase, TestTopics, waitFor, waitForGroupCaughtUp } from '@mkt/testing';
import { booleanSetting, EventsTransport, FaultSettings, type InboxConsumer } from '../src';
import { counterFaults, createCounterApp } from './fixtures/counter-service';

const SECRET = 'operator-tests-secret-of-at-least-32-bytes';
const auth = { jwtSecret: SECRET, maxTokenLifetimeSeconds: 3600 };
const topics = new TestTopics();
const databases: TestDatabase[] = [];
const apps: INestApplication[] = [];

afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await Promise.all(databases.map((d) => d.drop()));
  await topics.cleanup();
});

async function token(claims: Record<string, unknown>, sub = 'ops-alice'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(SECRET));
}

function goLive(subject: string, requestedBy = 'someone'): Envelope {
  return createOfferEvent('GoLiveRequested', { requestedBy }, { subject, attempt: 1, correlationId: 'c' }, { source: '/marketplace/test' });
}

async function query<T>(db: TestDatabase, sql: string, parameters: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query(sql, parameters)).rows as T[];
  } finally {
    await client.end();
  }
}

const effectsOf = async (db: TestDatabase, eventId: string) =>
  (await query<{ n: number }>(db, 'SELECT count(*)::int AS n FROM effects WHERE event_id = $1', [eventId]))[0].n;

interface Counter {
  app: INestApplication;
  db: TestDatabase;
  group: string;
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by the assertions
  call(method: string, path: string, options?: { token?: string; body?: unknown }): Promise<{ status: number; body: any }>;
}

async function counter(label: string, topic: string, dlq: string, development = false): Promise<Counter> {
  const db = await new TestDatabase(`op_${label}`).create();
  databases.push(db);
  const group = `op-${label}-${db.name}`;
  const faults = new FaultSettings({ refuseRequests: booleanSetting(counterFaults, 'refuseRequests', 'every GoLiveRequested is refused for good') });
  const app = await createCounterApp({
    database: db.name,
    databaseUrl: db.serverUrl,
    topic,
    deadLetterTopic: dlq,
    groupId: group,
    operator: { auth, development, faults },
  });
  apps.push(app);
  const url = await app.getUrl();
  const call: Counter['call'] = async (method, path, options = {}) => {
    const response = await fetch(`${url.replace('[::1]', '127.0.0.1')}${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined && method !== 'GET' ? { 'content-type': 'application/json' } : {}),
      },
      body: options.body === undefined || method === 'GET' ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return { app, db, group, url, call };
}

let topic: string;
let dlq: string;
let failing: Counter;
let other: Counter;
let operator: string;

beforeAll(async () => {
  topic = await topics.create('op-in', 3);
  dlq = await topics.create('op-dlq', 2);
  failing = await counter('a', topic, dlq, true);
  other = await counter('b', topic, dlq);
  operator = await token({ role: 'operator' });
});

test('a dead letter whose cause is lifted is redriven once, by the consumer that failed only, and recorded', async () => {
  const subject = 'redrive-pub/blocked-offer';
  await query(failing.db, 'INSERT INTO blocked_subjects (subject) VALUES ($1)', [subject]);
  const event = goLive(subject);
  const after = goLive('redrive-pub/after');
  await publishEvents(topic, [event, after], { twice: true });
  await waitForGroupCaughtUp(failing.group, topic);
  await waitForGroupCaughtUp(other.group, topic);
  expect(await effectsOf(failing.db, event.id)).toBe(0);
  expect(await effectsOf(other.db, event.id)).toBe(1);

  const letter = await waitFor('the dead letter to be listed', async () => {
    const listed = await failing.call('GET', `/operator/dead-letters?offer=${subject}`, { token: operator });
    expect(listed.status).toBe(200);
    return (listed.body.value as Array<{ eventId: string; id: string }>).find((l) => l.eventId === event.id);
  });
  expect(letter).toMatchObject({ consumer: failing.group, code: 'test-blocked', eventType: event.type, subject, attempt: 1, redrive: null });
  expect(letter).toMatchObject({ source: { topic } });
  // the other service lists none of it: not its consumer's
  expect((await other.call('GET', '/operator/dead-letters', { token: operator })).body.value).toEqual([]);
  const shown = await failing.call('GET', `/operator/dead-letters/${letter.id}`, { token: operator });
  expect(shown.status).toBe(200);
  expect(shown.body.payload).toEqual({ requestedBy: 'someone' });
  expect((await other.call('GET', `/operator/dead-letters/${letter.id}`, { token: operator })).status).toBe(404);

  // the cause is lifted; the other group's count is where it was
  await query(failing.db, 'DELETE FROM blocked_subjects');
  const redriven = await failing.call('POST', '/operator/dead-letters/redrive', { token: operator, body: { ids: [letter.id] } });
  expect(redriven.status).toBe(200);
  expect(redriven.body.value).toEqual([{ id: letter.id, outcome: 'handled', by: 'ops-alice', at: expect.any(String), repeated: false }]);
  expect(await effectsOf(failing.db, event.id)).toBe(1);
  expect(await effectsOf(other.db, event.id)).toBe(1);
  const [inbox] = await query<{ outcome: string }>(failing.db, 'SELECT outcome FROM inbox WHERE consumer = $1 AND message_id = $2', [failing.group, event.id]);
  expect(inbox.outcome).toBe('handled');

  // repeated (by another operator): the recorded result, nothing handled again
  const again = await failing.call('POST', '/operator/dead-letters/redrive', {
    token: await token({ role: 'operator' }, 'ops-bob'),
    body: { ids: [letter.id] },
  });
  expect(again.body.value).toEqual([{ ...redriven.body.value[0], repeated: true }]);
  expect(await effectsOf(failing.db, event.id)).toBe(1);
  expect(await query(failing.db, 'SELECT id, consumer, "by", outcome FROM dead_letter_redrives')).toEqual([
    { id: letter.id, consumer: failing.group, by: 'ops-alice', outcome: 'handled' },
  ]);
  const listedAfter = await failing.call('GET', `/operator/dead-letters?offer=${subject}`, { token: operator });
  expect(listedAfter.body.value.find((l: { id: string }) => l.id === letter.id).redrive).toMatchObject({ by: 'ops-alice', outcome: 'handled' });
  // the handler's event went out once, and the other group still has its one effect after catching up
  await waitForGroupCaughtUp(other.group, topic);
  expect(await effectsOf(other.db, event.id)).toBe(1);
});

test('a redrive that fails again dead-letters the record again, and says so', async () => {
  const subject = 'redrive-pub/still-blocked';
  await query(failing.db, 'INSERT INTO blocked_subjects (subject) VALUES ($1)', [subject]);
  const event = goLive(subject);
  await publishEvents(topic, [event], { twice: true });
  const letter = await waitFor('the dead letter', async () =>
    ((await failing.call('GET', `/operator/dead-letters?offer=${subject}`, { token: operator })).body.value as Array<{ eventId: string; id: string }>).find(
      (l) => l.eventId === event.id,
    ),
  );
  const redriven = await failing.call('POST', '/operator/dead-letters/redrive', { token: operator, body: { ids: [letter.id] } });
  expect(redriven.body.value[0]).toMatchObject({ outcome: 'dead-lettered-again', repeated: false });
  const letters = await waitFor('the second dead letter', async () => {
    const value = (await failing.call('GET', `/operator/dead-letters?offer=${subject}`, { token: operator })).body.value as Array<{
      eventId: string;
      reason: string;
    }>;
    return value.length === 2 ? value : undefined;
  });
  expect(letters[1].reason).toMatch(/redriven/);
  expect(await effectsOf(failing.db, event.id)).toBe(0);
});

test('bad input is a 400 naming the field; no token 401, a publisher token 403', async () => {
  const bad = await failing.call('POST', '/operator/dead-letters/redrive', { token: operator, body: { ids: ['nope'] } });
  expect(bad.status).toBe(400);
  expect(bad.body.fields[0].field).toBe('ids[0]');
  expect((await failing.call('GET', '/operator/dead-letters?limit=0', { token: operator })).body.fields[0].field).toBe('limit');
  expect((await failing.call('GET', '/operator/dead-letters?since=yesterday', { token: operator })).body.fields[0].field).toBe('since');
  const publisher = await token({ role: 'publisher', publisherId: 'contoso' });
  for (const [method, path] of [
    ['GET', '/operator/dead-letters'],
    ['POST', '/operator/dead-letters/redrive'],
    ['GET', '/operator/lag'],
    ['GET', '/operator/outbox/parked'],
    ['POST', '/operator/outbox/parked/release'],
    ['GET', '/operator/faults'],
    ['PUT', '/operator/faults'],
  ]) {
    expect(`${method} ${path} ${(await failing.call(method, path)).status}`).toBe(`${method} ${path} 401`);
    expect(`${method} ${path} ${(await failing.call(method, path, { token: publisher, body: {} })).status}`).toBe(`${method} ${path} 403`);
  }
  const wrongKey = await new SignJWT({ role: 'operator' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('x')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode('another-secret-of-at-least-32-bytes!!'));
  expect((await failing.call('GET', '/operator/lag', { token: wrongKey })).status).toBe(401);
});

test('lag shows the backlog produced while the consumer was stopped', async () => {
  await waitForGroupCaughtUp(other.group, topic);
  await other.app.get(EventsTransport).unwrap<InboxConsumer>().stop();
  await publishEvents(
    topic,
    Array.from({ length: 7 }, (_, i) => goLive(`lag-pub/offer-${i}`)),
  );
  const lag = await other.call('GET', '/operator/lag', { token: operator });
  expect(lag.status).toBe(200);
  expect(lag.body).toMatchObject({ service: 'counter', outbox: { pending: expect.any(Number), parked: 0 }, jobs: [] });
  const [consumer] = lag.body.consumers;
  expect(consumer).toMatchObject({ group: other.group, topic });
  // the 7 requests, and what the other counter (still consuming) emitted about them
  expect(consumer.lag).toBeGreaterThanOrEqual(7);
  expect(consumer.partitions).toHaveLength(3);
  expect(consumer.partitions.reduce((sum: number, p: { lag: number }) => sum + p.lag, 0)).toBe(consumer.lag);
  for (const p of consumer.partitions) expect(Number(p.end) - Number(p.committed ?? 0)).toBe(p.lag);
});

test('fault settings change behaviour without a restart, in development mode only; bad values name the field', async () => {
  expect((await other.call('GET', '/operator/faults', { token: operator })).status).toBe(404);
  expect((await failing.call('GET', '/operator/faults', { token: operator })).body.settings).toEqual({ refuseRequests: false });
  const bad = await failing.call('PUT', '/operator/faults', { token: operator, body: { refuseRequests: 'yes' } });
  expect(bad.status).toBe(400);
  expect(bad.body.fields).toEqual([{ field: 'refuseRequests', problems: ['must be true or false'] }]);
  expect((await failing.call('PUT', '/operator/faults', { token: operator, body: { nonsense: 1 } })).body.fields[0].field).toBe('nonsense');

  const changed = await failing.call('PUT', '/operator/faults', { token: operator, body: { refuseRequests: true } });
  expect(changed.status).toBe(200);
  expect(changed.body.settings).toEqual({ refuseRequests: true });
  try {
    const event = goLive('faults-pub/refused');
    await publishEvents(topic, [event], { twice: true });
    const letter = await waitFor('the refused event dead-lettered', async () =>
      ((await failing.call('GET', '/operator/dead-letters?code=test-fault', { token: operator })).body.value as Array<{ eventId: string }>).find(
        (l) => l.eventId === event.id,
      ),
    );
    expect(letter).toBeDefined();
  } finally {
    await failing.call('PUT', '/operator/faults', { token: operator, body: { refuseRequests: false } });
  }
  const event = goLive('faults-pub/accepted');
  await publishEvents(topic, [event], { twice: true });
  await waitFor('the event handled once the fault is lifted', async () => (await effectsOf(failing.db, event.id)) === 1);
});
