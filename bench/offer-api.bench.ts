/**
 * offer-api read path under load: GET status and GET "All offers" over 10,000 offers in the view, with
 * autocannon against the service running as its own process (real PostgreSQL, real broker).
 *
 *   npm run bench -- offer-api      (BENCH_OFFERS=10000, BENCH_RATE=1000, BENCH_SECONDS=10, BENCH_CONNECTIONS=20, BENCH_PROFILE=<dir>)
 *
 * Goal: GET status p99 <= 10 ms at 1,000 req/s and >= 3,000 req/s at most. The whole run stays under a minute: the CPU is shared.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { SignJWT } from 'jose';
import { Client } from 'pg';
import type { OfferEvent } from '@mkt/events';
import { dropDatabase, ensureTopics, withDatabase } from '@mkt/messaging';
import { startProcess, testKafka, uniqueId, waitFor } from '@mkt/testing';
import { RESPONSE_TEXT_VERSION, responseText } from '../services/offer-api/src/domain/status-response';
import { currentStep, foldEvents } from '../services/offer-api/src/domain/status-view';
import { attemptEvents, OUTCOMES } from '../services/offer-api/test/fixtures/events';
import { benchBrokers, databaseUrl, envNumber, pacedLoad, processCpuMs, saveResult, type PacedResult } from './harness';

const BENCH_JWT_SECRET = randomBytes(32).toString('base64url');

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonRequest {
  method: string;
  path?: string;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
}
interface AutocannonResult {
  requests: { total: number; average: number };
  latency: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: {
  url: string;
  connections: number;
  duration: number;
  overallRate?: number;
  headers: Record<string, string>;
  requests: AutocannonRequest[];
}) => Promise<AutocannonResult>;

const OFFERS = envNumber('BENCH_OFFERS', 10_000);
const RATE = envNumber('BENCH_RATE', 1_000);
const SECONDS = envNumber('BENCH_SECONDS', 10);
const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 20);
const PUBLISHER = 'bench';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** 10,000 offers with their drafts and projected views (folded with the projection's own evolve). */
async function seed(client: Client): Promise<void> {
  for (let start = 0; start < OFFERS; start += 1000) {
    const ids: string[] = [];
    const views: string[] = [];
    const attempts: number[] = [];
    const statuses: string[] = [];
    const steps: Array<string | null> = [];
    const times: Array<string | null> = [];
    const texts: string[] = [];
    for (let i = start; i < Math.min(OFFERS, start + 1000); i += 1) {
      const offerId = `offer-${String(i).padStart(5, '0')}`;
      const events: OfferEvent[] = attemptEvents({ subject: `${PUBLISHER}/${offerId}`, attempt: 1, outcome: OUTCOMES[i % OUTCOMES.length] });
      const view = foldEvents(PUBLISHER, offerId, events);
      ids.push(offerId);
      views.push(JSON.stringify(view));
      attempts.push(view.attempt);
      statuses.push(view.status);
      steps.push(currentStep(view)?.id ?? null);
      times.push(view.lastEventTime);
      texts.push(responseText(view).json);
    }
    await client.query(
      `INSERT INTO offers (publisher_id, offer_id, draft, title, attempt, phase)
       SELECT $1, id, jsonb_build_object('title', 'Offer ' || id), 'Offer ' || id, 1, 'submitted' FROM unnest($2::text[]) AS id`,
      [PUBLISHER, ids],
    );
    await client.query(
      `INSERT INTO offer_status_view
         (publisher_id, offer_id, attempt, status, live_attempt, current_step, last_event_time, view, last_partition, last_offset, last_event_id,
          response_json, response_language, response_version)
       SELECT $1, id, a, s, CASE WHEN s = 'succeeded' THEN a END, c, t, v::jsonb, 0, n, 'seed-' || id, j, 'en', $9
         FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) WITH ORDINALITY AS r(id, a, s, c, t, v, j, n)`,
      [PUBLISHER, ids, attempts, statuses, steps, times, views, texts, RESPONSE_TEXT_VERSION],
    );
  }
  // as a table in service for a while is: the first read of a fresh row would otherwise also write its hint bits
  await client.query('VACUUM (ANALYZE) offers');
  await client.query('VACUUM (ANALYZE) offer_status_view');
}

interface Measured extends PacedResult {
  route: string;
  mode: string;
  serviceCpuMsPerRequest: number;
}

/** Runs one load, counts the service process's own CPU time per request over it (from /proc), prints and returns the figures. */
async function measured(route: string, mode: string, pid: number | undefined, load: () => Promise<PacedResult>): Promise<Measured> {
  const cpuBefore = processCpuMs(pid ?? 0);
  const result = await load();
  const figures = { route, mode, ...result, serviceCpuMsPerRequest: Number(((processCpuMs(pid ?? 0) - cpuBefore) / Math.max(1, result.requests)).toFixed(3)) };
  console.log(
    `${route.padEnd(24)} ${mode.padEnd(20)} ${String(figures.requestsPerSecond).padStart(6)} req/s  p50 ${figures.p50} ms  p90 ${figures.p90} ms  p99 ${figures.p99} ms  max ${figures.max} ms  non-2xx ${figures.non2xx}  service CPU ${figures.serviceCpuMsPerRequest} ms/req`,
  );
  return figures;
}

/** GET status at a steady RATE, paced (see pacedLoad): the latency a reader sees at that load. */
function measurePaced(url: string, route: string, token: string, path: () => string, pid?: number): Promise<Measured> {
  return measured(route, `${RATE} req/s paced`, pid, () =>
    pacedLoad({ url, rate: RATE, seconds: SECONDS, path, headers: { authorization: `Bearer ${token}` } }),
  );
}

