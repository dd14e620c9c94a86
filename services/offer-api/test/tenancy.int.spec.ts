/**
 * The tenancy matrix: every route x {owner, another publisher, operator, anonymous}. A publisher reaches
 * only its own offers, and another publisher's offer looks exactly like one that does not exist.
 */
import { publishEvents, waitFor } from '@mkt/testing';
import { attemptEvents, SAMPLE_DRAFT } from './fixtures/events';
import { offerPath, OfferApiHarness, operatorToken, publisherToken, waitForStatus, type Json } from './fixtures/harness';

type Caller = 'owner' | 'other' | 'operator' | 'anonymous';
const CALLERS: Caller[] = ['anonymous', 'other', 'operator', 'owner']; // owner last: its writes change the state

let api: OfferApiHarness;
const tokens: Record<Caller, string | undefined> = { owner: undefined, other: undefined, operator: undefined, anonymous: undefined };
let operationId: string;
let offerEtag: string;

beforeAll(async () => {
  api = await OfferApiHarness.start('tenancy');
  tokens.owner = await publisherToken('contoso');
  tokens.other = await publisherToken('fabrikam');
  tokens.operator = await operatorToken();
  expect((await api.request('PUT', offerPath('contoso', 'tenant-vm'), { token: tokens.owner, body: SAMPLE_DRAFT })).status).toBe(201);
  expect((await api.request('PUT', offerPath('contoso', 'tenant-draft'), { token: tokens.owner, body: { title: 'draft' } })).status).toBe(201);
  const published = await api.request('POST', offerPath('contoso', 'tenant-vm', '/publish'), {
    token: tokens.owner,
    body: { metadata: { 'notification-emails': 'a@x.com' } },
  });
  expect(published.status).toBe(202);
  operationId = published.body.id;
  const stages = attemptEvents({ subject: 'contoso/tenant-vm', attempt: 1, outcome: 'preview' }).filter((e) => e.type !== 'OfferSubmitted');
  await api.waitForRelayed('contoso/tenant-vm');
  await publishEvents(api.topic, stages, { twice: true });
  await waitForStatus(api, tokens.owner, 'contoso', 'tenant-vm', 'at sign-off', (s) => s.status === 'waitingForPublisherReview');
  offerEtag = (await api.request('GET', offerPath('contoso', 'tenant-vm'), { token: tokens.owner })).headers.get('etag')!;
});

afterAll(async () => {
  await api?.stop();
});

interface Route {
  name: string;
  method: string;
  path: () => string;
  body?: () => unknown;
  headers?: () => Record<string, string>;
  expected: Record<Caller, number>;
}

const publisherRoute = (expected: Partial<Record<Caller, number>>) => ({ anonymous: 401, other: 404, operator: 200, owner: 200, ...expected });
const operatorRoute = (expected: Partial<Record<Caller, number>> = {}) => ({ anonymous: 401, other: 403, operator: 200, owner: 403, ...expected });
const publicRoute = (status: number) => ({ anonymous: status, other: status, operator: status, owner: status });

