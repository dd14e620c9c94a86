/**
 * Projection rebuild from offset 0: offer-api (its own process) replays BENCH_EVENTS (200,000) events of
 * its topic through its ProjectionRebuilder (shadow tables, batches applied with UNNEST, swap), while GET
 * status is read all along; the baseline in the same run is the one-row-at-a-time path (applyToProjection
 * per event, a transaction per replayed slice, as many partitions at once as the rebuild) over the first
 * BENCH_BASELINE_EVENTS records of the same topic, read the same way (replayTopic) into tables of its own.
 *
 *   npm run bench -- rebuild        (BENCH_EVENTS=200000, BENCH_BASELINE_EVENTS=20000, BENCH_READERS=4, BENCH_PROFILE=<dir>)
 *
 * Goal: >= 30,000 events/s over >= 200,000 events, >= 10x the baseline, GET status p99 < 50 ms meanwhile.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { SignJWT } from 'jose';
import { Partitioners } from 'kafkajs';
import { Client, Pool } from 'pg';
import { decodeEvent, encodeEvent } from '@mkt/events';
import { dropDatabase, ensureTopics, replayTopic, withDatabase, type Tx } from '@mkt/messaging';
import { startProcess, testKafka, uniqueId, waitFor } from '@mkt/testing';
import { projectableSubject } from '../services/offer-api/src/domain/status-view';
import { applyToProjection, createProjectionTableSet, type PositionedEvent, type ProjectionTables } from '../services/offer-api/src/persistence/projection';
import { attemptEvents, OUTCOMES } from '../services/offer-api/test/fixtures/events';
import { benchBrokers, databaseUrl, envNumber, percentile, processCpuMs, saveResult } from './harness';

const EVENTS = envNumber('BENCH_EVENTS', 200_000);
const BASELINE_EVENTS = envNumber('BENCH_BASELINE_EVENTS', 20_000);
const PARTITIONS = envNumber('BENCH_PARTITIONS', 6);
const READERS = envNumber('BENCH_READERS', 4);
const PUBLISHER = 'bench';
const JWT_SECRET = randomBytes(32).toString('base64url');
const BASELINE_PREFIX = 'baseline_';
const BASELINE_TABLES: ProjectionTables = {
  view: `${BASELINE_PREFIX}offer_status_view`,
  history: `${BASELINE_PREFIX}offer_event_history`,
  pages: `${BASELINE_PREFIX}offer_pages`,
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const sign = (claims: Record<string, unknown>, subject: string) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(subject).setExpirationTime('2h').sign(new TextEncoder().encode(JWT_SECRET));

/** Full attempt histories of as many offers as it takes to reach EVENTS; returns the offer ids. */
async function seedTopic(topic: string): Promise<{ offers: string[]; events: number }> {
  const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const offers: string[] = [];
  let events = 0;
  let batch: Array<{ key: string; value: string; headers: Record<string, string> }> = [];
  const flush = async () => {
    if (batch.length) await producer.send({ topic, acks: -1, messages: batch });
    batch = [];
  };
  for (let i = 0; events < EVENTS; i += 1) {
    const offerId = `offer-${String(i).padStart(6, '0')}`;
    offers.push(offerId);
    for (const event of attemptEvents({ subject: `${PUBLISHER}/${offerId}`, attempt: 1, outcome: OUTCOMES[i % OUTCOMES.length] })) {
      const wire = encodeEvent(event);
      batch.push({ key: wire.key as string, value: wire.value as string, headers: wire.headers });
      events += 1;
    }
    if (batch.length >= 5_000) await flush();
  }
  await flush();
  await producer.disconnect();
  return { offers, events };
}

function positioned(record: { key: string | null; value: Buffer | null; headers: Record<string, string>; partition: number; offset: string }) {
  const decoded = decodeEvent({ key: record.key, value: record.value, headers: record.headers });
  if (!decoded.ok || !projectableSubject(decoded.event.subject)) return undefined;
  return { event: decoded.event, position: { partition: record.partition, offset: record.offset } } satisfies PositionedEvent;
}

