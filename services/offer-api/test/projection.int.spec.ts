/**
 * The projection over many offers: every event delivered twice leaves the same view as a pure fold of the
 * events; events of older attempts are ignored; a rebuild from offset 0 (fresh consumer group, while new
 * events keep arriving) gives exactly the incremental view, compared by checksum over the view tables.
 */
import { createOfferEvent, type OfferEvent } from '@mkt/events';
import { produceRaw, publishEvents, waitFor, waitForGroupCaughtUp } from '@mkt/testing';
import { foldEvents, type StatusView } from '../src/domain/status-view';
import { LIVE_TABLES, projectionChecksum } from '../src/persistence/projection';
import { attemptEvents, OUTCOMES, SAMPLE_DRAFT, type AttemptOutcome } from './fixtures/events';
import { OfferApiHarness, offerPath, operatorToken, publisherToken } from './fixtures/harness';

let api: OfferApiHarness;
let operator: string;

beforeAll(async () => {
  api = await OfferApiHarness.start('projection');
  operator = await operatorToken();
});

afterAll(async () => {
  await api?.stop();
});

/** Full attempt histories for many offers: attempt n ends in an outcome that allows a next attempt, the last in any. */
function generate(offers: number, prefix: string): OfferEvent[] {
  const restartable: AttemptOutcome[] = ['rejected', 'certification-failed', 'replication-failed', 'packaging-failed', 'canceled', 'golive-failed', 'live'];
  const events: OfferEvent[] = [];
  for (let i = 0; i < offers; i += 1) {
    const subject = `${prefix}-pub-${i % 7}/offer-${i}`;
    const attempts = 1 + (i % 3);
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      const outcome = attempt < attempts ? restartable[(i + attempt) % restartable.length] : OUTCOMES[i % OUTCOMES.length];
      events.push(...attemptEvents({ subject, attempt, outcome, start: new Date(Date.UTC(2026, 0, 1 + attempt, 0, 0, i % 60)) }));
    }
    // a stage answering late for attempt 1 after attempt 2 started: must change nothing
    if (attempts > 1) {
      events.push(
        createOfferEvent(
          'CertificationPassed',
          { checks: [] },
          { subject, attempt: 1, correlationId: `${subject}#1` },
          { source: '/marketplace/certification', now: () => new Date(Date.UTC(2026, 5, 1)) },
        ) as OfferEvent,
      );
    }
  }
  return events;
}

function expectedViews(events: OfferEvent[]): Map<string, StatusView> {
  const bySubject = new Map<string, OfferEvent[]>();
  for (const event of events) bySubject.set(event.subject, [...(bySubject.get(event.subject) ?? []), event]);
  const views = new Map<string, StatusView>();
  for (const [subject, list] of bySubject) {
    const [publisherId, offerId] = subject.split('/');
    views.set(subject, foldEvents(publisherId, offerId, list));
  }
  return views;
}

async function storedViews(): Promise<Map<string, StatusView>> {
  const rows = await api.query<{ publisher_id: string; offer_id: string; view: StatusView }>(`SELECT publisher_id, offer_id, view FROM ${LIVE_TABLES.view}`);
  return new Map(rows.map((r) => [`${r.publisher_id}/${r.offer_id}`, r.view]));
}

