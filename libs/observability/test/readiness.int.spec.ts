/**
 * Health and metrics of a service on the real broker and PostgreSQL, each reached through a TCP proxy
 * the test can cut: readiness is 200, turns 503 naming `database` while PostgreSQL is away and `kafka`
 * while the broker is away, and 200 again once each returns; liveness stays 200 throughout. /metrics
 * shows what the consumer did with an event delivered twice.
 */
import 'reflect-metadata';
import net from 'node:net';
import { Controller, Module } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { causedBy, createOfferEvent, offerEventCodec, offerSubject, type OfferEventOf } from '@mkt/events';
import { dropDatabase, MessagingModule, type EventContext } from '@mkt/messaging';
import { publishEvents, TcpProxy, testBrokers, testDatabaseUrl, TestTopics, uniqueId, waitFor } from '@mkt/testing';
import { bootstrapService } from '../src';

@Controller()
class Handlers {
  @EventPattern('GoLiveRequested')
  onGoLiveRequested(@Payload() event: OfferEventOf<'GoLiveRequested'>, @Ctx() context: EventContext): void {
    context.tx.emit(createOfferEvent('WentLive', { catalogUrl: `https://catalog.test/${event.subject}` }, causedBy(event), { source: context.source }));
  }
}

const topics = new TestTopics();
const database = `t_observed_${uniqueId('')}`;
const [brokerHost, brokerPort] = testBrokers()[0].split(':');
const databaseServer = new URL(testDatabaseUrl());
const pg = new TcpProxy(databaseServer.hostname, Number(databaseServer.port || 5432));
const broker = new TcpProxy(brokerHost, Number(brokerPort));
let app: NestFastifyApplication;
let url: string;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

async function get(path: string): Promise<{ status: number; text: string; json: () => Json }> {
  const response = await fetch(url + path, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) };
}

beforeAll(async () => {
  await pg.up();
  await broker.up();
  const topic = await topics.create('observed.events', 3);
  const deadLetterTopic = await topics.create('observed.dlq', 3);
  const proxied = new URL(testDatabaseUrl());
  proxied.port = String(pg.port);
  @Module({
    imports: [
      MessagingModule.forRoot({
        service: 'observed',
        codec: offerEventCodec,
        kafka: {
          brokers: [`127.0.0.1:${broker.port}`],
          clientId: 'observed',
          eventsTopic: topic,
          deadLetterTopic,
          partitions: 3,
          // every broker address, also those the cluster's metadata names, through the proxy
          socketFactory: ({ onConnect }) => {
            const socket = net.connect({ host: '127.0.0.1', port: broker.port }, onConnect);
            socket.setKeepAlive(true, 60_000);
            return socket;
          },
        },
        database: { url: proxied.toString(), database, poolSize: 4 },
        consumer: { groupId: `observed-${database}`, backoff: { initialMs: 50, maxMs: 500 }, sessionTimeoutMs: 6_000 },
        relay: { pollIntervalMs: 100 },
      }),
    ],
    controllers: [Handlers],
  })
  class ObservedModule {}
  app = await bootstrapService(ObservedModule, { name: 'observed', port: 0, observability: { settings: { readyCheckTimeoutMs: 1_500 } } });
  url = await app.getUrl();
  // the test's own producer goes straight to the broker
  const cause = createOfferEvent(
    'GoLiveRequested',
    { requestedBy: 'alice' },
    { subject: offerSubject('contoso', 'metrics-vm'), attempt: 1, correlationId: 'corr-metrics-1' },
    { source: '/marketplace/offer-api' },
  );
  await publishEvents(topic, [cause], { twice: true });
});

afterAll(async () => {
  await app?.close();
  await pg.close();
  await broker.close();
  await topics.cleanup();
  await dropDatabase(testDatabaseUrl(), database).catch(() => undefined);
});

const ready = async () => (await get('/health/ready')).status === 200;