function measure(
  url: string,
  route: string,
  mode: 'fixed-rate' | 'max',
  token: string,
  path: (i: number) => string,
  pid?: number,
  headers: Record<string, string> = {},
): Promise<Measured> {
  let n = 0;
  return measured(route, mode === 'fixed-rate' ? `${RATE} req/s autocannon` : 'max throughput', pid, async () => {
    const result = await autocannon({
      url,
      connections: CONNECTIONS,
      duration: SECONDS,
      ...(mode === 'fixed-rate' ? { overallRate: RATE } : {}),
      headers: { authorization: `Bearer ${token}`, ...headers },
      requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: path((n += 1)) }) }],
    });
    return {
      requests: result.requests.total,
      requestsPerSecond: Math.round(result.requests.average),
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
    };
  });
}

async function main(): Promise<void> {
  const { stop } = await benchBrokers();
  const database = `bench_offer_api_${uniqueId('')}`;
  const topic = `bench.offer-api.${uniqueId('')}`;
  const admin = testKafka().admin();
  await admin.connect();
  await ensureTopics(admin, [
    { topic, partitions: 3 },
    { topic: `${topic}.dlq`, partitions: 3 },
  ]);
  const port = await freePort();
  const service = startProcess(
    'services/offer-api/src/main.ts',
    {
      PORT: String(port),
      DATABASE_NAME: database,
      OFFER_EVENTS_TOPIC: topic,
      DEAD_LETTER_TOPIC: `${topic}.dlq`,
      LOG_LEVEL: 'warn',
      AUTH_JWT_SECRET: BENCH_JWT_SECRET,
      // one token at 1,000 req/s: the per-token rate limit would measure its 429s
      OFFER_API_RATE_LIMIT_PER_SECOND: '1000000',
      OFFER_API_RATE_LIMIT_BURST: '1000000',
    },
    'offer-api',
    // BENCH_PROFILE=<dir> writes a CPU profile of offer-api there (when it stops)
    process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [],
  );
  const client = new Client({ connectionString: withDatabase(databaseUrl(), database) });
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitFor('offer-api to answer /health', async () => (await fetch(`${url}/health`).catch(() => undefined))?.ok, { timeoutMs: 60_000, intervalMs: 200 });
    await client.connect();
    const seeded = Date.now();
    await seed(client);
    console.log(`seeded ${OFFERS} offers in the view in ${Date.now() - seeded} ms`);
    const token = await new SignJWT({ role: 'publisher', publisherId: PUBLISHER })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bench')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(BENCH_JWT_SECRET));
    const randomOffer = () => `offer-${String(Math.floor(Math.random() * OFFERS)).padStart(5, '0')}`;
    const statusPath = () => `/api/publishers/${PUBLISHER}/offers/${randomOffer()}/status?api-version=2017-10-31`;
    // "All offers": pages of 50 from random positions, every fourth filtered by status
    const listPath = (i: number) =>
      `/api/publishers/${PUBLISHER}/offers?api-version=2017-10-31&limit=50&after=${randomOffer()}${i % 4 === 0 ? '&status=succeeded' : ''}`;

    const probe = await fetch(url + statusPath(), { headers: { authorization: `Bearer ${token}` } });
    if (!probe.ok) throw new Error(`GET status answered ${probe.status}: ${await probe.text()}`);

    // warm-up (JIT, connection pools) before anything is measured
    await autocannon({
      url,
      connections: CONNECTIONS,
      duration: 3,
      headers: { authorization: `Bearer ${token}` },
      requests: [{ method: 'GET', setupRequest: (r) => ({ ...r, path: statusPath() }) }],
    });
    // and the paced load itself (its first seconds after seeding had stalls of up to 100 ms that later ones do not)
    await pacedLoad({ url, rate: RATE, seconds: 5, path: statusPath, headers: { authorization: `Bearer ${token}` } });
    const results = [
      await measurePaced(url, 'GET status', token, statusPath, service.process.pid),
      await measure(url, 'GET status', 'max', token, statusPath, service.process.pid),
      // another language than the offer's: the view is rendered on each read (the path before stored texts)
      await measure(url, 'GET status, rendered', 'max', token, statusPath, service.process.pid, { 'accept-language': 'it' }),
      await measure(url, 'GET offers', 'max', token, listPath, service.process.pid),
      // autocannon's own rate limit, for comparison with earlier runs: each connection sends its share of a
      // second at the top of it, so its latencies are those of 20 requests at once
      await measure(url, 'GET status', 'fixed-rate', token, statusPath, service.process.pid),
    ];
    const [status, max] = results;
    const met = status.p99 <= 10 && status.requestsPerSecond >= RATE * 0.95 && status.non2xx === 0 && max.requestsPerSecond >= 3_000;
    console.log(
      `goal (GET status p99 <= 10 ms at ${RATE} req/s, max >= 3000 req/s): ${met ? 'met' : 'NOT met'} (p99 ${status.p99} ms at ${status.requestsPerSecond} req/s, max ${max.requestsPerSecond} req/s)`,
    );
    const file = saveResult('offer-api', { offers: OFFERS, connections: CONNECTIONS, secondsPerRun: SECONDS, results, goalMet: met });
    console.log(`result written to ${file}`);
    if (results.some((r) => r.non2xx > 0 || r.errors > 0)) throw new Error('some requests failed');
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
