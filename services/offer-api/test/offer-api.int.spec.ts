/**
 * offer-api over HTTP with the real broker and PostgreSQL: the draft life cycle with ETags, every command
 * in every state, concurrent and retried commands, the status view after each pipeline event (fed with
 * publishEvents, each twice), bad input, preview, catalog and the OpenAPI document.
 */
import { asyncApiDocument, type OfferEvent } from '@mkt/events';
import { publishEvents, waitFor, waitForGroupCaughtUp } from '@mkt/testing';
import { StatusTextCache } from '../src/application/status-text-cache';
import { RESPONSE_TEXT_VERSION, statusResponse } from '../src/domain/status-response';
import { foldEvents, type StatusView } from '../src/domain/status-view';
import { asStored, referencesMasked, attemptEvents, SAMPLE_DRAFT, type AttemptOutcome } from './fixtures/events';
import { customerToken, offerPath, OfferApiHarness, operatorToken, publisherToken, waitForStatus, type Json } from './fixtures/harness';

const PUBLISHER = 'contoso';
const ALLOWED_SUBSCRIPTION = SAMPLE_DRAFT.previewSubscriptionIds![0];
let api: OfferApiHarness;
let owner: string;
let operator: string;

beforeAll(async () => {
  api = await OfferApiHarness.start('offerapi');
  owner = await publisherToken(PUBLISHER);
  operator = await operatorToken();
});

afterAll(async () => {
  await api?.stop();
});

const put = (offerId: string, body: unknown, headers: Record<string, string> = {}) =>
  api.request('PUT', offerPath(PUBLISHER, offerId), { token: owner, body, headers });
const command = (offerId: string, name: 'publish' | 'golive' | 'cancel', body?: unknown, headers: Record<string, string> = {}) =>
  api.request('POST', offerPath(PUBLISHER, offerId, `/${name}`), { token: owner, body, headers });
const publish = (offerId: string, headers: Record<string, string> = {}) =>
  command(offerId, 'publish', { metadata: { 'notification-emails': 'a@x.com,b@y.com' } }, headers);
const status = (offerId: string) => waitForStatus(api, owner, PUBLISHER, offerId, 'readable', () => true);

async function createOffer(offerId: string): Promise<void> {
  const created = await put(offerId, SAMPLE_DRAFT, { 'if-none-match': '*' });
  expect(created.status).toBe(201);
}

/** What the stages would emit for this attempt, without the commands offer-api emits itself. */
function stageEvents(offerId: string, attempt: number, outcome: AttemptOutcome, startMinutes = 0): OfferEvent[] {
  const start = new Date(Date.UTC(2026, 1, 1, 0, startMinutes + attempt * 100));
  return attemptEvents({ subject: `${PUBLISHER}/${offerId}`, attempt, outcome, start }).filter(
    (e) => e.type !== 'OfferSubmitted' && e.type !== 'GoLiveRequested' && e.type !== 'PublishCanceled',
  );
}

async function feed(events: OfferEvent[]): Promise<void> {
  for (const subject of new Set(events.map((e) => e.subject))) await api.waitForRelayed(subject);
  await publishEvents(api.topic, events, { twice: true });
}