/** The one-row-at-a-time path: each event read, locked, folded and written on its own (applyToProjection). */
async function baseline(url: string, topic: string): Promise<{ events: number; seconds: number; eventsPerSecond: number }> {
  const pool = new Pool({ connectionString: url, max: PARTITIONS });
  await createProjectionTableSet(pool, BASELINE_PREFIX);
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const total = offsets.reduce((sum, p) => sum + Number(p.high), 0);
  const share = Math.min(1, BASELINE_EVENTS / total);
  const partitions = offsets.map((p) => ({ partition: p.partition, from: 0n, to: BigInt(Math.ceil(Number(p.high) * share)) }));
  let applied = 0;
  const started = Date.now();
  await replayTopic(kafka, {
    topic,
    partitions,
    groupPrefix: `bench-rebuild-baseline`,
    timeoutMs: 1_800_000,
    partitionsConcurrently: PARTITIONS,
    decode: positioned,
    handle: async (items) => {
      const client = await pool.connect();
      const tx: Tx = {
        query: async <T>(sql: string, parameters?: unknown[]) => (await client.query(sql, parameters)).rows as T[],
        emit: () => {
          throw new Error('the projection emits nothing');
        },
      };
      try {
        await client.query('BEGIN');
        for (const item of items) await applyToProjection(tx, BASELINE_TABLES, item.event, item.position);
        await client.query('COMMIT');
        applied += items.length;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  });
  const seconds = (Date.now() - started) / 1000;
  await pool.query(`DROP TABLE ${BASELINE_TABLES.view}, ${BASELINE_TABLES.history}, ${BASELINE_TABLES.pages}`);
  await pool.end();
  return { events: applied, seconds, eventsPerSecond: Math.round(applied / seconds) };
}

async function main(): Promise<void> {
  const { stop } = await benchBrokers();
  const run = uniqueId('');
  const database = `bench_rebuild_${run}`;
  const topic = `bench.rebuild.${run}`;
  const admin = testKafka().admin();
  await admin.connect();
  await ensureTopics(admin, [
    { topic, partitions: PARTITIONS },
    { topic: `${topic}.dlq`, partitions: PARTITIONS },
  ]);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const service = startProcess(
    'services/offer-api/src/main.ts',
    {
      PORT: String(port),
      DATABASE_NAME: database,
      OFFER_EVENTS_TOPIC: topic,
      DEAD_LETTER_TOPIC: `${topic}.dlq`,
      LOG_LEVEL: 'warn',
      AUTH_JWT_SECRET: JWT_SECRET,
      OFFER_API_RATE_LIMIT_PER_SECOND: '1000000',
      OFFER_API_RATE_LIMIT_BURST: '1000000',
      PROJECTION_REBUILD_TIMEOUT_MS: '3600000',
      PROJECTION_REBUILD_STALE_VIEWS: 'false',
    },
    'offer-api',
    // BENCH_PROFILE=<dir> writes a CPU profile of offer-api there (when it stops)
    process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [],
  );
  const dbUrl = withDatabase(databaseUrl(), database);
  const client = new Client({ connectionString: dbUrl });
  try {
    await waitFor('offer-api to answer /health', async () => (await fetch(`${url}/health`).catch(() => undefined))?.ok, { timeoutMs: 90_000, intervalMs: 200 });
    await client.connect();
    const seeding = Date.now();
    const { offers, events } = await seedTopic(topic);
    console.log(`seeded ${events} events of ${offers.length} offers on ${PARTITIONS} partitions in ${Date.now() - seeding} ms`);
    for (let i = 0; i < offers.length; i += 5_000) {
      await client.query(
        `INSERT INTO offers (publisher_id, offer_id, draft, title, attempt, phase)
         SELECT $1, id, jsonb_build_object('title', 'Offer ' || id), 'Offer ' || id, 1, 'submitted' FROM unnest($2::text[]) AS id`,
        [PUBLISHER, offers.slice(i, i + 5_000)],
      );
    }
    // the live consumer projects everything first: the reads then find views, the rebuild replaces them
    const live = Date.now();
    await waitFor(
      'the live consumer to project every event',
      async () => (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM offer_event_history')).rows[0].n >= events,
      { timeoutMs: 1_800_000, intervalMs: 500 },
    );
    const liveSeconds = (Date.now() - live) / 1000;
    console.log(`live consumer (inbox, per event): ${events} events in ${liveSeconds.toFixed(1)} s = ${Math.round(events / liveSeconds)} events/s`);

    const base = await baseline(dbUrl, topic);
    console.log(`baseline, one row at a time: ${base.events} events in ${base.seconds.toFixed(1)} s = ${base.eventsPerSecond} events/s`);

    const operator = await sign({ role: 'operator' }, 'ops');
    const publisher = await sign({ role: 'publisher', publisherId: PUBLISHER }, 'bench');
    const checksum = async () => (await fetch(`${url}/api/operator/projection/checksum`, { headers: { authorization: `Bearer ${operator}` } })).json();
    const before = await checksum();

    let reading = true;
    const latencies: number[] = [];
    const codes = new Map<number, number>();
    const readers = Array.from({ length: READERS }, async (_, lane) => {
      for (let i = lane; reading; i += READERS) {
        const offerId = offers[(i * 7919) % offers.length];
        const t0 = performance.now();
        const response = await fetch(`${url}/api/publishers/${PUBLISHER}/offers/${offerId}/status?api-version=2017-10-31`, {
          headers: { authorization: `Bearer ${publisher}` },
        });
        await response.arrayBuffer();
        latencies.push(performance.now() - t0);
        codes.set(response.status, (codes.get(response.status) ?? 0) + 1);
      }
    });
    const cpuBefore = processCpuMs(service.process.pid ?? 0);
    const started = await fetch(`${url}/api/operator/projection/rebuild`, { method: 'POST', headers: { authorization: `Bearer ${operator}` } });
    if (started.status !== 202) throw new Error(`rebuild answered ${started.status}: ${await started.text()}`);
    const location = started.headers.get('location') as string;
    type RebuildState = { state: string; error: string | null; report: { events: number; views: number; durationMs: number } | null };
    let state: RebuildState;
    for (;;) {
      state = (await (await fetch(url + location, { headers: { authorization: `Bearer ${operator}` } })).json()) as RebuildState;
      if (state.state === 'failed') throw new Error(`rebuild failed: ${state.error}`);
      if (state.state === 'done') break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    reading = false;
    await Promise.all(readers);
    const serviceCpuMs = processCpuMs(service.process.pid ?? 0) - cpuBefore;
    const after = await checksum();
    if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error(`checksum changed: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
    const report = state.report as { events: number; views: number; durationMs: number };
    const eventsPerSecond = Math.round(report.events / (report.durationMs / 1000));
    latencies.sort((a, b) => a - b);
    const reads = {
      requests: latencies.length,
      codes: Object.fromEntries(codes),
      p50: Number(percentile(latencies, 50).toFixed(1)),
      p99: Number(percentile(latencies, 99).toFixed(1)),
      max: Number(latencies[latencies.length - 1].toFixed(1)),
    };
    const ratio = eventsPerSecond / base.eventsPerSecond;
    console.log(
      `rebuild (ProjectionRebuilder, batched statements): ${report.events} events, ${report.views} offers in ${(report.durationMs / 1000).toFixed(1)} s = ${eventsPerSecond} events/s; ${(serviceCpuMs / report.events).toFixed(3)} ms offer-api CPU per event`,
    );
    console.log(`ratio rebuild / one-row-at-a-time baseline: ${ratio.toFixed(1)} (goal: >= 30000 events/s and >= 10x)`);
    console.log(
      `GET status during the rebuild (${READERS} readers): ${reads.requests} requests ${JSON.stringify(reads.codes)}, p50 ${reads.p50} ms, p99 ${reads.p99} ms, max ${reads.max} ms (goal: p99 < 50 ms)`,
    );
    const file = saveResult('rebuild', {
      events: report.events,
      offers: report.views,
      partitions: PARTITIONS,
      seconds: report.durationMs / 1000,
      eventsPerSecond,
      baselineEvents: base.events,
      baselineEventsPerSecond: base.eventsPerSecond,
      ratio: Number(ratio.toFixed(2)),
      liveConsumerEventsPerSecond: Math.round(events / liveSeconds),
      serviceCpuMsPerEvent: Number((serviceCpuMs / report.events).toFixed(4)),
      statusDuringRebuild: reads,
    });
    console.log(`result written to ${file}`);
    if ([...codes.keys()].some((code) => code !== 200)) throw new Error(`GET status answered ${JSON.stringify(reads.codes)}`);
  } catch (error) {
    console.error(service.output.slice(-30).join('\n'));
    throw error;
  } finally {
    await client.end().catch(() => undefined);
    await service.kill('SIGTERM');
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await admin.disconnect();
    await dropDatabase(databaseUrl(), database);
    await stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