const ROUTES: Route[] = [
  { name: 'list offers', method: 'GET', path: () => offerPath('contoso'), expected: publisherRoute({}) },
  { name: 'read offer', method: 'GET', path: () => offerPath('contoso', 'tenant-vm'), expected: publisherRoute({}) },
  {
    name: 'update offer',
    method: 'PUT',
    path: () => offerPath('contoso', 'tenant-vm'),
    body: () => SAMPLE_DRAFT,
    headers: () => ({ 'if-match': offerEtag }),
    expected: publisherRoute({ operator: 403 }),
  },
  { name: 'status', method: 'GET', path: () => offerPath('contoso', 'tenant-vm', '/status'), expected: publisherRoute({}) },
  { name: 'event history', method: 'GET', path: () => offerPath('contoso', 'tenant-vm', '/events'), expected: publisherRoute({}) },
  { name: 'operations', method: 'GET', path: () => offerPath('contoso', 'tenant-vm', '/operations'), expected: publisherRoute({}) },
  { name: 'one operation', method: 'GET', path: () => offerPath('contoso', 'tenant-vm', `/operations/${operationId}`), expected: publisherRoute({}) },
  // the preview is for allow-listed subscriptions: the owner without one sees nothing either
  { name: 'preview (no subscription)', method: 'GET', path: () => offerPath('contoso', 'tenant-vm', '/preview'), expected: publisherRoute({ owner: 404 }) },
  {
    name: 'preview (allow-listed subscription)',
    method: 'GET',
    path: () => offerPath('contoso', 'tenant-vm', '/preview'),
    headers: () => ({ 'x-ms-subscription-id': SAMPLE_DRAFT.previewSubscriptionIds![0] }),
    expected: publisherRoute({ other: 200 }),
  },
  {
    name: 'publish (refused in this state)',
    method: 'POST',
    path: () => offerPath('contoso', 'tenant-vm', '/publish'),
    body: () => ({ metadata: { 'notification-emails': 'a@x.com' } }),
    expected: publisherRoute({ operator: 403, owner: 409 }),
  },
  {
    name: 'cancel',
    method: 'POST',
    path: () => offerPath('contoso', 'tenant-vm', '/cancel'),
    body: () => ({}),
    expected: publisherRoute({ operator: 403, owner: 202 }),
  },
  {
    name: 'go live (after cancel)',
    method: 'POST',
    path: () => offerPath('contoso', 'tenant-vm', '/golive'),
    body: () => ({}),
    expected: publisherRoute({ operator: 403, owner: 409 }),
  },
  { name: 'delete draft', method: 'DELETE', path: () => offerPath('contoso', 'tenant-draft'), expected: publisherRoute({ operator: 403, owner: 204 }) },
  { name: 'operator: inspect events', method: 'GET', path: () => '/api/operator/offers/contoso/tenant-vm/events', expected: operatorRoute() },
  { name: 'operator: replay one offer', method: 'POST', path: () => '/api/operator/offers/contoso/tenant-vm/replay', expected: operatorRoute() },
  { name: 'operator: checksum', method: 'GET', path: () => '/api/operator/projection/checksum', expected: operatorRoute() },
  { name: 'operator: dead letters', method: 'GET', path: () => '/api/operator/dead-letters', expected: operatorRoute() },
  { name: 'operator: rebuild', method: 'POST', path: () => '/api/operator/projection/rebuild', expected: operatorRoute({ operator: 202 }) },
  { name: 'catalog', method: 'GET', path: () => '/api/catalog/offers', expected: publicRoute(200) },
  { name: 'catalog page (not live)', method: 'GET', path: () => '/api/catalog/offers/contoso/tenant-vm', expected: publicRoute(404) },
  { name: 'health', method: 'GET', path: () => '/health', expected: publicRoute(200) },
  { name: 'OpenAPI document', method: 'GET', path: () => '/api/docs-json', expected: publicRoute(200) },
];

test('every route x every caller', async () => {
  const outcomes: string[] = [];
  const expected: string[] = [];
  let rebuildLocation: string | undefined;
  for (const route of ROUTES) {
    for (const caller of CALLERS) {
      const response = await api.request(route.method, route.path(), { token: tokens[caller], body: route.body?.(), headers: route.headers?.() });
      outcomes.push(`${route.name} as ${caller}: ${response.status}`);
      expected.push(`${route.name} as ${caller}: ${route.expected[caller]}`);
      if (response.status >= 400) expect(typeof (response.body as Json).code).toBe('string');
      if (route.name === 'operator: rebuild' && response.status === 202) rebuildLocation = response.headers.get('location') ?? undefined;
    }
  }
  expect(outcomes).toEqual(expected);
  // let the rebuild the operator started finish before the suite tears the service down
  await waitFor('the rebuild to finish', async () => (await api.request('GET', rebuildLocation!, { token: tokens.operator })).body.state === 'done', {
    timeoutMs: 60_000,
  });
});

test("another publisher's offer is indistinguishable from a missing one", async () => {
  for (const suffix of ['', '/status', '/events', '/operations', `/operations/${operationId}`]) {
    const foreign = await api.request('GET', offerPath('contoso', 'tenant-vm', suffix), { token: tokens.other });
    const missing = await api.request('GET', offerPath('fabrikam', 'no-such-offer', suffix), { token: tokens.other });
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(foreign.body).toEqual(missing.body);
  }
  const foreignWrite = await api.request('PUT', offerPath('contoso', 'tenant-vm'), {
    token: tokens.other,
    body: { title: 'taken over' },
    headers: { 'if-match': '*' },
  });
  expect(foreignWrite.status).toBe(404);
  expect((await api.request('GET', offerPath('contoso', 'tenant-vm'), { token: tokens.owner })).body.draft.title).toBe(SAMPLE_DRAFT.title);
  // a foreign body is not even validated: no hint from field errors either
  expect((await api.request('PUT', offerPath('contoso', 'tenant-vm'), { token: tokens.other, body: { bogus: 1 } })).status).toBe(404);
});

test('tokens that are not ours, or not complete, are refused with 401', async () => {
  const { SignJWT } = await import('jose');
  const sign = (claims: Record<string, unknown>, secret = 'some-other-secret') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('1h').sign(new TextEncoder().encode(secret));
  const expired = await new SignJWT({ role: 'operator' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('x')
    .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
    .sign(new TextEncoder().encode((await import('../src/config')).DEV_JWT_SECRET));
  const devSecret = (await import('../src/config')).DEV_JWT_SECRET;
  for (const bad of [
    await sign({ role: 'operator' }),
    expired,
    await sign({ role: 'admin' }, devSecret),
    await sign({ role: 'publisher' }, devSecret),
    await sign({ role: 'publisher', publisherId: 'Not A Slug' }, devSecret),
  ]) {
    const response = await api.request('GET', '/api/operator/projection/checksum', { token: bad });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  }
});