async function outboxCount(offerId: string, type: string): Promise<number> {
  const [row] = await api.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE message_key = $1 AND headers->>'ce_type' = $2`, [
    `${PUBLISHER}/${offerId}`,
    `marketplace.offer.${type}`,
  ]);
  return row.n;
}

function expectRefused(response: { status: number; body: Json }, reason: string | RegExp): void {
  expect(response.status).toBe(409);
  expect(response.body.code).toMatch(/-not-allowed$/);
  expect(response.body.message).toMatch(reason);
}

describe('drafts', () => {
  test('life cycle: create, read, update under If-Match, conflicts, list, delete', async () => {
    const created = await put('lifecycle', { title: 'First' }, { 'if-none-match': '*' });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.body).toMatchObject({ id: 'lifecycle', publisherId: PUBLISHER, version: 1, status: 'neverPublished', draft: { title: 'First' } });

    const read = await api.request('GET', offerPath(PUBLISHER, 'lifecycle'), { token: owner });
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');

    expect((await put('lifecycle', { title: 'again' }, { 'if-none-match': '*' })).status).toBe(412);
    const missing = await put('lifecycle', { title: 'no precondition' });
    expect(missing.status).toBe(428);
    expect(missing.body.code).toBe('precondition-required');
    const stale = await put('lifecycle', { title: 'stale' }, { 'if-match': '"7"' });
    expect(stale.status).toBe(412);
    expect(stale.body.message).toContain('"1"');

    const updated = await put('lifecycle', { title: 'Second', summary: 'two' }, { 'if-match': '"1"' });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('"2"');
    expect(updated.body.draft).toEqual({ title: 'Second', summary: 'two' });

    // two editors holding the same ETag: exactly one wins
    const race = await Promise.all([put('lifecycle', { title: 'A' }, { 'if-match': '"2"' }), put('lifecycle', { title: 'B' }, { 'if-match': '"2"' })]);
    expect(race.map((r) => r.status).sort()).toEqual([200, 412]);
    const winner = race.find((r) => r.status === 200)!;
    expect((await api.request('GET', offerPath(PUBLISHER, 'lifecycle'), { token: owner })).body.draft).toEqual(winner.body.draft);

    expect((await put('never-existed', { title: 'x' }, { 'if-match': '"1"' })).status).toBe(412);
    expect((await api.request('GET', offerPath(PUBLISHER, 'never-existed'), { token: owner })).status).toBe(404);

    expect((await api.request('DELETE', offerPath(PUBLISHER, 'lifecycle'), { token: owner, headers: { 'if-match': '"1"' } })).status).toBe(412);
    expect((await api.request('DELETE', offerPath(PUBLISHER, 'lifecycle'), { token: owner })).status).toBe(204);
    expect((await api.request('GET', offerPath(PUBLISHER, 'lifecycle'), { token: owner })).status).toBe(404);
  });

  test('a published offer cannot be deleted', async () => {
    await createOffer('published-once');
    expect((await publish('published-once')).status).toBe(202);
    const refused = await api.request('DELETE', offerPath(PUBLISHER, 'published-once'), { token: owner });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('offer-published');
  });

  test('"All offers": paged by id, filtered by status, each with its status link', async () => {
    const other = await publisherToken('listing-pub');
    for (const id of ['a-1', 'a-2', 'a-3', 'a-4', 'a-5']) {
      expect((await api.request('PUT', offerPath('listing-pub', id), { token: other, body: { title: id } })).status).toBe(201);
    }
    expect(
      (await api.request('POST', offerPath('listing-pub', 'a-2', '/publish'), { token: other, body: { metadata: { 'notification-emails': ['o@x.com'] } } }))
        .status,
    ).toBe(202);
    const first = await api.request('GET', offerPath('listing-pub', undefined, '', { limit: '2' }), { token: other });
    expect(first.status).toBe(200);
    expect(first.body.value.map((o: Json) => o.id)).toEqual(['a-1', 'a-2']);
    expect(first.body.value[1]).toMatchObject({
      status: expect.stringMatching(/notStarted|running/),
      attempt: 1,
      statusLink: offerPath('listing-pub', 'a-2', '/status'),
    });
    const second = await api.request('GET', first.body.nextLink, { token: other });
    expect(second.body.value.map((o: Json) => o.id)).toEqual(['a-3', 'a-4']);
    const third = await api.request('GET', second.body.nextLink, { token: other });
    expect(third.body).toEqual({ value: [expect.objectContaining({ id: 'a-5' })], nextLink: null });
    const drafts = await api.request('GET', offerPath('listing-pub', undefined, '', { status: 'neverPublished' }), { token: other });
    expect(drafts.body.value.map((o: Json) => o.id)).toEqual(['a-1', 'a-3', 'a-4', 'a-5']);
    await waitForStatus(api, other, 'listing-pub', 'a-2', 'running', (s) => s.status === 'running');
    const running = await api.request('GET', offerPath('listing-pub', undefined, '', { status: 'running' }), { token: other });
    expect(running.body.value).toEqual([expect.objectContaining({ id: 'a-2', status: 'running', currentStep: 'validate-prerequisites', title: 'a-2' })]);
    expect((await api.request('GET', offerPath('listing-pub', undefined, '', { status: 'notStarted' }), { token: other })).body.value).toEqual([]);
    expect((await api.request('GET', offerPath('listing-pub', undefined, '', { status: 'failed' }), { token: other })).body.value).toEqual([]);
  });
});

describe('the live marker', () => {
  test('a live offer stays marked live in GET status, "All offers" and the operators\' list while a republish runs and after it fails', async () => {
    const publisher = 'marker-pub';
    const token = await publisherToken(publisher);
    const id = 'stays-live';
    const request = (method: string, path: string, body?: unknown) => api.request(method, path, { token, body });
    const republish = () => request('POST', offerPath(publisher, id, '/publish'), { metadata: { 'notification-emails': 'o@x.com' } });
    const events = (attempt: number, outcome: AttemptOutcome) =>
      attemptEvents({ subject: `${publisher}/${id}`, attempt, outcome, start: new Date(Date.UTC(2026, 4, attempt)) }).filter(
        (e) => e.type !== 'OfferSubmitted' && e.type !== 'GoLiveRequested',
      );
    const listed = async () => (await request('GET', offerPath(publisher))).body.value.find((o: Json) => o.id === id);
    const operatorListed = async (status?: string) => {
      const response = await api.request('GET', `/api/operator/offers?limit=500${status ? `&status=${status}` : ''}`, { token: operator });
      expect(response.body).toMatchObject({ value: expect.any(Array) });
      return response.body.value.find((o: Json) => o.publisherId === publisher && o.offerId === id);
    };

    expect((await request('PUT', offerPath(publisher, id), SAMPLE_DRAFT)).status).toBe(201);
    expect((await republish()).status).toBe(202);
    expect(await listed()).toMatchObject({ live: null });
    const first = events(1, 'live');
    await feed(first.slice(0, -2));
    await waitForStatus(api, token, publisher, id, 'attempt 1 at sign-off', (s) => s.status === 'waitingForPublisherReview');
    expect((await request('POST', offerPath(publisher, id, '/golive'))).status).toBe(202);
    await feed(first.slice(-2));
    const live = await waitForStatus(api, token, publisher, id, 'attempt 1 live', (s) => s.status === 'succeeded');
    const wentLive = first.find((e) => e.type === 'WentLive')!;
    const marker = { attempt: 1, time: wentLive.time };
    expect(live).toMatchObject({ attempt: 1, live: { ...marker, catalogUrl: `https://marketplace.test/offers/${publisher}/${id}` }, messages: [] });
    expect(await listed()).toMatchObject({ status: 'succeeded', attempt: 1, live: marker });

    // attempt 2 runs: still live
    expect((await republish()).body.attempt).toBe(2);
    const second = events(2, 'replication-failed');
    await feed(second.slice(0, 3));
    await waitForStatus(api, token, publisher, id, 'attempt 2 running', (s) => s.attempt === 2 && s.status === 'running');
    expect(await listed()).toMatchObject({ status: 'running', attempt: 2, live: marker });

    // attempt 2 fails: the list says failed and still live, as GET status and the operators' lists do
    await feed(second.slice(3));
    const failed = await waitForStatus(api, token, publisher, id, 'attempt 2 failed', (s) => s.attempt === 2 && s.status === 'failed');
    expect(failed.live).toMatchObject(marker);
    expect(failed.liveLinks).toEqual([{ displayText: 'Live', uri: `https://marketplace.test/offers/${publisher}/${id}` }]);
    expect(failed.messages.map((m: Json) => [m.step, m.level, m.code])).toEqual([
      ['provisioning', 'error', 'replication-failed'],
      ['provisioning', 'error', 'region-failed'],
    ]);
    expect(failed.steps[2]).toMatchObject({ status: 'blocked', progressPercentage: 75 });
    expect(await listed()).toMatchObject({ status: 'failed', attempt: 2, live: marker });
    const failedList = (await request('GET', offerPath(publisher, undefined, '', { status: 'failed' }))).body.value;
    expect(failedList).toEqual([expect.objectContaining({ id, status: 'failed', live: marker })]);
    expect(await operatorListed('live')).toMatchObject({ status: 'failed', attempt: 2, live: marker });
    expect(await operatorListed('failed')).toMatchObject({ live: marker });
    expect(await operatorListed()).toMatchObject({ status: 'failed', live: marker });
  });
});

