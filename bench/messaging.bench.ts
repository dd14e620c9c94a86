/**
 * Events/s of (1) a raw kafkajs consume -> produce loop and (2) the library's crash-safe path (consume,
 * inbox + state + outbox in one transaction, relay to Kafka), on the same broker and database in one run.
 *
 *   npm run bench -- messaging            (BENCH_EVENTS=50000 by default)
 */
import 'reflect-metadata';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { causedBy, createOfferEvent, encodeEvent, offerEventCodec } from '@mkt/events';
import { createIdempotentProducer, dropDatabase, ensureTopics, MessagingRuntime } from '@mkt/messaging';
import { benchBrokers, databaseUrl, envNumber, progress, saveResult } from './harness';

const EVENTS = envNumber('BENCH_EVENTS', 50_000);
const OFFERS = envNumber('BENCH_OFFERS', 1_000);
const PARTITIONS = envNumber('BENCH_PARTITIONS', 6);

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
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(
    admin,
    [input, rawOut, safeOut].map((topic) => ({ topic, partitions: PARTITIONS })),
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
        await context.tx.query(
          'INSERT INTO offer_counters (subject, handled) VALUES ($1, 1) ON CONFLICT (subject) DO UPDATE SET handled = offer_counters.handled + 1',
          [event.subject],
        );
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

  const ratio = safeRate / rawRate;
  console.log(`ratio crash-safe / raw: ${ratio.toFixed(2)} (goal: >= 0.25 and >= 5000 events/s)`);
  if (handled !== EVENTS) throw new Error(`state counted ${handled} events, expected ${EVENTS}`);
  const cleanup = kafka.admin();
  await cleanup.connect();
  await cleanup.deleteTopics({ topics: [input, rawOut, safeOut, `${safeOut}.dlq`] }).catch(() => undefined);
  await cleanup.disconnect();
  const file = saveResult('messaging', {
    events: EVENTS,
    offers: OFFERS,
    partitions: PARTITIONS,
    raw: { seconds: rawSeconds, eventsPerSecond: Math.round(rawRate) },
    crashSafe: { seconds: safeSeconds, eventsPerSecond: Math.round(safeRate) },
    ratio: Number(ratio.toFixed(3)),
  });
  console.log(`result written to ${file}`);
  await stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