async function historyCount(): Promise<number> {
  const [row] = await api.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${LIVE_TABLES.history}`);
  return row.n;
}

interface RebuildState {
  state: string;
  report: { checksum: string; events: number; views: number };
  progress: { phase: string; replayed: number; total: number; eventsPerSecond: number; etaSeconds: number | null } | null;
}

async function rebuild(onState: (state: RebuildState) => void = () => undefined): Promise<RebuildState> {
  const started = await api.request('POST', '/api/operator/projection/rebuild', { token: operator });
  expect(started.status).toBe(202);
  const location = started.headers.get('location') as string;
  return waitFor(
    'the projection rebuild to finish',
    async () => {
      const state = await api.request('GET', location, { token: operator });
      if (state.body.state === 'failed') throw new Error(`rebuild failed: ${state.body.error}`);
      onState(state.body);
      return state.body.state === 'done' ? state.body : undefined;
    },
    { timeoutMs: 240_000, intervalMs: 250 },
  );
}

test('10,000+ events, each delivered twice: the view equals the pure fold, stale events are ignored, a rebuild from offset 0 gives the same rows', async () => {
  const events = generate(600, 'p');
  expect(events.length).toBeGreaterThanOrEqual(10_000);
  const started = Date.now();
  await publishEvents(api.topic, events, { twice: true });
  await waitFor(`all ${events.length} events in the history`, async () => (await historyCount()) === events.length, { timeoutMs: 180_000, intervalMs: 500 });
  await waitForGroupCaughtUp(api.groupId, api.topic);
  const incrementalMs = Date.now() - started;

  const expected = expectedViews(events);
  const stored = await storedViews();
  expect(stored.size).toBe(expected.size);
  for (const [subject, view] of expected) expect(stored.get(subject)).toEqual(view);
  const [ignored] = await api.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${LIVE_TABLES.history} WHERE outcome = 'ignored'`);
  expect(ignored.n).toBeGreaterThanOrEqual(events.filter((e) => e.type === 'CertificationPassed' && e.attempt === 1 && e.time.startsWith('2026-06')).length);
  const health = await api.request('GET', '/health');
  expect(health.body.consumer.duplicates).toBeGreaterThanOrEqual(events.length);

  const incremental = await projectionChecksum(api.dataSource);
  expect(incremental).toMatchObject({ views: expected.size, events: events.length });

  // delivering a slice of the log once more (twice) changes nothing
  await publishEvents(api.topic, events.slice(0, 2000), { twice: true });
  await waitForGroupCaughtUp(api.groupId, api.topic);
  expect(await projectionChecksum(api.dataSource)).toEqual(incremental);

  const rebuildStarted = Date.now();
  const rebuilt = await rebuild();
  expect(rebuilt.report).toMatchObject({ checksum: incremental.checksum, events: events.length, views: expected.size });
  expect(await projectionChecksum(api.dataSource)).toEqual(incremental);
  console.log(
    `projection: ${events.length} events (x2) over ${expected.size} offers projected in ${incrementalMs} ms; rebuilt from offset 0 in ${Date.now() - rebuildStarted} ms; checksum ${incremental.checksum}`,
  );
});

/** Concurrent readers during the rebuild: enough to overlap every phase, few enough that a busy CI machine still rebuilds in time. */
const READERS = 2;