describe('commands in every state', () => {
  test('publish, cancel at sign-off, republish, go live, republish after live, failure', async () => {
    const id = 'journey';
    await createOffer(id);

    // never published: only Publish
    expectRefused(await command(id, 'golive'), 'go live is possible only at publisher sign-off');
    expectRefused(await command(id, 'cancel'), 'cancel is possible only at publisher sign-off; the offer has never been published');

    const accepted = await publish(id);
    expect(accepted.status).toBe(202);
    const location = accepted.headers.get('operation-location')!;
    expect(location).toMatch(new RegExp(`^/api/publishers/${PUBLISHER}/offers/${id}/operations/[0-9a-f-]{36}\\?api-version=2017-10-31$`));
    expect(accepted.body).toMatchObject({ command: 'publish', attempt: 1 });
    expect(await outboxCount(id, 'OfferSubmitted')).toBe(1);
    const [submitted] = await api.query<{ payload: Buffer }>(`SELECT payload FROM outbox WHERE message_key = $1`, [`${PUBLISHER}/${id}`]);
    // the snapshot carries the draft's secrets as references
    expect(referencesMasked(JSON.parse(submitted.payload.toString()))).toMatchObject({
      notificationEmails: ['a@x.com', 'b@y.com'],
      language: 'en',
      submittedBy: `${PUBLISHER}-user`,
      offer: asStored(SAMPLE_DRAFT),
    });

    await waitForStatus(api, owner, PUBLISHER, id, 'running at step 1', (s) => s.status === 'running' && s.steps[0].status === 'inProgress');
    expectRefused(await publish(id), 'publish is not possible while an attempt is running; the offer is in prerequisite validation');
    expectRefused(await command(id, 'golive'), 'the offer is in prerequisite validation');
    expectRefused(await command(id, 'cancel'), 'cancel is possible only at publisher sign-off; the offer is in prerequisite validation');

    const attempt1 = stageEvents(id, 1, 'preview');
    await feed(attempt1.slice(0, 3)); // notification, validated, certification started
    await waitForStatus(api, owner, PUBLISHER, id, 'in certification', (s) => s.steps[1].status === 'inProgress');
    expectRefused(await command(id, 'cancel'), 'cancel is possible only at publisher sign-off; the offer is in certification');

    await feed(attempt1.slice(3));
    const atSignOff = await waitForStatus(api, owner, PUBLISHER, id, 'waiting for sign-off', (s) => s.status === 'waitingForPublisherReview');
    expect(atSignOff.previewLinks).toEqual([{ displayText: 'Preview', uri: `/api/publishers/${PUBLISHER}/offers/${id}/preview` }]);
    expect((await api.request('GET', location, { token: owner })).body.status).toBe('succeeded');
    expectRefused(await publish(id), 'waiting for publisher sign-off');

    const canceled = await command(id, 'cancel', { reason: 'typo in the title' });
    expect(canceled.status).toBe(202);
    expect(await outboxCount(id, 'PublishCanceled')).toBe(1);
    expectRefused(await command(id, 'cancel'), 'the last attempt was canceled');
    expectRefused(await command(id, 'golive'), 'the last attempt was canceled');
    const afterCancel = await waitForStatus(api, owner, PUBLISHER, id, 'canceled', (s) => s.status === 'canceled');
    expect(afterCancel.steps.map((s: Json) => s.status)).toEqual([
      'notStarted',
      'notStarted',
      'notStarted',
      'notStarted',
      'notStarted',
      'canceled',
      'notStarted',
    ]);
    expect(afterCancel.previewLinks).toEqual([]);

    // attempt 2 goes live
    expect((await publish(id)).body.attempt).toBe(2);
    await waitForStatus(api, owner, PUBLISHER, id, 'attempt 2 running', (s) => s.attempt === 2 && s.status === 'running');
    // a late event of the canceled attempt must not move the offer
    await feed(stageEvents(id, 1, 'preview', 5).slice(-2));
    await feed(stageEvents(id, 2, 'preview'));
    await waitForStatus(api, owner, PUBLISHER, id, 'attempt 2 at sign-off', (s) => s.attempt === 2 && s.status === 'waitingForPublisherReview');
    const goLive = await command(id, 'golive');
    expect(goLive.status).toBe(202);
    expect(goLive.body).toMatchObject({ command: 'golive', attempt: 2 });
    expectRefused(await command(id, 'golive'), 'the offer is going live');
    expectRefused(await command(id, 'cancel'), 'cancel is possible only at publisher sign-off; the offer is going live');
    expectRefused(await publish(id), 'the offer is going live');
    await waitForStatus(api, owner, PUBLISHER, id, 'going live', (s) => s.steps[5].status === 'complete' && s.steps[6].status === 'inProgress');
    await feed(stageEvents(id, 2, 'live').slice(-2));
    const live = await waitForStatus(api, owner, PUBLISHER, id, 'live', (s) => s.status === 'succeeded');
    expect(live.liveLinks).toEqual([{ displayText: 'Live', uri: `https://marketplace.test/offers/${PUBLISHER}/${id}` }]);
    expect((await api.request('GET', goLive.headers.get('operation-location')!, { token: owner })).body.status).toBe('succeeded');

    // the public catalog shows it, without authentication
    const catalog = await api.request('GET', '/api/catalog/offers?limit=500');
    expect(catalog.body.value).toContainEqual(
      expect.objectContaining({ publisherId: PUBLISHER, offerId: id, title: SAMPLE_DRAFT.title, pageLink: `/api/catalog/offers/${PUBLISHER}/${id}` }),
    );
    const page = await api.request('GET', `/api/catalog/offers/${PUBLISHER}/${id}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toBe(`<h1>${SAMPLE_DRAFT.title}</h1><p>attempt 2</p>`);

    // republishing a live offer is an update: attempt 3 fails validation, the live page stays
    expect((await publish(id)).body.attempt).toBe(3);
    await feed(stageEvents(id, 3, 'rejected'));
    const failed = await waitForStatus(api, owner, PUBLISHER, id, 'attempt 3 failed', (s) => s.attempt === 3 && s.status === 'failed');
    expect(failed.steps[0].status).toBe('blocked');
    expect(failed.steps[0].messages.filter((m: Json) => m.level === 'error').map((m: Json) => m.field)).toEqual([
      'title',
      'plans[0].imageVersions[0].osDiskUrl',
    ]);
    expect((await api.request('GET', `/api/catalog/offers/${PUBLISHER}/${id}`)).status).toBe(200);
    expectRefused(await command(id, 'golive'), 'the last attempt failed at prerequisite validation');
    expect((await publish(id)).status).toBe(202);

    const operations = await api.request('GET', offerPath(PUBLISHER, id, '/operations'), { token: owner });
    expect(operations.body.value.map((o: Json) => `${o.command}:${o.attempt}`)).toEqual([
      'publish:4',
      'publish:3',
      'golive:2',
      'publish:2',
      'cancel:1',
      'publish:1',
    ]);
    const history = await api.request('GET', offerPath(PUBLISHER, id, '/events', { limit: '5' }), { token: owner });
    expect(history.body.value).toHaveLength(5);
    expect(history.body.value[0]).toMatchObject({ type: 'OfferSubmitted', attempt: 1, outcome: 'applied' });
    expect(history.body.nextLink).toContain('after=');
  });

  test('go live and cancel work from the sign-off of the same attempt only once', async () => {
    const id = 'signoff';
    await createOffer(id);
    expect((await publish(id)).status).toBe(202);
    await feed(stageEvents(id, 1, 'preview'));
    await waitForStatus(api, owner, PUBLISHER, id, 'at sign-off', (s) => s.status === 'waitingForPublisherReview');
    const both = await Promise.all([command(id, 'golive'), command(id, 'cancel')]);
    expect(both.map((r) => r.status).sort()).toEqual([202, 409]);
    expect((await outboxCount(id, 'GoLiveRequested')) + (await outboxCount(id, 'PublishCanceled'))).toBe(1);
  });
});

describe('concurrency and retries', () => {
  test('simultaneous publishes: exactly one is accepted, the others get 409', async () => {
    await createOffer('race');
    const responses = await Promise.all(Array.from({ length: 5 }, () => publish('race')));
    expect(responses.map((r) => r.status).sort()).toEqual([202, 409, 409, 409, 409]);
    expect(await outboxCount('race', 'OfferSubmitted')).toBe(1);
  });

  test('a retried command with the same Idempotency-Key replays the first response and starts nothing', async () => {
    await createOffer('retry');
    const first = await publish('retry', { 'idempotency-key': 'publish-retry-1' });
    const again = await publish('retry', { 'idempotency-key': 'publish-retry-1' });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('operation-location')).toBe(first.headers.get('operation-location'));
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await outboxCount('retry', 'OfferSubmitted')).toBe(1);

    // concurrent retries (a client that timed out and retried at once)
    await createOffer('retry-concurrent');
    const burst = await Promise.all(Array.from({ length: 4 }, () => publish('retry-concurrent', { 'idempotency-key': 'k-burst' })));
    expect(new Set(burst.map((r) => r.status))).toEqual(new Set([202]));
    expect(new Set(burst.map((r) => r.body.id)).size).toBe(1);
    expect(await outboxCount('retry-concurrent', 'OfferSubmitted')).toBe(1);

    // a refusal is replayed too; a key reused for a different request is an error
    const refused = await command('retry', 'cancel', {}, { 'idempotency-key': 'cancel-1' });
    expect(refused.status).toBe(409);
    expect((await command('retry', 'cancel', {}, { 'idempotency-key': 'cancel-1' })).body).toEqual(refused.body);
    const reused = await command('retry', 'cancel', { reason: 'other' }, { 'idempotency-key': 'cancel-1' });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency-key-reused');
    // a new key is a new request
    expectRefused(await publish('retry', { 'idempotency-key': 'publish-retry-2' }), 'while an attempt is running');
  });
});

describe('the status view after each pipeline event', () => {
  test.each<AttemptOutcome>(['live', 'certification-failed', 'replication-failed', 'packaging-failed', 'golive-failed'])(
    'attempt ending %s: after every event (delivered twice) the status equals the pure projection of the events so far',
    async (outcome) => {
      const id = `each-${outcome}`;
      await createOffer(id);
      expect((await publish(id)).status).toBe(202);
      const afterSubmit = await waitForStatus(api, owner, PUBLISHER, id, 'running', (s) => s.status === 'running');
      const history = await api.request('GET', offerPath(PUBLISHER, id, '/events'), { token: owner });
      const item = history.body.value[0];
      const submitted = { ...item, subject: `${PUBLISHER}/${id}` } as OfferEvent;
      const projectedSubmit = statusResponse(PUBLISHER, id, { attempt: 1 }, foldEvents(PUBLISHER, id, [submitted]));
      expect(afterSubmit).toEqual(projectedSubmit);

      const seen: OfferEvent[] = [submitted];
      const feedOneByOne = async (events: OfferEvent[]) => {
        for (const event of events) {
          await feed([event]);
          seen.push(event);
          const shown = await waitForStatus(api, owner, PUBLISHER, id, `after ${event.type}`, (s) => s.lastEventTime === event.time);
          expect(shown).toEqual(statusResponse(PUBLISHER, id, { attempt: 1 }, foldEvents(PUBLISHER, id, seen)));
        }
      };
      const goesLive = outcome === 'live' || outcome === 'golive-failed';
      await feedOneByOne(stageEvents(id, 1, goesLive ? 'preview' : outcome));
      if (goesLive) {
        expect((await command(id, 'golive')).status).toBe(202);
        const goLive = await waitFor('GoLiveRequested projected', async () => {
          const page = await api.request('GET', offerPath(PUBLISHER, id, '/events', { limit: '500' }), { token: owner });
          return (page.body.value as Json[]).find((e) => e.type === 'GoLiveRequested');
        });
        seen.push({ ...goLive, subject: `${PUBLISHER}/${id}` } as OfferEvent);
        await feedOneByOne(stageEvents(id, 1, outcome).slice(outcome === 'live' ? -2 : -1));
      }
      await waitForGroupCaughtUp(api.groupId, api.topic);
      const final = await status(id);
      expect(final).toEqual(statusResponse(PUBLISHER, id, { attempt: 1 }, foldEvents(PUBLISHER, id, seen)));
      expect(final.status).toBe(outcome === 'live' ? 'succeeded' : 'failed');
      // the step messages in the language asked for (else the offer's), the response otherwise the same
      for (const [acceptLanguage, language] of [
        ['it-IT,it;q=0.9,en;q=0.5', 'it'],
        ['pt', 'pt-BR'],
        ['fr', 'en'],
        [undefined, 'en'],
      ] as const) {
        const shown = await api.request('GET', offerPath(PUBLISHER, id, '/status'), {
          token: owner,
          headers: acceptLanguage ? { 'accept-language': acceptLanguage } : {},
        });
        expect(shown.headers.get('content-language')).toBe(language);
        expect(shown.body).toEqual(statusResponse(PUBLISHER, id, { attempt: 1 }, foldEvents(PUBLISHER, id, seen), language));
      }
      const [inbox] = await api.query<{ n: number }>(`SELECT count(*)::int AS n FROM offer_event_history WHERE offer_id = $1`, [id]);
      expect(inbox.n).toBe(seen.length);
    },
  );
});

/** Runs `change` and waits until offer-api has heard it (the offer's text is no longer kept in memory). */
async function dropsKeptText(offerId: string, change: () => Promise<unknown>): Promise<void> {
  const cache = api.app.get(StatusTextCache);
  const before = cache.stats.misses;
  await change();
  await waitFor('the change to be heard', async () => {
    cache.get(PUBLISHER, offerId, undefined);
    return cache.stats.misses > before;
  });
}

describe('the stored response text', () => {
  test('GET status sends the text the projection stored while it is right, and renders the view when another language is asked, the text is of another version or the offer is ahead of the projection', async () => {
    const id = 'stored-text';
    await createOffer(id);
    expect((await publish(id)).status).toBe(202);
    await waitForStatus(api, owner, PUBLISHER, id, 'running', (s) => s.status === 'running');
    const [row] = await api.query<{ response_json: string; response_language: string; response_version: string; view: Json }>(
      `SELECT response_json, response_language, response_version, view FROM offer_status_view WHERE publisher_id = $1 AND offer_id = $2`,
      [PUBLISHER, id],
    );
    expect(row.response_version).toBe(RESPONSE_TEXT_VERSION);
    expect(row.response_language).toBe('en');
    // the stored text is the rendering of the stored view, key for key
    expect(JSON.parse(row.response_json)).toEqual(statusResponse(PUBLISHER, id, { attempt: 1 }, row.view as unknown as StatusView));

    // a marked text proves which one is sent
    const marked = JSON.stringify({ ...JSON.parse(row.response_json), submittedBy: 'stored-text-marker' });
    // a change as the projection makes it: the row, and the NOTIFY that drops what offer-api kept in memory of it
    const setText = async (json: string, version: string) => {
      await api.query(`UPDATE offer_status_view SET response_json = $3, response_version = $4 WHERE publisher_id = $1 AND offer_id = $2`, [
        PUBLISHER,
        id,
        json,
        version,
      ]);
      await dropsKeptText(id, () => api.query(`SELECT pg_notify('offer_status_changed', $1)`, [JSON.stringify({ publisherId: PUBLISHER, offerId: id })]));
    };
    const get = (headers: Record<string, string> = {}) => api.request('GET', offerPath(PUBLISHER, id, '/status'), { token: owner, headers });
    await setText(marked, RESPONSE_TEXT_VERSION);
    const sent = await get();
    expect(sent.status).toBe(200);
    expect(sent.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(sent.headers.get('content-language')).toBe('en');
    expect(sent.body.submittedBy).toBe('stored-text-marker');
    expect((await get({ 'accept-language': 'en-GB,en;q=0.8' })).body.submittedBy).toBe('stored-text-marker');

    const rendered = statusResponse(PUBLISHER, id, { attempt: 1 }, row.view as unknown as StatusView);
    const inItalian = await get({ 'accept-language': 'it' });
    expect(inItalian.headers.get('content-language')).toBe('it');
    expect(inItalian.body).toEqual(statusResponse(PUBLISHER, id, { attempt: 1 }, row.view as unknown as StatusView, 'it'));

    await setText(marked, 'an-older-deploy');
    expect((await get()).body).toEqual(rendered);

    // a Publish the projection has not seen yet: the stored text is of the previous attempt
    await setText(marked, RESPONSE_TEXT_VERSION);
    await api.query(`UPDATE offers SET attempt = 2 WHERE publisher_id = $1 AND offer_id = $2`, [PUBLISHER, id]);
    await dropsKeptText(id, () => api.query(`SELECT pg_notify('offer_status_changed', $1)`, [JSON.stringify({ publisherId: PUBLISHER, offerId: id })]));
    const ahead = await get();
    expect(ahead.body.status).toBe('notStarted');
    expect(ahead.body).toEqual(statusResponse(PUBLISHER, id, { attempt: 2 }, row.view as unknown as StatusView));
  });
});

describe('the status texts kept in memory', () => {
  const get = (offerId: string, headers: Record<string, string> = {}) =>
    api.request('GET', offerPath(PUBLISHER, offerId, '/status'), { token: owner, headers });
  const overwrite = (offerId: string, submittedBy: string) =>
    api.query(
      `UPDATE offer_status_view SET response_json = jsonb_set(response_json::jsonb, '{submittedBy}', to_jsonb($3::text))::text
        WHERE publisher_id = $1 AND offer_id = $2`,
      [PUBLISHER, offerId, submittedBy],
    );

  test('a text is kept until its offer changes: a projection change, a command, a rebuild or the loss of the listening connection drops it', async () => {
    const id = 'kept-text';
    await createOffer(id);
    expect((await publish(id)).status).toBe(202);
    await waitForStatus(api, owner, PUBLISHER, id, 'running', (s) => s.status === 'running');
    const cache = api.app.get(StatusTextCache);
    const first = await get(id);
    expect(cache.get(PUBLISHER, id, undefined)?.json).toBe(JSON.stringify(first.body));

    // a row changed behind offer-api's back (no NOTIFY) is not seen: the kept text is sent
    await overwrite(id, 'unheard-change');
    expect((await get(id)).body.submittedBy).toBe(first.body.submittedBy);
    // another language than the kept one is rendered from the view
    expect((await get(id, { 'accept-language': 'it' })).headers.get('content-language')).toBe('it');

    // a change as the projection announces it
    await dropsKeptText(id, () => api.query(`SELECT pg_notify('offer_status_changed', $1)`, [JSON.stringify({ publisherId: PUBLISHER, offerId: id })]));
    expect((await get(id)).body.submittedBy).toBe('unheard-change');

    // a rebuild's swap announces that every view changed
    await overwrite(id, 'before-the-swap');
    await dropsKeptText(id, () => api.query(`SELECT pg_notify('offer_status_changed', '{"all":true}')`));
    expect((await get(id)).body.submittedBy).toBe('before-the-swap');

    // the listening connection lost: nothing is served from memory until it is back, and what was kept is dropped
    await get(id);
    const listener = async () =>
      (
        await api.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN offer_status_changed' AND pid <> pg_backend_pid()`,
        )
      ).map((r) => r.pid);
    const [pid] = await listener();
    expect(pid).toBeDefined();
    await api.query('SELECT pg_terminate_backend($1)', [pid]);
    await overwrite(id, 'while-deaf');
    await waitFor('the loss to be noticed', async () => (await get(id)).body.submittedBy === 'while-deaf');
    await waitFor('listening again', async () => (await listener()).length === 1 && cache.get(PUBLISHER, id, undefined) === undefined);
    await get(id);
    expect(cache.get(PUBLISHER, id, undefined)).toBeDefined();

    // Publish on this instance: the next read already shows the new attempt (notStarted or later), not the kept text
    await waitForStatus(api, owner, PUBLISHER, id, 'running', (s) => s.status === 'running');
    await feed(stageEvents(id, 1, 'certification-failed'));
    await waitForStatus(api, owner, PUBLISHER, id, 'failed', (s) => s.status === 'failed');
    expect((await get(id)).body.status).toBe('failed');
    expect((await publish(id)).status).toBe(202);
    const right = await get(id);
    expect(right.body.attempt).toBe(2);
    expect(['notStarted', 'running']).toContain(right.body.status);
  });
});

