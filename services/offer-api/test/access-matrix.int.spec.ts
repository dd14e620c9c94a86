/**
 * The access matrix: every route of the OpenAPI document (with /health, /health/live, /health/ready and /metrics; plus the document itself) x every
 * kind of caller. Each route's access class follows from what it is (catalog, operator, preview, a
 * publisher's read or write), so a new route is covered without touching this file. A publisher reaches
 * only its own offers, a preview only its publisher and allow-listed customers; "not yours" answers
 * exactly as "does not exist" does.
 */
import { publishEvents, waitFor } from '@mkt/testing';
import { attemptEvents, SAMPLE_DRAFT } from './fixtures/events';
import { customerToken, offerPath, OfferApiHarness, operatorToken, publisherToken, TEST_JWT_SECRET, waitForStatus, type Json } from './fixtures/harness';

type Caller = 'anonymous' | 'otherCustomer' | 'allowListedCustomer' | 'operator' | 'otherPublisher' | 'owner';
/** The owner last: its writes change the state the others are checked against. */
const CALLERS: Caller[] = ['anonymous', 'otherCustomer', 'allowListedCustomer', 'operator', 'otherPublisher', 'owner'];

/** allowed: past access control (its own status); missing: the 404 of something that does not exist. */
type Outcome = 'allowed' | 'missing' | 401 | 403;
type AccessClass = 'public' | 'operator' | 'preview' | 'publisher-read' | 'publisher-write';

const EXPECTED: Record<AccessClass, Record<Caller, Outcome>> = {
  public: { anonymous: 'allowed', otherCustomer: 'allowed', allowListedCustomer: 'allowed', operator: 'allowed', otherPublisher: 'allowed', owner: 'allowed' },
  operator: { anonymous: 401, otherCustomer: 403, allowListedCustomer: 403, operator: 'allowed', otherPublisher: 403, owner: 403 },
  preview: { anonymous: 401, otherCustomer: 'missing', allowListedCustomer: 'allowed', operator: 'missing', otherPublisher: 'missing', owner: 'allowed' },
  'publisher-read': { anonymous: 401, otherCustomer: 403, allowListedCustomer: 403, operator: 'allowed', otherPublisher: 'missing', owner: 'allowed' },
  'publisher-write': { anonymous: 401, otherCustomer: 403, allowListedCustomer: 403, operator: 403, otherPublisher: 'missing', owner: 'allowed' },
};

const OWNER = 'contoso';
const OTHER = 'fabrikam';
const ALLOWED_SUBSCRIPTION = SAMPLE_DRAFT.previewSubscriptionIds![0];

interface Route {
  method: string;
  /** As in the OpenAPI document: `/api/publishers/{publisherId}/offers/{offerId}`. */
  template: string;
  tag: string;
}

/**
 * Served to anybody: the catalog, the health probes, the metrics, the API's own description, the
 * prerequisite rules (data the portal shows before sign-in) and the development sign-in (404 outside it).
 */
const PUBLIC_PATHS = [
  '/health',
  '/health/live',
  '/health/ready',
  '/metrics',
  '/api/docs-json',
  '/api/asyncapi.json',
  '/api/prerequisite-rules',
  '/api/development',
  '/api/development/token',
];