test('GET status keeps answering throughout a rebuild, which reports its progress and switches to the same rows', async () => {
  const before = await projectionChecksum(api.dataSource);
  const subjects = [...(await storedViews()).keys()].filter((subject) => subject.startsWith('p-pub-')).slice(0, 50);
  const tokens = new Map<string, string>();
  for (const subject of subjects) {
    const [publisherId, offerId] = subject.split('/');
    tokens.set(subject, await publisherToken(publisherId));
    // GET status answers for offers that have a draft: the generated events alone made none
    const created = await api.request('PUT', offerPath(publisherId, offerId), { token: tokens.get(subject), body: SAMPLE_DRAFT });
    expect([200, 201]).toContain(created.status);
  }
  const codes = new Map<number, number>();
  const latencies: number[] = [];
  let rebuilding = true;
  const reader = async (lane: number) => {
    for (let i = lane; rebuilding; i += READERS) {
      const subject = subjects[i % subjects.length];
      const [publisherId, offerId] = subject.split('/');
      const sent = performance.now();
      const response = await api.request('GET', offerPath(publisherId, offerId, '/status'), { token: tokens.get(subject) });
      latencies.push(performance.now() - sent);
      codes.set(response.status, (codes.get(response.status) ?? 0) + 1);
    }
  };
  const readers = Array.from({ length: READERS }, (_, lane) => reader(lane));
  const seen: NonNullable<RebuildState['progress']>[] = [];
  const rebuilt = await rebuild((state) => state.progress && seen.push(state.progress)).finally(() => (rebuilding = false));
  await Promise.all(readers);

  const answered = [...codes.values()].reduce((a, b) => a + b, 0);
  latencies.sort((a, b) => a - b);
  console.log(
    `rebuild under reads: ${answered} GET status (${JSON.stringify(Object.fromEntries(codes))}), p99 ${latencies[Math.floor(latencies.length * 0.99)].toFixed(1)} ms, max ${latencies[latencies.length - 1].toFixed(1)} ms; progress seen: ${JSON.stringify(seen.slice(-2))}`,
  );
  expect([...codes.keys()]).toEqual([200]);
  expect(answered).toBeGreaterThanOrEqual(20);
  expect(rebuilt.report.checksum).toBe(before.checksum);
  expect(await projectionChecksum(api.dataSource)).toEqual(before);
  // the replay reported how far it was, against the size of the log it replays
  const replaying = seen.filter((p) => p.phase === 'replaying');
  expect(replaying.length).toBeGreaterThan(0);
  expect(replaying[replaying.length - 1].total).toBeGreaterThanOrEqual(before.events);
  // the swapped-in tables carry the live names (indexes included): a second rebuild can create its shadow again
  expect(await api.query(`SELECT indexname FROM pg_indexes WHERE indexname LIKE 'rebuild_%'`)).toEqual([]);
}, 420_000);

test('a rebuild while new events arrive: afterwards the view still equals the fold of everything on the log', async () => {
  const before = await storedViews();
  const fresh = generate(60, 'late');
  const rebuilding = rebuild();
  await publishEvents(api.topic, fresh, { twice: true });
  await rebuilding;
  await waitFor(
    'the late events in the history',
    async () => (await api.query(`SELECT 1 FROM ${LIVE_TABLES.history} WHERE publisher_id LIKE 'late-%'`)).length === fresh.length,
    {
      timeoutMs: 60_000,
    },
  );
  await waitForGroupCaughtUp(api.groupId, api.topic);
  const stored = await storedViews();
  for (const [subject, view] of expectedViews(fresh)) expect(stored.get(subject)).toEqual(view);
  for (const [subject, view] of before) expect(stored.get(subject)).toEqual(view);
  // the rebuild's consumer group and shadow tables are gone
  expect(await api.query(`SELECT 1 FROM pg_tables WHERE tablename LIKE 'rebuild_%'`)).toEqual([]);
  expect(await api.query(`SELECT 1 FROM inbox WHERE consumer LIKE '%-rebuild-%'`)).toEqual([]);
});

test('an undecodable message is dead-lettered with its reason and listed for operators; the projection goes on', async () => {
  await produceRaw(api.topic, [{ key: 'p-pub-1/offer-1', value: '{not json', headers: { ce_id: 'poison-1', ce_type: 'marketplace.offer.WentLive' } }]);
  const [after] = attemptEvents({ subject: 'poison-pub/after-poison', attempt: 1, outcome: 'submitted' });
  await publishEvents(api.topic, [after], { twice: true });
  await waitFor(
    'the event after the poison message to be projected',
    async () => (await api.query(`SELECT 1 FROM ${LIVE_TABLES.view} WHERE offer_id = 'after-poison'`)).length === 1,
  );
  const letters = await waitFor('the dead letter to be listed', async () => {
    const response = await api.request('GET', '/api/operator/dead-letters', { token: operator });
    return (response.body.value as Array<{ eventId: string; reason: string; code: string }>).find((l) => l.eventId === 'poison-1');
  });
  expect(letters).toMatchObject({ code: 'not-json', source: { topic: api.topic } });
  expect(letters.reason).toContain('not JSON');
});