describe('preview', () => {
  test('the publisher and customers whose token proves an allow-listed subscription see the preview; nobody else', async () => {
    const id = 'previewed';
    await createOffer(id);
    expect((await publish(id)).status).toBe(202);
    await feed(stageEvents(id, 1, 'preview'));
    await waitForStatus(api, owner, PUBLISHER, id, 'at sign-off', (s) => s.status === 'waitingForPublisherReview');
    const path = offerPath(PUBLISHER, id, '/preview');
    const asOwner = await api.request('GET', path, { token: owner });
    expect(asOwner.status).toBe(200);
    expect(asOwner.headers.get('content-type')).toContain('text/html');
    expect(asOwner.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(asOwner.text).toBe(`<h1>${SAMPLE_DRAFT.title}</h1><p>attempt 1</p>`);
    // subscription ids are GUIDs: the claim matches the allow-list whatever its case
    const customer = await customerToken(['99999999-0000-0000-0000-000000000000', ALLOWED_SUBSCRIPTION.toUpperCase()]);
    expect((await api.request('GET', path, { token: customer })).text).toBe(asOwner.text);
    const missing = await api.request('GET', offerPath(PUBLISHER, 'never-created', '/preview'), { token: customer });
    expect(missing.status).toBe(404);
    const notListed = await api.request('GET', path, { token: await customerToken(['99999999-0000-0000-0000-000000000000']) });
    const stranger = await publisherToken('fabrikam');
    // the finding: a publisher naming an allow-listed subscription in a header read another publisher's preview
    const viaHeader = await api.request('GET', path, { token: stranger, headers: { 'x-ms-subscription-id': ALLOWED_SUBSCRIPTION } });
    const viaPublisherClaim = await api.request('GET', path, { token: await publisherToken('fabrikam', { subscriptions: [ALLOWED_SUBSCRIPTION] }) });
    const asOperator = await api.request('GET', path, { token: operator });
    for (const refused of [notListed, viaHeader, viaPublisherClaim, asOperator]) {
      expect(refused.status).toBe(404);
      expect(refused.body).toEqual(missing.body);
    }
    expect((await api.request('GET', path)).status).toBe(401);
    // canceled: the preview is gone for everybody
    expect((await command(id, 'cancel')).status).toBe(202);
    await waitForStatus(api, owner, PUBLISHER, id, 'canceled', (s) => s.status === 'canceled');
    expect((await api.request('GET', path, { token: owner })).status).toBe(404);
    expect((await api.request('GET', path, { token: customer })).status).toBe(404);
  });
});

describe('bad input: always 4xx with a body, never 5xx, nothing stored', () => {
  test('malformed, mistyped, oversized, unknown fields, unknown api-version, invalid ids', async () => {
    await createOffer('guarded');
    const countRows = async () =>
      (
        await api.query<{ offers: number; outbox: number; versions: number }>(
          `SELECT (SELECT count(*)::int FROM offers) AS offers, (SELECT count(*)::int FROM outbox) AS outbox, (SELECT sum(version)::int FROM offers) AS versions`,
        )
      )[0];
    const before = await countRows();
    const json = { 'content-type': 'application/json' };
    const ifMatch = { 'if-match': '"1"' };
    const cases: Array<[string, string, string, Parameters<OfferApiHarness['request']>[2], number, string?]> = [
      [
        'malformed JSON',
        'PUT',
        offerPath(PUBLISHER, 'guarded'),
        { token: owner, rawBody: '{"title": ', headers: { ...json, ...ifMatch } },
        400,
        'invalid-json',
      ],
      ['empty JSON body', 'PUT', offerPath(PUBLISHER, 'guarded'), { token: owner, rawBody: '', headers: { ...json, ...ifMatch } }, 400],
      ['no body', 'PUT', offerPath(PUBLISHER, 'guarded'), { token: owner, headers: ifMatch }, 400, 'body-required'],
      ['array body', 'PUT', offerPath(PUBLISHER, 'guarded'), { token: owner, body: [1, 2], headers: ifMatch }, 400, 'validation-failed'],
      ['scalar body', 'PUT', offerPath(PUBLISHER, 'guarded'), { token: owner, rawBody: '42', headers: { ...json, ...ifMatch } }, 400, 'validation-failed'],
      [
        'text body',
        'PUT',
        offerPath(PUBLISHER, 'guarded'),
        { token: owner, rawBody: 'title=x', headers: { 'content-type': 'text/plain', ...ifMatch } },
        415,
        'unsupported-media-type',
      ],
      [
        'wrong types',
        'PUT',
        offerPath(PUBLISHER, 'guarded'),
        { token: owner, body: { title: 5, categories: 'x', plans: [{ id: 1, openPorts: [{ port: 'ssh' }] }] }, headers: ifMatch },
        400,
        'validation-failed',
      ],
      [
        'unknown top-level field',
        'PUT',
        offerPath(PUBLISHER, 'guarded'),
        { token: owner, body: { title: 'x', price: 10 }, headers: ifMatch },
        400,
        'validation-failed',
      ],
      [
        'unknown nested field',
        'PUT',
        offerPath(PUBLISHER, 'guarded'),
        { token: owner, body: { logos: { small: 'https://x', huge: 'y' } }, headers: ifMatch },
        400,
        'validation-failed',
      ],
      ['too long', 'PUT', offerPath(PUBLISHER, 'guarded'), { token: owner, body: { title: 'x'.repeat(201) }, headers: ifMatch }, 400, 'validation-failed'],
      [
        'too many',
        'PUT',
        offerPath(PUBLISHER, 'guarded'),
        { token: owner, body: { screenshots: Array(101).fill('https://x') }, headers: ifMatch },
        400,
        'validation-failed',
      ],
      [
        'out of range',
        'PUT',
        offerPath(PUBLISHER, 'guarded'),
        { token: owner, body: { plans: [{ id: 'p', openPorts: [{ port: 70000 }] }] }, headers: ifMatch },
        400,
        'validation-failed',
      ],
      [
        'oversize body',
        'PUT',
        offerPath(PUBLISHER, 'guarded'),
        { token: owner, body: { description: 'x'.repeat(api.config.bodyLimitBytes + 10) }, headers: ifMatch },
        413,
        'payload-too-large',
      ],
      ['unknown api-version', 'GET', `/api/publishers/${PUBLISHER}/offers/guarded?api-version=2016-01-01`, { token: owner }, 400, 'unsupported-api-version'],
      [
        'missing api-version',
        'PUT',
        `/api/publishers/${PUBLISHER}/offers/guarded`,
        { token: owner, body: { title: 'x' }, headers: ifMatch },
        400,
        'api-version-required',
      ],
      ['upper-case offer id', 'PUT', offerPath(PUBLISHER, 'Guarded'), { token: owner, body: { title: 'x' } }, 400, 'invalid-id'],
      ['underscore offer id', 'PUT', offerPath(PUBLISHER, 'my_offer'), { token: owner, body: { title: 'x' } }, 400, 'invalid-id'],
      ['too long offer id', 'PUT', offerPath(PUBLISHER, 'a'.repeat(51)), { token: owner, body: { title: 'x' } }, 400, 'invalid-id'],
      ['encoded slash offer id', 'PUT', offerPath(PUBLISHER, 'a%2Fb'), { token: owner, body: { title: 'x' } }, 400, 'invalid-id'],
      ['publish without metadata', 'POST', offerPath(PUBLISHER, 'guarded', '/publish'), { token: owner, body: {} }, 400, 'validation-failed'],
      [
        'publish with numeric e-mails',
        'POST',
        offerPath(PUBLISHER, 'guarded', '/publish'),
        { token: owner, body: { metadata: { 'notification-emails': 5 } } },
        400,
        'validation-failed',
      ],
      [
        'publish with empty e-mails',
        'POST',
        offerPath(PUBLISHER, 'guarded', '/publish'),
        { token: owner, body: { metadata: { 'notification-emails': ' , ' } } },
        400,
        'validation-failed',
      ],
      [
        'publish with 21 e-mails',
        'POST',
        offerPath(PUBLISHER, 'guarded', '/publish'),
        { token: owner, body: { metadata: { 'notification-emails': Array.from({ length: 21 }, (_, i) => `u${i}@x.com`) } } },
        400,
        'validation-failed',
      ],
      [
        'publish with unknown field',
        'POST',
        offerPath(PUBLISHER, 'guarded', '/publish'),
        { token: owner, body: { metadata: { 'notification-emails': 'a@x.com' }, force: true } },
        400,
        'validation-failed',
      ],
      [
        'publish with unknown language',
        'POST',
        offerPath(PUBLISHER, 'guarded', '/publish'),
        { token: owner, body: { metadata: { 'notification-emails': 'a@x.com' }, language: 'xx' } },
        400,
        'validation-failed',
      ],
      [
        'malformed publish body',
        'POST',
        offerPath(PUBLISHER, 'guarded', '/publish'),
        { token: owner, rawBody: '{"metadata":', headers: json },
        400,
        'invalid-json',
      ],
      [
        'bad Idempotency-Key',
        'POST',
        offerPath(PUBLISHER, 'guarded', '/publish'),
        { token: owner, body: { metadata: { 'notification-emails': 'a@x.com' } }, headers: { 'idempotency-key': 'x'.repeat(300) } },
        400,
        'validation-failed',
      ],
      ['cancel reason of wrong type', 'POST', offerPath(PUBLISHER, 'guarded', '/cancel'), { token: owner, body: { reason: 42 } }, 400, 'validation-failed'],
      ['invalid operation id', 'GET', offerPath(PUBLISHER, 'guarded', '/operations/not-a-uuid'), { token: owner }, 400, 'invalid-id'],
      ['invalid page size', 'GET', offerPath(PUBLISHER, undefined, '', { limit: '0' }), { token: owner }, 400, 'validation-failed'],
      ['invalid status filter', 'GET', offerPath(PUBLISHER, undefined, '', { status: 'done' }), { token: owner }, 400, 'validation-failed'],
      ['invalid history cursor', 'GET', offerPath(PUBLISHER, 'guarded', '/events', { after: 'x' }), { token: owner }, 400, 'validation-failed'],
      ['garbage token', 'GET', offerPath(PUBLISHER, 'guarded'), { token: 'not.a.jwt' }, 401, 'invalid-token'],
      ['token signed with another secret', 'GET', offerPath(PUBLISHER, 'guarded'), { token: owner.slice(0, -4) + 'AAAA' }, 401, 'invalid-token'],
      ['unknown route', 'GET', '/api/nothing-here', {}, 404, 'not-found'],
      ['unknown catalog cursor', 'GET', '/api/catalog/offers?after=..', {}, 400, 'validation-failed'],
    ];
    for (const [name, method, path, options, expected, code] of cases) {
      const response = await api.request(method, path, options);
      expect({ name, status: response.status }).toEqual({ name, status: expected });
      expect({ name, code: typeof response.body.code, message: typeof response.body.message }).toEqual({ name, code: 'string', message: 'string' });
      if (code) expect({ name, code: response.body.code }).toEqual({ name, code });
    }
    // an unsupported language names its field and the supported languages, in the draft and in the Publish body
    const draftLanguage = await api.request('PUT', offerPath(PUBLISHER, 'language-fr'), { token: owner, body: { title: 'x', notificationLanguage: 'fr' } });
    expect(draftLanguage.status).toBe(400);
    expect(draftLanguage.body.fields).toEqual([
      { field: 'notificationLanguage', problems: ['notificationLanguage must be one of the supported languages: en, pt-BR, it'] },
    ]);
    const publishLanguage = await api.request('POST', offerPath(PUBLISHER, 'guarded', '/publish'), {
      token: owner,
      body: { metadata: { 'notification-emails': 'a@x.com' }, language: 'fr' },
    });
    expect(publishLanguage.status).toBe(400);
    expect(publishLanguage.body.fields).toEqual([{ field: 'language', problems: ['language must be one of the supported languages: en, pt-BR, it'] }]);
    const fields = (await api.request('PUT', offerPath(PUBLISHER, 'guarded'), cases[6][3])).body.fields.map((f: Json) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['title', 'categories', 'plans[0].id', 'plans[0].openPorts[0].port']));
    expect(await countRows()).toEqual(before);
    expect(referencesMasked((await api.request('GET', offerPath(PUBLISHER, 'guarded'), { token: owner })).body.draft)).toEqual(asStored(SAMPLE_DRAFT));
  });
});

