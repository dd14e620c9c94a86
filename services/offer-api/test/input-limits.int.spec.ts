/**
 * offer-api refuses what it cannot store: NUL bytes and unpaired surrogates anywhere, nulls where a value
 * is expected, deep nesting, out-of-range cursors and drafts too large as a whole each get a 4xx naming
 * the field or the limit, and nothing reaches the database or the outbox.
 */
import { asStored, referencesMasked, SAMPLE_DRAFT } from './fixtures/events';
import { offerPath, OfferApiHarness, operatorToken, publisherToken, token, type ApiResponse, type Json } from './fixtures/harness';

const PUBLISHER = 'contoso';
let api: OfferApiHarness;
let owner: string;
let operator: string;

beforeAll(async () => {
  api = await OfferApiHarness.start('limits');
  owner = await publisherToken(PUBLISHER);
  operator = await operatorToken();
  expect((await api.request('PUT', offerPath(PUBLISHER, 'guarded'), { token: owner, body: SAMPLE_DRAFT })).status).toBe(201);
});

afterAll(async () => {
  await api?.stop();
});

const ifMatch = { 'if-match': '"1"' };
const json = { 'content-type': 'application/json' };
const put = (body: unknown, headers: Record<string, string> = ifMatch) => api.request('PUT', offerPath(PUBLISHER, 'guarded'), { token: owner, body, headers });
const putRaw = (rawBody: string) => api.request('PUT', offerPath(PUBLISHER, 'guarded'), { token: owner, rawBody, headers: { ...json, ...ifMatch } });
const command = (name: string, body: unknown, headers: Record<string, string> = {}) =>
  api.request('POST', offerPath(PUBLISHER, 'guarded', `/${name}`), { token: owner, body, headers });

async function etag(): Promise<string> {
  return (await api.request('GET', offerPath(PUBLISHER, 'guarded'), { token: owner })).headers.get('etag')!;
}

async function stored() {
  const [row] = await api.query<{ offers: number; outbox: number; versions: number; keys: number }>(
    `SELECT (SELECT count(*)::int FROM offers) AS offers, (SELECT count(*)::int FROM outbox) AS outbox,
            (SELECT sum(version)::int FROM offers) AS versions, (SELECT count(*)::int FROM idempotency_keys) AS keys`,
  );
  return row;
}

function fieldsOf(response: ApiResponse): string[] {
  return ((response.body as Json).fields ?? []).map((f: Json) => f.field);
}

function expectRefused(name: string, response: ApiResponse, status: number, field?: string): void {
  const seen = { name, status: response.status, code: typeof response.body?.code, body: response.text.slice(0, 300) };
  expect(seen).toEqual({ name, status, code: 'string', body: expect.any(String) });
  if (field !== undefined) expect({ name, fields: fieldsOf(response) }).toEqual({ name, fields: expect.arrayContaining([field]) });
}

/** JSON text nested `depth` levels deep (objects and arrays in turn), built as text: JSON.stringify recurses. */
function nested(depth: number): string {
  let text = '"bottom"';
  for (let i = 0; i < depth; i++) text = i % 2 ? `[${text}]` : `{"a":${text}}`;
  return text;
}

