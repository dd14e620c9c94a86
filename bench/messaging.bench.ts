/**
 * Events/s of (1) a raw kafkajs consume -> produce loop, (2) the library's crash-safe path (consume,
 * inbox + state + outbox in one transaction, relay to Kafka) and (3) the stock `@nestjs/microservices`
 * Kafka transport (ServerKafka, eachMessage, kafkajs's auto-commit) doing the same work (decode, one
 * counter upsert, one derived event produced), on the same broker and database in one run.
 *
 *   npm run bench -- messaging            (BENCH_EVENTS=50000 by default)
 */
import 'reflect-metadata';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, KafkaContext, Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { Pool } from 'pg';
import { causedBy, createOfferEvent, decodeEvent, encodeEvent, offerEventCodec } from '@mkt/events';
import { createIdempotentProducer, dropDatabase, ensureDatabase, ensureTopics, MessagingRuntime, withDatabase } from '@mkt/messaging';
import { benchBrokers, databaseUrl, envNumber, progress, saveResult } from './harness';

const EVENTS = envNumber('BENCH_EVENTS', 50_000);
const OFFERS = envNumber('BENCH_OFFERS', 1_000);
const PARTITIONS = envNumber('BENCH_PARTITIONS', 6);
/** Set to false to leave the stock Nest transport out. */
const NEST_PEER = process.env.BENCH_NEST_PEER !== 'false';

const UPSERT = 'INSERT INTO offer_counters (subject, handled) VALUES ($1, 1) ON CONFLICT (subject) DO UPDATE SET handled = offer_counters.handled + 1';

/**
 * The stock Nest Kafka transport as a service would use it: one `@EventPattern(<topic>)` handler per
 * message (ServerKafka runs kafkajs's eachMessage and commits with kafkajs's auto-commit), decoding the
 * event, upserting the counter on a pg pool (autocommit: no inbox, no transaction) and producing the derived
 * event with the relay's producer settings before the next message.
 */
async function nestPeer(brokers: string[], topic: string, out: string, groupId: string, pool: Pool, producer: Producer): Promise<INestMicroservice> {
  @Controller()
  class CounterController {
    @EventPattern(topic)
    async handle(@Ctx() context: KafkaContext): Promise<void> {
      const message = context.getMessage();
      const decoded = decodeEvent({ key: message.key, value: message.value, headers: message.headers as unknown as Record<string, string> });
      if (!decoded.ok) throw new Error(decoded.error.toString());
      const event = decoded.event;
      await pool.query(UPSERT, [event.subject]);
      const wire = encodeEvent(
        createOfferEvent('WentLive', { catalogUrl: `https://catalog.example/${event.subject}` }, causedBy(event), { source: '/bench-nest' }),
      );
      await producer.send({ topic: out, acks: -1, messages: [{ key: wire.key, value: wire.value, headers: wire.headers }] });
    }
  }
  @Module({ controllers: [CounterController] })
  class PeerModule {}
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(PeerModule, {
    transport: Transport.KAFKA,
    options: {
      client: { clientId: 'bench-nest', brokers, logLevel: logLevel.NOTHING },
      consumer: { groupId, maxWaitTimeInMs: 100 },
      subscribe: { fromBeginning: true },
      // as many partitions in flight as the crash-safe path; values kept as bytes for the codec
      run: { partitionsConsumedConcurrently: PARTITIONS },
      parser: { keepBinary: true },
      postfixId: '',
    },
    logger: ['error'],
  });
  await app.listen();
  return app;
}

