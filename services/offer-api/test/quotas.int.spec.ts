/**
 * Quotas and rate limits, each reproducing what one publisher or token could do before: a thousand drafts
 * in seconds, drafts of hundreds of KB without end, publishes without bound, bursts never limited. Small
 * limits here; the defaults and their variables are in config.ts and the README.
 */
import { SAMPLE_DRAFT } from './fixtures/events';
import { offerPath, OfferApiHarness, publisherToken, type ApiResponse } from './fixtures/harness';

const QUOTAS = { maxDrafts: 3, maxDraftBytes: 40_000, maxPublishesPerHour: 2 };
const RATE = { perSecond: 10, burst: 20 };

let api: OfferApiHarness;

beforeAll(async () => {
  api = await OfferApiHarness.start('quotas', { quotas: QUOTAS, rateLimit: RATE });
});

afterAll(async () => {
  await api?.stop();
});

const put = async (token: string, publisherId: string, offerId: string, body: unknown = SAMPLE_DRAFT) =>
  api.request('PUT', offerPath(publisherId, offerId), { token, body, headers: { 'if-none-match': '*' } });

function expectQuotaRefusal(response: ApiResponse, status: number, code: string, name: string): void {
  expect({ status: response.status, code: response.body.code, limit: response.body.limit?.name }).toEqual({ status, code, limit: name });
}

test('a publisher holds at most OFFER_API_MAX_DRAFTS_PER_PUBLISHER drafts, also when they are created at once', async () => {
  const token = await publisherToken('many-drafts');
  const created = await Promise.all(Array.from({ length: 8 }, (_, i) => put(token, 'many-drafts', `draft-${i}`)));
  expect(created.filter((r) => r.status === 201)).toHaveLength(QUOTAS.maxDrafts);
  const refused = created.filter((r) => r.status !== 201);
  expect(refused).toHaveLength(8 - QUOTAS.maxDrafts);
  for (const response of refused) expectQuotaRefusal(response, 409, 'quota-exceeded', 'OFFER_API_MAX_DRAFTS_PER_PUBLISHER');
  expect(refused[0].body.limit).toEqual({ name: 'OFFER_API_MAX_DRAFTS_PER_PUBLISHER', max: QUOTAS.maxDrafts, actual: QUOTAS.maxDrafts + 1 });
  const [{ n }] = await api.query<{ n: number }>(`SELECT count(*)::int AS n FROM offers WHERE publisher_id = 'many-drafts'`);
  expect(n).toBe(QUOTAS.maxDrafts);

  // another publisher has its own quota; an existing draft can still be updated; deleting makes room
  expect((await put(await publisherToken('few-drafts'), 'few-drafts', 'draft-0')).status).toBe(201);
  const first = created.find((r) => r.status === 201)!;
  const id = first.body.id as string;
  const update = await api.request('PUT', offerPath('many-drafts', id), { token, body: { ...SAMPLE_DRAFT, title: 'updated' }, headers: { 'if-match': '"1"' } });
  expect(update.status).toBe(200);
  expect((await api.request('DELETE', offerPath('many-drafts', id), { token })).status).toBe(204);
  expect((await put(token, 'many-drafts', 'draft-again')).status).toBe(201);
});

test("the bytes of a publisher's drafts are bounded by OFFER_API_MAX_DRAFT_BYTES_PER_PUBLISHER", async () => {
  const token = await publisherToken('big-drafts');
  // each within the per-draft limit (OFFER_API_MAX_DRAFT_BYTES), together over the publisher's quota
  const big = { ...SAMPLE_DRAFT, description: 'x'.repeat(15_000) };
  expect((await put(token, 'big-drafts', 'big-1', big)).status).toBe(201);
  expect((await put(token, 'big-drafts', 'big-2', big)).status).toBe(201);
  const third = await put(token, 'big-drafts', 'big-3', big);
  expectQuotaRefusal(third, 409, 'quota-exceeded', 'OFFER_API_MAX_DRAFT_BYTES_PER_PUBLISHER');
  expect(third.body.limit.actual).toBeGreaterThan(QUOTAS.maxDraftBytes);
  // growing an existing draft past the quota is refused too; shrinking one always works
  const grow = await api.request('PUT', offerPath('big-drafts', 'big-1'), {
    token,
    body: { ...big, description: 'x'.repeat(30_000) },
    headers: { 'if-match': '"1"' },
  });
  expectQuotaRefusal(grow, 409, 'quota-exceeded', 'OFFER_API_MAX_DRAFT_BYTES_PER_PUBLISHER');
  const shrink = await api.request('PUT', offerPath('big-drafts', 'big-1'), { token, body: SAMPLE_DRAFT, headers: { 'if-match': '"1"' } });
  expect(shrink.status).toBe(200);
  expect((await put(token, 'big-drafts', 'big-3', big)).status).toBe(201);
});

