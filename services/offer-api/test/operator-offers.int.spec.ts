/**
 * Operators list offers across publishers from the projection: by status of the status model, since a
 * time, paged by <publisherId>/<offerId>; a status outside the model is a 400 naming the field.
 */
import { SAMPLE_DRAFT } from './fixtures/events';
import { offerPath, OfferApiHarness, operatorToken, publisherToken } from './fixtures/harness';

let api: OfferApiHarness;
let operator: string;

beforeAll(async () => {
  api = await OfferApiHarness.start('operator-offers');
  operator = await operatorToken();
  for (const [publisherId, offerId] of [
    ['ops-a', 'vm-1'],
    ['ops-a', 'vm-2'],
    ['ops-b', 'vm-1'],
  ]) {
    const token = await publisherToken(publisherId);
    expect((await api.request('PUT', offerPath(publisherId, offerId), { token, body: SAMPLE_DRAFT })).status).toBe(201);
  }
});

afterAll(async () => {
  await api?.stop();
});

test('offers of every publisher, filtered by status, paged', async () => {
  const all = await api.request('GET', '/api/operator/offers?status=neverPublished', { token: operator });
  expect(all.status).toBe(200);
  const ids = (all.body.value as Array<{ publisherId: string; offerId: string; status: string }>).map((o) => `${o.publisherId}/${o.offerId} ${o.status}`);
  expect(ids).toEqual(expect.arrayContaining(['ops-a/vm-1 neverPublished', 'ops-a/vm-2 neverPublished', 'ops-b/vm-1 neverPublished']));

  const first = await api.request('GET', '/api/operator/offers?limit=2', { token: operator });
  expect(first.body.value).toHaveLength(2);
  expect(first.body.nextLink).toMatch(/after=/);
  const second = await api.request('GET', first.body.nextLink, { token: operator });
  const seen = [...first.body.value, ...second.body.value].map((o: { publisherId: string; offerId: string }) => `${o.publisherId}/${o.offerId}`);
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen).toEqual(expect.arrayContaining(['ops-a/vm-1', 'ops-a/vm-2', 'ops-b/vm-1']));

  expect((await api.request('GET', '/api/operator/offers?status=failed', { token: operator })).body.value).toEqual([]);
  expect((await api.request('GET', '/api/operator/offers?since=2999-01-01T00:00:00Z', { token: operator })).body.value).toEqual([]);
});

test('bad input is a 400 naming the field; publishers are refused', async () => {
  for (const [query, field] of [
    ['status=exploded', 'status'],
    ['since=last-week', 'since'],
    ['after=nope', 'after'],
    ['limit=0', 'limit'],
  ]) {
    const response = await api.request('GET', `/api/operator/offers?${query}`, { token: operator });
    expect(`${query} ${response.status} ${response.body.fields?.[0]?.field}`).toBe(`${query} 400 ${field}`);
  }
  expect((await api.request('GET', '/api/operator/offers', { token: await publisherToken('ops-a') })).status).toBe(403);
  expect((await api.request('GET', '/api/operator/offers')).status).toBe(401);
});