describe('strings PostgreSQL cannot store', () => {
  test('NUL and unpaired surrogates in any body string or key, at any depth', async () => {
    const before = await stored();
    const cases: Array<[string, () => Promise<ApiResponse>, string]> = [
      ['publish: NUL in the e-mails', () => command('publish', { metadata: { 'notification-emails': 'a@b.test\u0000' } }), 'metadata.notification-emails'],
      [
        'publish: lone high surrogate in a list',
        () => command('publish', { metadata: { 'notification-emails': ['a@b.test', 'c@d.test\ud800'] } }),
        'metadata.notification-emails[1]',
      ],
      ['cancel: NUL in the reason', () => command('cancel', { reason: 'because\u0000' }), 'reason'],
      ['draft: NUL in the title', () => put({ title: 'x\u0000y' }), 'title'],
      ['draft: lone low surrogate in a category', () => put({ categories: ['ok', '\udc00x'] }), 'categories[1]'],
      [
        'draft: NUL deep down',
        () => put({ plans: [{ id: 'p', imageVersions: [{ version: '1', dataDiskUrls: ['https://x/a', 'https://x/\u0000'] }] }] }),
        'plans[0].imageVersions[0].dataDiskUrls[1]',
      ],
      ['draft: NUL in a key', () => put({ logos: { ['sm\u0000all']: 'https://x' } }), 'logos.sm\u0000all'],
      ['draft: NUL in a key of an unknown field', () => putRaw('{"ti\\u0000tle":"x"}'), 'ti\u0000tle'],
      ['draft: escaped lone surrogate', () => putRaw('{"summary":"\\ud83d"}'), 'summary'],
    ];
    for (const [name, send, field] of cases) expectRefused(name, await send(), 400, field);
    // well-formed pairs are fine
    const emoji = await put({ ...SAMPLE_DRAFT, summary: 'rocket \ud83d\ude80 ok' }, { 'if-match': await etag() });
    expect(emoji.status).toBe(200);
    expect(emoji.body.draft.summary).toBe('rocket \ud83d\ude80 ok');
    expect((await put(SAMPLE_DRAFT, { 'if-match': emoji.headers.get('etag')! })).status).toBe(200);
    const after = await stored();
    expect(after).toEqual({ ...before, versions: before.versions + 2 });
  });

  test('path ids, query values and kept headers', async () => {
    const before = await stored();
    const good = { metadata: { 'notification-emails': 'a@x.com' } };
    expectRefused('NUL in an offer id', await api.request('GET', offerPath(PUBLISHER, 'a%00b'), { token: owner }), 400, 'offerId');
    expectRefused('surrogate in an offer id', await api.request('GET', offerPath(PUBLISHER, 'a%ED%A0%80b'), { token: owner }), 400, 'offerId');
    expectRefused(
      'NUL in the status filter',
      await api.request('GET', offerPath(PUBLISHER, undefined, '', { status: 'running\u0000' }), { token: owner }),
      400,
      'status',
    );
    expectRefused(
      'NUL in a cursor',
      await api.request('GET', offerPath(PUBLISHER, 'guarded', '/events', { after: '0:1\u0000' }), { token: owner }),
      400,
      'after',
    );
    expectRefused('NUL in the catalog cursor', await api.request('GET', '/api/catalog/offers?after=a%00/b'), 400, 'after');
    expectRefused('NUL in api-version', await api.request('GET', `/api/publishers/${PUBLISHER}/offers?api-version=2017-10-31%00`, { token: owner }), 400);
    expectRefused('a query value given twice', await api.request('GET', '/api/catalog/offers?after=a/b&after=c/d'), 400, 'after');
    expectRefused('limit given twice', await api.request('GET', `${offerPath(PUBLISHER)}&limit=1&limit=2`, { token: owner }), 400, 'limit');
    expectRefused('Idempotency-Key with non-ASCII', await command('publish', good, { 'idempotency-key': 'caf\u00e9' }), 400, 'Idempotency-Key');
    expectRefused('If-Match that is no entity tag', await put(SAMPLE_DRAFT, { 'if-match': '"1' }), 400, 'If-Match');
    expectRefused('If-Match with non-ASCII', await put(SAMPLE_DRAFT, { 'if-match': '"1\u00ff"' }), 400, 'If-Match');
    expectRefused('If-None-Match that is no entity tag', await put(SAMPLE_DRAFT, { 'if-none-match': 'nope' }), 400, 'If-None-Match');
    expectRefused(
      'If-Match on delete that is no entity tag',
      await api.request('DELETE', offerPath(PUBLISHER, 'guarded'), { token: owner, headers: { 'if-match': '1,,"' } }),
      400,
      'If-Match',
    );
    // still fine: a list of tags, weak tags, *
    expect((await put(SAMPLE_DRAFT, { 'if-match': `"9", W/${await etag()}` })).status).toBe(200);
    expect((await put(SAMPLE_DRAFT, { 'if-match': '*' })).status).toBe(200);
    const nulSubject = await token({ role: 'publisher', publisherId: PUBLISHER }, 'user\u0000');
    expectRefused(
      'a token whose subject has a NUL',
      await api.request('POST', offerPath(PUBLISHER, 'guarded', '/publish'), { token: nulSubject, body: good }),
      401,
    );
    expect(await stored()).toEqual({ ...before, versions: before.versions + 2 });
  });
});