function accessClassOf(route: Route): AccessClass {
  if (route.tag === 'catalog' || PUBLIC_PATHS.includes(route.template)) return 'public';
  // libs/messaging's operator routes (every service's own) are served under /operator and /api/operator
  if (route.tag === 'operator' || /^\/(api\/)?operator\//.test(route.template)) return 'operator';
  if (route.template.startsWith('/api/publishers/')) {
    if (route.template.endsWith('/preview')) return 'preview';
    return route.method === 'GET' ? 'publisher-read' : 'publisher-write';
  }
  throw new Error(`no access class for ${route.method} ${route.template}: say in accessClassOf what it is`);
}

/**
 * What an allowed call answers, where it is not 200: the owner's writes in the order they run (the offer
 * waits at sign-off: publish is refused, cancel accepted, then go live refused).
 */
const ALLOWED_STATUS: Record<string, number> = {
  'PUT /api/publishers/{publisherId}/offers/{offerId}': 200,
  'POST /api/publishers/{publisherId}/offers/{offerId}/publish': 409,
  'POST /api/publishers/{publisherId}/offers/{offerId}/cancel': 202,
  'POST /api/publishers/{publisherId}/offers/{offerId}/golive': 409,
  'DELETE /api/publishers/{publisherId}/offers/{offerId}': 204,
  'POST /api/operator/projection/rebuild': 202,
  // development mode only: the harness runs without it
  'GET /api/development': 404,
  'POST /api/development/token': 404,
  // the matrix sends no body and a rebuild id: validation answers (past access control)
  ...Object.fromEntries(
    ['/operator', '/api/operator'].flatMap((prefix) => [
      [`POST ${prefix}/dead-letters/redrive`, 400],
      [`POST ${prefix}/outbox/parked/release`, 400],
      [`POST ${prefix}/inbox/outcomes`, 400],
      [`GET ${prefix}/dead-letters/{id}`, 400],
      [`PUT ${prefix}/faults`, 404], // development mode only
      [`GET ${prefix}/faults`, 404],
    ]),
  ),
};
/** Reads first, then writes in the order of ALLOWED_STATUS (the others after them). */
const order = (route: Route) => (route.method === 'GET' ? -1 : Object.keys(ALLOWED_STATUS).indexOf(`${route.method} ${route.template}`));

let api: OfferApiHarness;
const tokens = {} as Record<Caller, string | undefined>;
let operationId: string;
let rebuildId: string;
let offerEtag: string;

beforeAll(async () => {
  api = await OfferApiHarness.start('access');
  tokens.owner = await publisherToken(OWNER);
  tokens.otherPublisher = await publisherToken(OTHER);
  tokens.operator = await operatorToken();
  tokens.allowListedCustomer = await customerToken([ALLOWED_SUBSCRIPTION]);
  tokens.otherCustomer = await customerToken(['99999999-0000-4000-8000-000000000000']);
  const put = (offerId: string, body: unknown) => api.request('PUT', offerPath(OWNER, offerId), { token: tokens.owner, body });
  expect((await put('tenant-vm', SAMPLE_DRAFT)).status).toBe(201);
  expect((await put('tenant-draft', { title: 'draft' })).status).toBe(201);
  expect((await put('live-vm', SAMPLE_DRAFT)).status).toBe(201);
  const publish = (offerId: string) =>
    api.request('POST', offerPath(OWNER, offerId, '/publish'), { token: tokens.owner, body: { metadata: { 'notification-emails': 'a@x.com' } } });
  const published = await publish('tenant-vm');
  expect(published.status).toBe(202);
  operationId = published.body.id;
  expect((await publish('live-vm')).status).toBe(202);
  // what the stages would emit: both offers to preview, then (after the owner's Go Live) one goes live
  const stagesOf = (offerId: string) =>
    attemptEvents({ subject: `${OWNER}/${offerId}`, attempt: 1, outcome: 'live' }).filter((e) => e.type !== 'OfferSubmitted' && e.type !== 'GoLiveRequested');
  const toPreview = (offerId: string) => stagesOf(offerId).slice(0, -2);
  await api.waitForRelayed(`${OWNER}/tenant-vm`);
  await api.waitForRelayed(`${OWNER}/live-vm`);
  await publishEvents(api.topic, [...toPreview('tenant-vm'), ...toPreview('live-vm')], { twice: true });
  await waitForStatus(api, tokens.owner!, OWNER, 'tenant-vm', 'at sign-off', (s) => s.status === 'waitingForPublisherReview');
  await waitForStatus(api, tokens.owner!, OWNER, 'live-vm', 'at sign-off', (s) => s.status === 'waitingForPublisherReview');
  expect((await api.request('POST', offerPath(OWNER, 'live-vm', '/golive'), { token: tokens.owner, body: {} })).status).toBe(202);
  await api.waitForRelayed(`${OWNER}/live-vm`);
  await publishEvents(api.topic, stagesOf('live-vm').slice(-2), { twice: true });
  await waitForStatus(api, tokens.owner!, OWNER, 'live-vm', 'live', (s) => s.status === 'succeeded');
  offerEtag = (await api.request('GET', offerPath(OWNER, 'tenant-vm'), { token: tokens.owner })).headers.get('etag')!;
  // a finished rebuild for the route that reads one
  const rebuild = await api.request('POST', '/api/operator/projection/rebuild', { token: tokens.operator });
  rebuildId = rebuild.body.id;
  await waitForRebuilds();
});

afterAll(async () => {
  await api?.stop();
});

async function waitForRebuilds(): Promise<void> {
  await waitFor(
    'projection rebuilds to finish',
    async () => (await api.query<{ n: number }>(`SELECT count(*)::int AS n FROM projection_rebuilds WHERE state = 'running'`))[0].n === 0,
    { timeoutMs: 60_000 },
  );
}

function routesOfDocument(document: Json): Route[] {
  const routes: Route[] = [];
  for (const [template, operations] of Object.entries(document.paths as Record<string, Record<string, Json>>)) {
    for (const [method, operation] of Object.entries(operations)) routes.push({ method: method.toUpperCase(), template, tag: operation.tags?.[0] ?? '' });
  }
  // the document does not describe itself, nor the event catalog's AsyncAPI document beside it
  return [...routes, { method: 'GET', template: '/api/docs-json', tag: '' }, { method: 'GET', template: '/api/asyncapi.json', tag: '' }];
}

/**
 * The route's path for the matrix's offers, and the same request about offers that do not exist: of the
 * same publisher, and for another publisher's reads also its own missing offer (a foreign offer looks
 * like none of its own; writes differ there, as PUT creates an own offer).
 */
function pathsOf(route: Route, caller: Caller): { path: string; missingPaths: string[] } {
  const offerId = route.tag === 'catalog' ? 'live-vm' : route.method === 'DELETE' ? 'tenant-draft' : 'tenant-vm';
  const fill = (publisherId: string, offer: string) =>
    route.template.replace('{publisherId}', publisherId).replace('{offerId}', offer).replace('{operationId}', operationId).replace('{id}', rebuildId);
  const versioned = (path: string) => (path.startsWith('/api/publishers/') ? `${path}?api-version=2017-10-31` : path);
  const missing = (publisherId: string) => (route.template.includes('{offerId}') ? fill(publisherId, 'no-such-offer') : fill('no-such-publisher', offerId));
  const publishers = caller === 'otherPublisher' && route.method === 'GET' ? [OWNER, OTHER] : [OWNER];
  return { path: versioned(fill(OWNER, offerId)), missingPaths: publishers.map((p) => versioned(missing(p))) };
}

function requestOf(route: Route): { body?: unknown; headers?: Record<string, string> } {
  if (route.method === 'PUT') return { body: SAMPLE_DRAFT, headers: { 'if-match': offerEtag } };
  if (route.template.endsWith('/publish')) return { body: { metadata: { 'notification-emails': 'a@x.com' } } };
  if (route.method === 'POST' && route.template.startsWith('/api/publishers/')) return { body: {} };
  return {};
}

test('every route x {owner, other publisher, operator, allow-listed customer, other customer, anonymous}', async () => {
  const document = (await api.request('GET', '/api/docs-json')).body as Json;
  const routes = routesOfDocument(document).sort((a, b) => order(a) - order(b));
  const actual: string[] = [];
  const expected: string[] = [];
  const counts: Record<string, number> = {};
  const notLikeMissing: string[] = [];
  for (const route of routes) {
    const access = accessClassOf(route);
    for (const caller of CALLERS) {
      const { path, missingPaths } = pathsOf(route, caller);
      const response = await api.request(route.method, path, { token: tokens[caller], ...requestOf(route) });
      const outcome = EXPECTED[access][caller];
      const name = `${route.method} ${route.template} as ${caller}`;
      const allowedStatus = ALLOWED_STATUS[`${route.method} ${route.template}`] ?? 200;
      expected.push(`${name}: ${outcome === 'allowed' ? allowedStatus : outcome === 'missing' ? 404 : outcome}`);
      actual.push(`${name}: ${response.status}`);
      counts[String(outcome)] = (counts[String(outcome)] ?? 0) + 1;
      if (response.status >= 400) expect(typeof (response.body as Json).code).toBe('string');
      for (const missingPath of outcome === 'missing' ? missingPaths : []) {
        const missing = await api.request(route.method, missingPath, { token: tokens[caller], ...requestOf(route) });
        if (missing.status !== 404 || JSON.stringify(missing.body) !== JSON.stringify(response.body))
          notLikeMissing.push(`${name}: ${response.status} ${response.text} / ${missingPath}: ${missing.status} ${missing.text}`);
      }
    }
  }
  const size = routes.length * CALLERS.length;
  console.log(`access matrix: ${routes.length} routes x ${CALLERS.length} callers = ${size} cells; ${JSON.stringify(counts)}`);
  expect(actual).toEqual(expected);
  expect(notLikeMissing).toEqual([]);
  expect(routes.length).toBeGreaterThanOrEqual(22);
  expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(size);
  // let the rebuild the operator started finish before the suite tears the service down
  await waitForRebuilds();
});

test('a subscription header proves nothing: a publisher sending an allow-listed one gets the 404 of a missing offer', async () => {
  const headers = { 'x-ms-subscription-id': ALLOWED_SUBSCRIPTION };
  const other = await publisherToken('header-pub');
  // (the suite's offer was canceled by the matrix: this one waits at sign-off)
  const offerId = 'header-vm';
  expect((await api.request('PUT', offerPath(OWNER, offerId), { token: tokens.owner, body: SAMPLE_DRAFT })).status).toBe(201);
  const published = await api.request('POST', offerPath(OWNER, offerId, '/publish'), {
    token: tokens.owner,
    body: { metadata: { 'notification-emails': 'a@x.com' } },
  });
  expect(published.status).toBe(202);
  await api.waitForRelayed(`${OWNER}/${offerId}`);
  await publishEvents(
    api.topic,
    attemptEvents({ subject: `${OWNER}/${offerId}`, attempt: 1, outcome: 'preview' }).filter((e) => e.type !== 'OfferSubmitted'),
  );
  await waitForStatus(api, tokens.owner!, OWNER, offerId, 'at sign-off', (s) => s.status === 'waitingForPublisherReview');
  expect((await api.request('GET', offerPath(OWNER, offerId, '/preview'), { token: tokens.allowListedCustomer })).status).toBe(200);
  const withHeader = await api.request('GET', offerPath(OWNER, offerId, '/preview'), { token: other, headers });
  const missing = await api.request('GET', offerPath(OWNER, 'no-such-offer', '/preview'), { token: other, headers });
  expect(withHeader.status).toBe(404);
  expect(withHeader.body).toEqual(missing.body);
  // nor does it give a customer more than its token proves
  const customerWithHeader = await api.request('GET', offerPath(OWNER, offerId, '/preview'), { token: tokens.otherCustomer, headers });
  expect(customerWithHeader.status).toBe(404);
  expect(customerWithHeader.body).toEqual(missing.body);
});

test('tokens that are not ours, not complete or not bounded in time are refused with 401', async () => {
  const { SignJWT } = await import('jose');
  const now = Math.floor(Date.now() / 1000);
  /** `exp: null`: no expiry at all. */
  const sign = (claims: Record<string, unknown>, { secret = TEST_JWT_SECRET, exp = (now + 3600) as number | null } = {}) => {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuedAt(now);
    return (exp === null ? jwt : jwt.setExpirationTime(exp)).sign(new TextEncoder().encode(secret));
  };
  const refused: Record<string, string> = {
    'another secret': await sign({ role: 'operator' }, { secret: 'some-other-secret-of-at-least-32-bytes' }),
    expired: await sign({ role: 'operator' }, { exp: now - 60 }),
    'no exp (accepted forever before)': await sign({ role: 'operator' }, { exp: null }),
    'a lifetime over AUTH_MAX_TOKEN_LIFETIME_S': await sign({ role: 'operator' }, { exp: now + 25 * 3600 }),
    'not valid yet (nbf)': await sign({ role: 'operator', nbf: now + 600 }),
    'unknown role': await sign({ role: 'admin' }),
    'publisher without publisherId': await sign({ role: 'publisher' }),
    'publisherId not a slug': await sign({ role: 'publisher', publisherId: 'Not A Slug' }),
    'customer without subscriptions': await sign({ role: 'customer' }),
    'customer with a subscription that is no GUID': await sign({ role: 'customer', subscriptions: ['not-a-guid'] }),
  };
  const reasons: Record<string, string> = {};
  for (const [why, bad] of Object.entries(refused)) {
    const response = await api.request('GET', '/api/operator/projection/checksum', { token: bad });
    expect({ why, status: response.status }).toEqual({ why, status: 401 });
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    reasons[why] = response.body.message;
  }
  expect(reasons['no exp (accepted forever before)']).toMatch(/"exp"/);
  expect(reasons['a lifetime over AUTH_MAX_TOKEN_LIFETIME_S']).toMatch(/AUTH_MAX_TOKEN_LIFETIME_S/);
  expect((await api.request('GET', '/api/operator/projection/checksum', { token: await sign({ role: 'operator' }, { exp: now + 24 * 3600 }) })).status).toBe(
    200,
  );
});