async function topicTotal(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

async function waitForTotal(kafka: Kafka, topic: string, total: number, label: string): Promise<void> {
  for (;;) {
    const n = await topicTotal(kafka, topic);
    progress(label, n, total);
    if (n >= total) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  const { brokers, stop } = await benchBrokers();
  const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });
  const run = Date.now().toString(36);
  const input = `bench.messaging.in.${run}`;
  const rawOut = `bench.messaging.raw-out.${run}`;
  const safeOut = `bench.messaging.safe-out.${run}`;
  const nestOut = `bench.messaging.nest-out.${run}`;
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(
    admin,
    [input, rawOut, safeOut, nestOut].map((topic) => ({ topic, partitions: PARTITIONS })),
  );
  await admin.disconnect();

  console.log(`preparing ${EVENTS} events over ${OFFERS} offers on ${PARTITIONS} partitions...`);
  const seedProducer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await seedProducer.connect();
  for (let i = 0; i < EVENTS; i += 2_000) {
    const messages = [];
    for (let j = i; j < Math.min(EVENTS, i + 2_000); j += 1) {
      const subject = `bench/offer-${j % OFFERS}`;
      const wire = encodeEvent(
        createOfferEvent('GoLiveRequested', { requestedBy: `user-${j}` }, { subject, attempt: 1, correlationId: subject }, { source: '/bench' }),
      );
      messages.push({ key: wire.key, value: wire.value, headers: wire.headers });
    }
    await seedProducer.send({ topic: input, messages, acks: -1 });
  }
  await seedProducer.disconnect();

  // (1) raw: consume a batch, produce it on with the same producer settings as the relay, commit
  const rawProducer = createIdempotentProducer(kafka);
  await rawProducer.connect();
  const rawConsumer = kafka.consumer({ groupId: `bench-raw-${run}`, maxWaitTimeInMs: 100 });
  await rawConsumer.connect();
  await rawConsumer.subscribe({ topic: input, fromBeginning: true });
  const rawStart = Date.now();
  await rawConsumer.run({
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch }) => {
      await rawProducer.send({
        topic: rawOut,
        acks: -1,
        messages: batch.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      });
    },
  });
  await waitForTotal(kafka, rawOut, EVENTS, 'raw');
  const rawSeconds = (Date.now() - rawStart) / 1000;
  await rawConsumer.disconnect();
  await rawProducer.disconnect();
  const rawRate = EVENTS / rawSeconds;
  console.log(`\nraw kafkajs consume -> produce: ${EVENTS} events in ${rawSeconds.toFixed(2)} s = ${Math.round(rawRate)} events/s`);

  // (2) crash-safe: inbox + state change + outbox in one transaction per chunk, relay to Kafka
  const database = `bench_messaging_${run}`;
  const runtime = await MessagingRuntime.create({
    service: 'bench',
    codec: offerEventCodec,
    kafka: { brokers, eventsTopic: safeOut, deadLetterTopic: `${safeOut}.dlq`, partitions: PARTITIONS },
    database: { url: databaseUrl(), database, poolSize: 10 },
  });
  await runtime.dataSource.query('CREATE TABLE offer_counters (subject text PRIMARY KEY, handled bigint NOT NULL)');
  const consumer = runtime.createConsumer(
    {
      handles: (type) => type === 'GoLiveRequested',
      dispatch: async (event, context) => {
        await context.tx.query(UPSERT, [event.subject]);
        context.tx.emit(
          createOfferEvent('WentLive', { catalogUrl: `https://catalog.example/${event.subject}` }, causedBy(event), {
            source: context.source,
            now: () => context.now,
          }),
        );
      },
    },
    { groupId: `bench-safe-${run}`, topics: [input] },
  );
  const safeStart = Date.now();
  runtime.startRelay();
  await consumer.start();
  await waitForTotal(kafka, safeOut, EVENTS, 'crash-safe');
  const safeSeconds = (Date.now() - safeStart) / 1000;
  const safeRate = EVENTS / safeSeconds;
  console.log(`\ncrash-safe (inbox + state + outbox, relay): ${EVENTS} events in ${safeSeconds.toFixed(2)} s = ${Math.round(safeRate)} events/s`);
  const [{ handled }] = await runtime.dataSource.query('SELECT sum(handled)::int AS handled FROM offer_counters');
  await runtime.close();
  await dropDatabase(databaseUrl(), database);

  // (3) the stock Nest Kafka transport doing the same work
  let nest: { seconds: number; eventsPerSecond: number; counted: number } | undefined;
  if (NEST_PEER) {
    const nestDatabase = `bench_messaging_nest_${run}`;
    await ensureDatabase(databaseUrl(), nestDatabase);
    const pool = new Pool({ connectionString: withDatabase(databaseUrl(), nestDatabase), max: 10 });
    await pool.query('CREATE TABLE offer_counters (subject text PRIMARY KEY, handled bigint NOT NULL)');
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    const nestStart = Date.now();
    const app = await nestPeer(brokers, input, nestOut, `bench-nest-${run}`, pool, producer);
    await waitForTotal(kafka, nestOut, EVENTS, 'nest transport');
    const nestSeconds = (Date.now() - nestStart) / 1000;
    await app.close();
    await producer.disconnect();
    const [{ counted }] = (await pool.query('SELECT sum(handled)::int AS counted FROM offer_counters')).rows;
    await pool.end();
    await dropDatabase(databaseUrl(), nestDatabase);
    nest = { seconds: nestSeconds, eventsPerSecond: Math.round(EVENTS / nestSeconds), counted };
    console.log(
      `\nstock Nest Kafka transport (eachMessage, upsert, produce): ${EVENTS} events in ${nestSeconds.toFixed(2)} s = ${nest.eventsPerSecond} events/s`,
    );
  }

  const ratio = safeRate / rawRate;
  console.log(`ratio crash-safe / raw: ${ratio.toFixed(2)} (goal: >= 0.5 and >= 8000 events/s)`);
  if (nest) console.log(`crash-safe / stock Nest transport: ${(safeRate / nest.eventsPerSecond).toFixed(2)} (goal: >= 3)`);
  if (handled !== EVENTS) throw new Error(`state counted ${handled} events, expected ${EVENTS}`);
  const cleanup = kafka.admin();
  await cleanup.connect();
  await cleanup.deleteTopics({ topics: [input, rawOut, safeOut, nestOut, `${safeOut}.dlq`] }).catch(() => undefined);
  await cleanup.disconnect();
  const file = saveResult('messaging', {
    events: EVENTS,
    offers: OFFERS,
    partitions: PARTITIONS,
    raw: { seconds: rawSeconds, eventsPerSecond: Math.round(rawRate) },
    crashSafe: { seconds: safeSeconds, eventsPerSecond: Math.round(safeRate) },
    ratio: Number(ratio.toFixed(3)),
    nestTransport: nest && { ...nest, crashSafeOverNest: Number((safeRate / nest.eventsPerSecond).toFixed(3)) },
  });
  console.log(`result written to ${file}`);
  await stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