describe('null is refused where a value is expected', () => {
  test('draft, publish and cancel bodies name the null field; nothing is stored', async () => {
    const before = await stored();
    const cases: Array<[string, () => Promise<ApiResponse>, string]> = [
      ['draft: null title', () => put({ title: null }), 'title'],
      ['draft: null nested object', () => put({ title: 'x', supportContact: null }), 'supportContact'],
      ['draft: null in a plan', () => put({ plans: [{ id: 'p', imageVersions: null }] }), 'plans[0].imageVersions'],
      ['draft: null list item', () => put({ categories: ['a', null] }), 'categories[1]'],
      ['draft: null disk url', () => put({ plans: [{ id: 'p', imageVersions: [{ version: '1', osDiskUrl: null }] }] }), 'plans[0].imageVersions[0].osDiskUrl'],
      ['publish: null language', () => command('publish', { metadata: { 'notification-emails': 'a@x.com' }, language: null }), 'language'],
      ['publish: null metadata', () => command('publish', { metadata: null }), 'metadata'],
      ['cancel: null reason', () => command('cancel', { reason: null }), 'reason'],
    ];
    for (const [name, send, field] of cases) expectRefused(name, await send(), 400, field);
    expect(await stored()).toEqual(before);
    expect(referencesMasked((await api.request('GET', offerPath(PUBLISHER, 'guarded'), { token: owner })).body.draft)).toEqual(asStored(SAMPLE_DRAFT));
  });
});

describe('shape and size limits', () => {
  test('deep nesting is refused before validation', async () => {
    const before = await stored();
    expectRefused('5,000 levels in a draft', await putRaw(`{"title":"x","logos":${nested(5000)}}`), 400);
    const publish = await api.request('POST', offerPath(PUBLISHER, 'guarded', '/publish'), {
      token: owner,
      rawBody: `{"metadata":${nested(5000)}}`,
      headers: json,
    });
    expectRefused('5,000 levels in a publish body', publish, 400);
    const deep = await putRaw(`{"logos":${nested(32)}}`);
    expectRefused('33 levels', deep, 400);
    expect(deep.body.code).toBe('too-deep');
    expectRefused('32 levels pass the depth check (and fail validation)', await putRaw(`{"logos":${nested(31)}}`), 400, 'logos.a');
    expect(await stored()).toEqual(before);
  });

  test('out-of-range cursors and paging values are a 400 naming the field', async () => {
    expectRefused(
      'offset past bigint',
      await api.request('GET', offerPath(PUBLISHER, 'guarded', '/events', { after: '0:9999999999999999999' }), { token: owner }),
      400,
      'after',
    );
    expectRefused(
      'operator: offset past bigint',
      await api.request('GET', '/api/operator/offers/contoso/guarded/events?after=0:9223372036854775808', { token: operator }),
      400,
      'after',
    );
    expectRefused(
      'huge limit',
      await api.request('GET', offerPath(PUBLISHER, 'guarded', '/events', { limit: '99999999999999999999999' }), { token: owner }),
      400,
      'limit',
    );
    const largest = await api.request('GET', offerPath(PUBLISHER, 'guarded', '/events', { after: '999999:9223372036854775807' }), { token: owner });
    expect(largest.status).toBe(200);
    expect(largest.body.value).toEqual([]);
  });

  test('drafts too large as a whole: total image versions, total disks, total size', async () => {
    const before = await stored();
    const version = (v: number, disks: number) => ({ version: `${v}`, osDiskUrl: 'o', dataDiskUrls: Array<string>(disks).fill('d') });
    const dataDisksOnly = (v: number) => ({ version: `${v}`, dataDiskUrls: Array<string>(16).fill('d') });
    const huge = {
      ...SAMPLE_DRAFT,
      plans: Array.from({ length: 50 }, (_, p) => ({ id: `p${p}`, imageVersions: Array.from({ length: 100 }, (_, v) => dataDisksOnly(v)) })),
    };
    expect(Buffer.byteLength(JSON.stringify(huge))).toBeLessThan(api.config.bodyLimitBytes);
    const refused = await put(huge);
    expectRefused('50 plans x 100 versions x 16 disks', refused, 413);
    expect(refused.body.code).toBe('draft-too-large');

    const limits = api.config.draftLimits;
    const manyVersions = {
      plans: Array.from({ length: 3 }, (_, p) => ({ id: `p${p}`, imageVersions: Array.from({ length: 100 }, (_, v) => ({ version: `${v}` })) })),
    };
    const versions = await put(manyVersions);
    expectRefused('300 image versions', versions, 413, 'plans');
    expect(versions.body.limit).toMatchObject({ name: 'OFFER_API_MAX_IMAGE_VERSIONS', max: limits.maxImageVersions, actual: 300 });

    const plansForDisks = Math.ceil((limits.maxDisks + 1) / 17);
    const manyDisks = { plans: Array.from({ length: plansForDisks }, (_, p) => ({ id: `p${p}`, imageVersions: [version(p, 16)] })) };
    const disks = await put(manyDisks);
    expectRefused('too many disks', disks, 413, 'plans');
    expect(disks.body.limit).toMatchObject({ name: 'OFFER_API_MAX_DISKS', max: limits.maxDisks, actual: plansForDisks * 17 });

    const bulky = { plans: Array.from({ length: 30 }, (_, p) => ({ id: `p${p}`, summary: '\u00e9'.repeat(5_000) })) };
    expect(Buffer.byteLength(JSON.stringify(bulky))).toBeGreaterThan(limits.maxDraftBytes);
    const bytes = await put(bulky);
    expectRefused('too many bytes', bytes, 413);
    expect(bytes.body.limit).toMatchObject({ name: 'OFFER_API_MAX_DRAFT_BYTES', max: limits.maxDraftBytes });

    // at the limits: accepted
    const atLimit = { plans: [{ id: 'p', imageVersions: Array.from({ length: Math.floor(limits.maxDisks / 17) }, (_, v) => version(v, 16)) }] };
    const accepted = await put(atLimit, { 'if-match': await etag() });
    expect(accepted.status).toBe(200);
    expect((await put(SAMPLE_DRAFT, { 'if-match': accepted.headers.get('etag')! })).status).toBe(200);
    expect(await stored()).toEqual({ ...before, versions: before.versions + 2 });
  });
});