/** The value of the sample of `name` whose labels include `labels` (label order is the client's). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)\{(.*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...match[2].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

test('/metrics names what the consumer and relay did, the gauges read at scrape time and the HTTP requests', async () => {
  const service = 'observed';
  const metrics = await waitFor(
    'the event handled once, its redelivery dropped, WentLive published',
    async () => {
      const { text } = await get('/metrics');
      return sample(text, 'marketplace_events_consumed_total', { type: 'GoLiveRequested', outcome: 'duplicate' }) === 1 &&
        sample(text, 'marketplace_events_produced_total', { type: 'WentLive' }) === 1
        ? text
        : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  expect(sample(metrics, 'marketplace_events_consumed_total', { service, type: 'GoLiveRequested', outcome: 'handled' })).toBe(1);
  expect(sample(metrics, 'marketplace_inbox_duplicates_total', { service, type: 'GoLiveRequested' })).toBe(1);
  expect(sample(metrics, 'marketplace_event_handler_duration_seconds_count', { service, type: 'GoLiveRequested', result: 'ok' })).toBe(1);
  expect(sample(metrics, 'marketplace_event_handler_duration_seconds_bucket', { type: 'GoLiveRequested', le: '+Inf' })).toBe(1);
  expect(sample(metrics, 'marketplace_outbox_backlog', { service })).toBe(0);
  expect(sample(metrics, 'marketplace_outbox_parked_rows', { service })).toBe(0);
  expect(metrics).toContain('# TYPE marketplace_dead_letters_total counter');
  expect(metrics).toContain('# TYPE marketplace_job_queue_depth gauge');
  expect(metrics).toContain('# TYPE marketplace_job_oldest_age_seconds gauge');
  expect(sample(metrics, 'process_cpu_user_seconds_total', { service })).toBeGreaterThan(0); // Node's defaults
  expect(sample(metrics, 'marketplace_http_request_duration_seconds_count', { service, method: 'GET', route: '/metrics', status: '200' })).toBeGreaterThan(0);
});

test('readiness: 503 naming database while PostgreSQL is away, kafka while the broker is away, 200 when they are back', async () => {
  await waitFor('ready', ready, { timeoutMs: 60_000, intervalMs: 200 });
  const body = (await get('/health/ready')).json();
  expect(Object.keys(body.details).sort()).toEqual(['consumer', 'database', 'kafka', 'outbox']);

  await pg.down();
  const noDatabase = await waitFor('503 naming the database', async () => {
    const response = await get('/health/ready');
    return response.status === 503 && response.json().error?.database ? response.json() : undefined;
  });
  expect(noDatabase.status).toBe('error');
  expect(noDatabase.error.database).toMatchObject({ status: 'down', reason: expect.any(String) });
  expect(noDatabase.details.kafka.status).toBe('up');
  expect((await get('/health/live')).status).toBe(200);
  expect((await get('/health')).status).toBe(503); // the operators' summary says the same, with its counters
  await pg.up();
  await waitFor('ready again after PostgreSQL returned', ready, { timeoutMs: 60_000, intervalMs: 200 });

  await broker.down();
  const noBroker = await waitFor('503 naming kafka', async () => {
    const response = await get('/health/ready');
    return response.status === 503 && response.json().error?.kafka ? response.json() : undefined;
  });
  expect(noBroker.error.kafka).toMatchObject({ status: 'down', reason: expect.any(String) });
  expect(noBroker.details.database.status).toBe('up');
  expect((await get('/health/live')).status).toBe(200);
  await broker.up();
  await waitFor('ready again after the broker returned', ready, { timeoutMs: 90_000, intervalMs: 250 });
  const summary = (await get('/health')).json();
  expect(summary).toMatchObject({ status: 'ok', service: 'observed', database: 'up', outbox: { parkedNow: 0 } });
  expect(summary.consumer.handled).toBeGreaterThanOrEqual(1);
});