describe('OpenAPI', () => {
  test('the document is generated from the code and Swagger UI is served', async () => {
    const document = await api.request('GET', '/api/docs-json');
    expect(document.status).toBe(200);
    const paths = Object.keys(document.body.paths);
    for (const path of [
      '/api/publishers/{publisherId}/offers',
      '/api/publishers/{publisherId}/offers/{offerId}',
      '/api/publishers/{publisherId}/offers/{offerId}/publish',
      '/api/publishers/{publisherId}/offers/{offerId}/golive',
      '/api/publishers/{publisherId}/offers/{offerId}/cancel',
      '/api/publishers/{publisherId}/offers/{offerId}/status',
      '/api/publishers/{publisherId}/offers/{offerId}/operations/{operationId}',
      '/api/catalog/offers',
      '/api/operator/projection/rebuild',
    ]) {
      expect(paths).toContain(path);
    }
    const schemas = document.body.components.schemas;
    expect(schemas.OfferDraft).toMatchObject({ type: 'object', additionalProperties: false, properties: { title: { type: 'string', maxLength: 200 } } });
    expect(schemas.OfferDraft.properties.plans).toMatchObject({ type: 'array', maxItems: 100, items: { $ref: '#/components/schemas/Plan' } });
    expect(schemas.OpenPort.properties.port).toMatchObject({ type: 'integer', minimum: 1, maximum: 65535 });
    expect(schemas.StatusDto.properties.steps).toBeDefined();
    const put = document.body.paths['/api/publishers/{publisherId}/offers/{offerId}'].put;
    expect(put.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/OfferDraft' });
    expect(put.parameters.map((p: Json) => p.name)).toEqual(expect.arrayContaining(['api-version', 'If-Match']));
    const ui = await api.request('GET', '/api/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
  });

  test("the event catalog's AsyncAPI document is served beside it, without a token, as generated", async () => {
    const served = await api.request('GET', '/api/asyncapi.json');
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toMatch(/^application\/json/);
    expect(served.body).toEqual(asyncApiDocument());
    expect(Object.keys(served.body.components.messages)).toEqual(expect.arrayContaining(['OfferSubmitted', 'WentLive', 'NotificationFailed']));
  });
});