describe('bad input is a 4xx, never a 500', () => {
  test('content types, malformed JSON, wrong types', async () => {
    const cases: Array<[string, Parameters<OfferApiHarness['request']>[2], number]> = [
      ['form body', { token: owner, rawBody: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded', ...ifMatch } }, 415],
      ['no content type', { token: owner, rawBody: '{"title":"x"}', headers: { ...ifMatch } }, 415],
      ['JSON in UTF-16', { token: owner, rawBody: '{"title":"x"}', headers: { 'content-type': 'application/json; charset=utf-16', ...ifMatch } }, 415],
      ['multipart', { token: owner, rawBody: '--x\r\n\r\n--x--', headers: { 'content-type': 'multipart/form-data; boundary=x', ...ifMatch } }, 415],
      ['garbage content type', { token: owner, rawBody: '{"title":"x"}', headers: { 'content-type': ';;;/', ...ifMatch } }, 415],
      ['truncated escape', { token: owner, rawBody: '{"title":"\\u00"}', headers: { ...json, ...ifMatch } }, 400],
      ['prototype pollution', { token: owner, rawBody: '{"__proto__":{"x":1}}', headers: { ...json, ...ifMatch } }, 400],
      ['constructor key', { token: owner, rawBody: '{"constructor":{"prototype":{"x":1}}}', headers: { ...json, ...ifMatch } }, 400],
      ['plans of wrong type', { token: owner, body: { plans: { id: 'p' } }, headers: ifMatch }, 400],
      ['image versions of wrong type', { token: owner, body: { plans: [{ id: 'p', imageVersions: 'x' }] }, headers: ifMatch }, 400],
      [
        'disk urls of wrong type',
        { token: owner, body: { plans: [{ id: 'p', imageVersions: [{ version: '1', dataDiskUrls: [1, {}] }] }] }, headers: ifMatch },
        400,
      ],
      ['lead destination of wrong type', { token: owner, body: { leadDestination: 'https' }, headers: ifMatch }, 400],
      ['plan of wrong type', { token: owner, body: { plans: ['p', 3] }, headers: ifMatch }, 400],
    ];
    for (const [name, options, status] of cases) expectRefused(name, await api.request('PUT', offerPath(PUBLISHER, 'guarded'), options), status);
    expectRefused(
      'publish e-mails as an object',
      await command('publish', { metadata: { 'notification-emails': { a: 1 } } }),
      400,
      'metadata.notification-emails',
    );
    expectRefused('publish metadata as a list', await command('publish', { metadata: ['a@x.com'] }), 400, 'metadata');
    expectRefused('go live with fields', await command('golive', { now: true }), 400);
    expect(referencesMasked((await api.request('GET', offerPath(PUBLISHER, 'guarded'), { token: owner })).body.draft)).toEqual(asStored(SAMPLE_DRAFT));
  });
});