test('a publisher starts at most OFFER_API_MAX_PUBLISHES_PER_HOUR publishes an hour: then 429 with Retry-After', async () => {
  const token = await publisherToken('busy-publisher');
  const publish = (offerId: string) =>
    api.request('POST', offerPath('busy-publisher', offerId, '/publish'), { token, body: { metadata: { 'notification-emails': 'a@x.com' } } });
  for (const offerId of ['pub-1', 'pub-2', 'pub-3']) expect((await put(token, 'busy-publisher', offerId)).status).toBe(201);
  expect((await publish('pub-1')).status).toBe(202);
  expect((await publish('pub-2')).status).toBe(202);
  // a refused publish (an attempt is running) is not counted, and the quota answers before it
  const third = await publish('pub-3');
  expectQuotaRefusal(third, 429, 'publish-quota-exceeded', 'OFFER_API_MAX_PUBLISHES_PER_HOUR');
  const retryAfter = Number(third.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(3500);
  expect(retryAfter).toBeLessThanOrEqual(3600);
  expect(third.body.retryAfterSeconds).toBe(retryAfter);
  const [{ n }] = await api.query<{ n: number }>(`SELECT count(*)::int AS n FROM operations WHERE publisher_id = 'busy-publisher'`);
  expect(n).toBe(2);
  // another publisher is not affected
  const other = await publisherToken('calm-publisher');
  expect((await put(other, 'calm-publisher', 'pub-1')).status).toBe(201);
  expect(
    (await api.request('POST', offerPath('calm-publisher', 'pub-1', '/publish'), { token: other, body: { metadata: { 'notification-emails': 'a@x.com' } } }))
      .status,
  ).toBe(202);
});

test('a burst over OFFER_API_RATE_LIMIT_BURST from one token is answered 429 with Retry-After; other callers go on', async () => {
  const token = await publisherToken('bursty', { jti: 'bursty' });
  const burst = await Promise.all(Array.from({ length: 60 }, () => api.request('GET', offerPath('bursty'), { token })));
  const limited = burst.filter((r) => r.status === 429);
  expect(burst.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(RATE.burst);
  expect(limited.length).toBeGreaterThanOrEqual(60 - RATE.burst - RATE.perSecond);
  expect(limited[0].headers.get('retry-after')).toBe('1');
  expect(limited[0].body).toMatchObject({ statusCode: 429, code: 'rate-limited', limit: { name: 'OFFER_API_RATE_LIMIT_PER_SECOND', max: 10, burst: 20 } });
  // the limit is the caller's, not the service's
  expect((await api.request('GET', offerPath('patient'), { token: await publisherToken('patient') })).status).toBe(200);
  // the sustained rate comes back
  await new Promise((resolve) => setTimeout(resolve, 1100));
  expect((await api.request('GET', offerPath('bursty'), { token })).status).toBe(200);
  // without a (valid) token the client address is the caller: made-up tokens share one bucket
  const anonymous = await Promise.all(Array.from({ length: 60 }, (_, i) => api.request('GET', '/api/catalog/offers', i % 2 ? { token: `made-up-${i}` } : {})));
  expect(anonymous.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(60 - RATE.burst - RATE.perSecond);
  expect((await api.request('GET', '/health')).status).toBe(200);
});
