/**
 * Fuzzing offer-api from its own OpenAPI document: every operation, with values built from its schemas
 * and then broken (wrong types, huge and unicode strings, NUL and unpaired surrogates, deep nesting,
 * missing and extra fields, malformed JSON, other content types, broken If-Match / Idempotency-Key /
 * Authorization, bad path parameters and query values), over real HTTP with keep-alive, against the real
 * PostgreSQL and Kafka. Most requests come from the owning publisher, some from another publisher, an
 * operator or nobody. No response may be a 5xx, and every error must be in the API's error shape.
 *
 * Reproducible: FUZZ_SEED (printed) and FUZZ_REQUESTS choose the run; FUZZ_DEBUG=1 prints the 400 codes
 * by operation and every failing request.
 */
import http from 'node:http';
import net from 'node:net';
import { waitFor } from '@mkt/testing';
import { SAMPLE_DRAFT } from './fixtures/events';
import { offerPath, OfferApiHarness, operatorToken, publisherToken, token, type Json } from './fixtures/harness';

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const CONCURRENCY = 8;
const PUBLISHER = 'contoso';
const OFFERS = ['fuzz-a', 'fuzz-b', 'fuzz-c'];

// ---------------------------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: small, fast and good enough to choose test inputs reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(SEED);
const chance = (p: number) => random() < p;
const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const hex = (digits: number) => Array.from({ length: digits }, () => int(0, 15).toString(16)).join('');
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;

// ---------------------------------------------------------------------------------------------
// Values

/** JSON text inserted as is by `serialize` (deep nesting, duplicate keys: what JSON.stringify cannot make). */
class Raw {
  constructor(readonly text: string) {}
}

function serialize(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

function deep(levels: number): Raw {
  const inner = pick(['1', '"x"', 'null', '{}', '[]']);
  const open = Array.from({ length: levels }, (_, i) => (i % 2 ? '[' : '{"k":'));
  const close = Array.from({ length: levels }, (_, i) => (i % 2 ? ']' : '}')).reverse();
  return new Raw(open.join('') + inner + close.join(''));
}

const UNICODE = ['é', '中文', '\ud83d\ude80', '\u202e', '\u200b', '\ufeff', '\u2028', 'a\u0301', '\u{10ffff}', 'ß', 'İ', '\u00a0', '𝔘𝔫𝔦'];
const UNSTORABLE = ['\u0000', '\ud800', '\udfff', 'a\ud83d', '\ude80b', 'x\u0000y'];

function text(maxLength = 40): string {
  const length = int(0, Math.min(maxLength, 40));
  let out = '';
  while (out.length < length) out += chance(0.15) ? pick(UNICODE) : String.fromCharCode(int(0x20, 0x7e));
  return out;
}

function badString(): string {
  switch (int(0, 6)) {
    case 0:
      return text() + pick(UNSTORABLE) + text();
    case 1:
      return pick(UNICODE).repeat(int(1, 5_000));
    case 2:
      return 'x'.repeat(pick([201, 4_097, 10_001, 50_001, 100_000, 300_000]));
    case 3:
      return pick([
        '',
        ' ',
        '\t',
        '\n',
        '0',
        'null',
        'true',
        '[]',
        '{}',
        '<script>alert(1)</script>',
        "'; DROP TABLE offers; --",
        '../../etc/passwd',
        '%00',
        '${x}',
      ]);
    case 4:
      return String.fromCharCode(...Array.from({ length: int(1, 30) }, () => int(0, 0xffff)));
    case 5:
      return text() + '\u0001\u001f\u007f';
    default:
      return pick(UNICODE) + text(20);
  }
}

function badValue(): unknown {
  switch (int(0, 9)) {
    case 0:
      return null;
    case 1:
      return pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, 65_536, 99_999_999_999]);
    case 2:
      return pick([true, false]);
    case 3:
      return [];
    case 4:
      return {};
    case 5:
      return Array.from({ length: int(1, 4) }, () => badValue());
    case 6:
      return { [pick(['x', '__proto__', 'constructor', 'é', 'a\u0000', '\ud800', ''])]: badValue() };
    case 7:
      return deep(pick([33, 40, 200, 5_000]));
    case 8:
      return new Raw(pick(['1e999', '-0', '123456789012345678901234567890', '0.0000000000000000000001']));
    default:
      return badString();
  }
}

type Schema = Record<string, Json>;

class Generator {
  constructor(private readonly document: Json) {}

  resolve(schema: Schema | undefined): Schema {
    let current = schema ?? {};
    while (current.$ref) current = this.document.components.schemas[String(current.$ref).split('/').pop()!];
    return current;
  }

  /** A value of the schema (plausible, so that requests get past validation often enough), or a broken one. */
  value(schema: Schema | undefined, name: string, depth: number, breakRate: number): unknown {
    if (chance(breakRate)) return badValue();
    const s = this.resolve(schema);
    if (s.oneOf) return this.value(pick(s.oneOf as Schema[]), name, depth, breakRate);
    if (s.enum) return pick(s.enum as unknown[]);
    switch (s.type) {
      case 'string':
        return this.plausibleString(name, s.maxLength as number | undefined);
      case 'integer':
      case 'number':
        return int((s.minimum as number | undefined) ?? 0, Math.min((s.maximum as number | undefined) ?? 1000, 100_000));
      case 'boolean':
        return chance(0.5);
      case 'array': {
        const count = depth > 3 ? 0 : int(0, Math.min((s.maxItems as number | undefined) ?? 3, 3));
        return Array.from({ length: count }, () => this.value(s.items as Schema, name, depth + 1, breakRate));
      }
      default: {
        const properties = (s.properties ?? {}) as Record<string, Schema>;
        const required = new Set((s.required ?? []) as string[]);
        const out: Record<string, unknown> = {};
        for (const [key, property] of Object.entries(properties)) {
          const include = required.has(key) ? !chance(breakRate / 2) : chance(depth > 2 ? 0.2 : 0.5);
          if (include) out[key] = this.value(property, key, depth + 1, breakRate);
        }
        if (chance(breakRate / 2)) out[pick(['extra', 'price', '__proto__', 'constructor', 'ü', 'k\u0000', '\udc00', 'a'.repeat(300)])] = badValue();
        return out;
      }
    }
  }

  private plausibleString(name: string, maxLength = 200): string {
    const lower = name.toLowerCase();
    if (lower.includes('email')) return pick(['a@x.com', 'a@x.com,b@y.com', 'ops@contoso.com; dev@contoso.com']);
    if (lower.includes('url')) return pick(['https://example.blob.core.windows.net/vhds/os.vhd?sig=x', 'http://127.0.0.1/x', 'ftp://x', 'not a url']);
    if (lower === 'id') return pick(['standard', 'premium', 'p1']);
    if (lower === 'version') return pick(['1.0.0', '2.1.3']);
    if (lower.includes('subscription')) return '11111111-2222-3333-4444-555555555555';
    return text(Math.min(maxLength, 40));
  }
}

// ---------------------------------------------------------------------------------------------
// Requests

/** Percent-encoding that, like a careless client, encodes an unpaired surrogate as its 3 bytes (not UTF-8). */
function encode(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff)
      out += `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`.toUpperCase();
    else out += encodeURIComponent(char);
  }
  return out;
}

interface FuzzRequest {
  operation: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Operation {
  name: string;
  method: string;
  template: string;
  parameters: Json[];
  body?: Schema;
  secured: boolean;
}

interface Callers {
  owner: string;
  other: string;
  operator: string;
  expired: string;
  wrongPublisherClaim: string;
}

function operationsOf(document: Json): Operation[] {
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(document.paths as Record<string, Record<string, Json>>)) {
    for (const [method, operation] of Object.entries(item)) {
      operations.push({
        name: `${method.toUpperCase()} ${template}`,
        method: method.toUpperCase(),
        template,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content?.['application/json']?.schema,
        secured: Array.isArray(operation.security) && operation.security.length > 0,
      });
    }
  }
  return operations;
}

/** A path parameter: a real id most of the time (the request then reaches the handler), else a broken one. */
function pathParameter(name: string, context: { operationIds: string[]; rebuildIds: string[] }): string {
  if (chance(0.85)) {
    if (name === 'publisherId') return chance(0.9) ? PUBLISHER : pick(['fabrikam', 'nobody']);
    if (name === 'offerId') return chance(0.9) ? pick(OFFERS) : `fuzz-new-${int(1, 20)}`;
    if (name === 'operationId') return chance(0.7) && context.operationIds.length ? pick(context.operationIds) : uuid();
    if (name === 'id') return chance(0.5) && context.rebuildIds.length ? pick(context.rebuildIds) : uuid();
  }
  return pick([
    encode(badString()).slice(0, 3_000),
    'Contoso',
    'a_b',
    'a'.repeat(51),
    'a'.repeat(101),
    '%00',
    'a%00b',
    '%ED%A0%80',
    '%F0%9F%9A',
    '%zz',
    '%',
    '..',
    '%2e%2e',
    'a%2Fb',
    '-a',
    'a--b',
    '0',
    encodeURIComponent('é'),
    '00000000-0000-0000-0000-00000000000g',
  ]);
}

function queryValue(name: string, schema: Schema, generator: Generator): string {
  if (name === 'api-version') return chance(0.95) ? '2017-10-31' : pick(['2016-01-01', '', '2017-10-31\u0000', '2017-10-31 ', 'latest']);
  if (chance(0.6)) {
    if (name === 'limit') return String(int(1, 600));
    if (name === 'after') return pick(['0:1', '2:5', 'fuzz-a', 'contoso/fuzz-a', 'a/b']);
    const value = generator.value(schema, name, 0, 0);
    return typeof value === 'string' ? value : JSON.stringify(value);
  }
  return pick([
    badString().slice(0, 2_000),
    '-1',
    '0',
    '1e3',
    '0x10',
    ' 5',
    '99999999999999999999999',
    '0:9999999999999999999',
    '9999999:1',
    '-1:-1',
    '0:',
    ':',
    '/',
    '..',
    '1.5',
    'NaN',
  ]);
}

function authorization(operation: Operation, callers: Callers): string | undefined {
  const roll = random();
  // operator routes: mostly an operator; the others: mostly the owning publisher
  const [first, second] = operation.template.startsWith('/api/operator') ? [callers.operator, callers.owner] : [callers.owner, callers.operator];
  if (roll < 0.72) return `Bearer ${first}`;
  if (roll < 0.79) return `Bearer ${callers.other}`;
  if (roll < 0.87) return `Bearer ${second}`;
  if (roll < 0.91 || !operation.secured) return undefined;
  return pick([
    'Bearer',
    'Bearer ',
    'bearer not.a.jwt',
    `Bearer ${callers.owner.slice(0, -3)}AAA`,
    `Bearer ${callers.expired}`,
    `Bearer ${callers.wrongPublisherClaim}`,
    `Basic ${Buffer.from('a:b').toString('base64')}`,
    `Bearer ${callers.owner} extra`,
    `Bearer ${'a'.repeat(5_000)}`,
    `Bearer ${Buffer.from('\u00ff\u00fe').toString('latin1')}`,
  ]);
}

/** Header values a client can send (the HTTP parser itself refuses NUL and line breaks: see the raw-socket requests). */
function headerValue(name: string): string {
  const lower = name.toLowerCase();
  if (chance(0.6)) {
    if (lower === 'if-match' || lower === 'if-none-match') return pick(['"1"', '"2"', '"3"', '*', '*', '*', 'W/"1"', '"1", "2"', '"999"']);
    if (lower === 'idempotency-key') return `key-${int(1, 50)}`;
  }
  return pick([
    '',
    ' ',
    '"',
    '"1',
    '1',
    'W/',
    'W/"',
    '*,"1"',
    ',,',
    '\u00ff\u00e9',
    'x'.repeat(int(256, 4_000)),
    '"\u00e9"',
    '\t"1"\t',
    'a b c',
    '"1"'.repeat(200),
  ]);
}

function contentType(): string | undefined {
  return chance(0.85)
    ? 'application/json'
    : pick([
        undefined,
        'application/json; charset=utf-8',
        'application/json; charset=utf-16',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        ';;;',
        'application/json;;',
        'APPLICATION/JSON',
        'application/*',
      ]);
}

function rawBody(): Buffer {
  return pick([
    () => Buffer.from(''),
    () => Buffer.from('{'),
    () => Buffer.from('{"metadata": '),
    () => Buffer.from('null'),
    () => Buffer.from('[]'),
    () => Buffer.from('"string"'),
    () => Buffer.from('42'),
    () => Buffer.from('{"a":1,"a":2}'),
    () => Buffer.from('{"title":"x"} trailing'),
    () => Buffer.from('{/* comment */}'),
    () => Buffer.from('{"title": NaN}'),
    () => Buffer.from('{"title": "\\ud800"}'),
    () => Buffer.from('{"title": "\\u0000"}'),
    () => Buffer.from('{"title": "\\x00"}'),
    () => Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
    () => Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
    () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{}')]),
    () => Buffer.from(`{"description":"${'x'.repeat(600 * 1024)}"}`),
    () => Buffer.from(deep(int(33, 10_000)).text),
    () => Buffer.from(`{"x":${'1'.repeat(5_000)}}`),
    () => Buffer.from('{"__proto__":{"polluted":true}}'),
    () => Buffer.from('{"constructor":{"prototype":{"polluted":true}}}'),
  ])();
}

function buildRequest(operation: Operation, generator: Generator, callers: Callers, context: { operationIds: string[]; rebuildIds: string[] }): FuzzRequest {
  const headers: Record<string, string> = {};
  let path = operation.template.replace(/\{(\w+)\}/g, (_, name: string) => pathParameter(name, context));
  const query: string[] = [];
  for (const parameter of operation.parameters) {
    if (parameter.in === 'query') {
      if (parameter.required ? chance(0.04) : chance(0.5)) continue;
      const times = chance(0.05) ? 2 : 1;
      for (let i = 0; i < times; i++) query.push(`${encode(parameter.name)}=${encode(queryValue(parameter.name, parameter.schema ?? {}, generator))}`);
    } else if (parameter.in === 'header' && chance(0.6)) {
      headers[parameter.name.toLowerCase()] = headerValue(parameter.name);
    }
  }
  if (chance(0.05)) query.push(`${pick(['unknown', 'api-version', 'limit', '%00', '%zz', ''])}=${pick(['1', '%ED%A0%80', '%', ''])}`);
  if (query.length) path += `?${query.join('&')}`;
  if (chance(0.01)) path = pick([path.replace('/api/', '/api//'), `${path}/extra`, path.toUpperCase(), `${path}#frag`]);
  const auth = authorization(operation, callers);
  if (auth !== undefined) headers.authorization = auth;

  let body: Buffer | undefined;
  if (operation.body || chance(0.05)) {
    if (chance(0.1)) body = rawBody();
    else if (!chance(0.05)) {
      const breakRate = pick([0, 0.02, 0.1, 0.3]);
      body = Buffer.from(serialize(operation.body ? generator.value(operation.body, '(body)', 0, breakRate) : badValue()));
    }
  }
  if (body !== undefined) {
    const type = contentType();
    if (type !== undefined) headers['content-type'] = type;
  }
  if (chance(0.02))
    headers[pick(['accept', 'x-forwarded-for', 'content-encoding', 'expect', 'x-http-method-override'])] = pick([
      'gzip',
      '*/*',
      '100-continue',
      'DELETE',
      '\u00ff',
    ]);
  const method = chance(0.02) ? pick(['PATCH', 'HEAD', 'OPTIONS', 'DELETE', 'PUT', 'GET']) : operation.method;
  return { operation: operation.name, method, path, headers, body };
}

interface Outcome {
  status: number;
  contentType: string;
  body: string;
}

function send(agent: http.Agent, port: number, request: FuzzRequest): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const headers = { ...request.headers, ...(request.body ? { 'content-length': String(request.body.length) } : {}) };
    const outgoing = http.request({ agent, host: '127.0.0.1', port, method: request.method, path: request.path, headers, timeout: 20_000 }, (response) => {
      const chunks: Buffer[] = [];
      const contentType = String(response.headers['content-type'] ?? '');
      // a status stream never ends by itself: its first event is the answer
      if (contentType.startsWith('text/event-stream')) {
        response.once('data', (chunk: Buffer) => {
          resolve({ status: response.statusCode ?? 0, contentType, body: chunk.toString() });
          outgoing.destroy();
        });
        response.on('error', () => undefined);
        return;
      }
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString() }),
      );
      response.on('error', reject);
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('timed out')));
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

/** What no HTTP client sends: NUL and other control bytes in header values and the request target. */
function sendRaw(port: number, lines: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const response = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(response);
      if (!status) reject(new Error(`no HTTP response to a raw request: ${JSON.stringify(response.slice(0, 200))}`));
      else
        resolve({
          status: Number(status[1]),
          contentType: /content-type: ([^\r\n]*)/i.exec(response)?.[1] ?? '',
          body: response.split('\r\n\r\n').slice(1).join('\r\n\r\n'),
        });
    });
    socket.end(Buffer.from(lines, 'latin1'));
  });
}

function rawRequest(owner: string): { description: string; text: string } {
  const target = pick([offerPath(PUBLISHER, 'fuzz-a'), `${offerPath(PUBLISHER, 'fuzz-a', '/publish')}`, '/api/catalog/offers']);
  const evil = pick(['\u0000', '\u0001', '\u007f', '\r', 'a\u0000b']);
  const variant = int(0, 3);
  const header =
    variant === 0
      ? `If-Match: "1${evil}"`
      : variant === 1
        ? `Idempotency-Key: k${evil}`
        : variant === 2
          ? `Authorization: Bearer ${owner}${evil}`
          : `X-Ms-Subscription-Id: ${evil}`;
  return {
    description: `GET ${target} with ${JSON.stringify(header)}`,
    text: `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${header}\r\nConnection: close\r\n\r\n`,
  };
}

// ---------------------------------------------------------------------------------------------

let api: OfferApiHarness;
let owner: string;
let operator: string;

beforeAll(async () => {
  // ten thousand requests as fast as the service answers: the request rate limit would answer most of them
  api = await OfferApiHarness.start('fuzz', { rateLimit: { perSecond: 1_000_000, burst: 1_000_000 } });
  owner = await publisherToken(PUBLISHER);
  operator = await operatorToken();
});

afterAll(async () => {
  await api?.stop();
});

test(`fuzzing every operation of the OpenAPI document: no 5xx (seed ${SEED})`, async () => {
  const started = Date.now();
  const document = (await api.request('GET', '/api/docs-json')).body as Json;
  const operations = operationsOf(document);
  expect(operations.length).toBeGreaterThanOrEqual(20);
  const generator = new Generator(document);

  for (const offerId of OFFERS) expect((await api.request('PUT', offerPath(PUBLISHER, offerId), { token: owner, body: SAMPLE_DRAFT })).status).toBe(201);
  const published = await api.request('POST', offerPath(PUBLISHER, 'fuzz-b', '/publish'), {
    token: owner,
    body: { metadata: { 'notification-emails': 'a@x.com' } },
  });
  expect(published.status).toBe(202);
  const context = { operationIds: [published.body.id as string], rebuildIds: [] as string[] };
  const callers: Callers = {
    owner,
    operator,
    other: await publisherToken('fabrikam'),
    expired: await token({ role: 'publisher', publisherId: PUBLISHER, exp: Math.floor(Date.now() / 1000) - 60 }),
    wrongPublisherClaim: await token({ role: 'publisher', publisherId: 'Contoso!' }),
  };

  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const statuses = new Map<number, number>();
  const perOperation = new Map<string, number>();
  const operationStatuses = new Map<string, Map<number, number>>();
  const codes = new Map<string, number>();
  const failures: string[] = [];
  const misshapen: string[] = [];
  const record = (description: string, outcome: Outcome, method: string) => {
    statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
    if (outcome.status >= 500) failures.push(`${description} -> ${outcome.status} ${outcome.body.slice(0, 300)}`);
    // (a response to HEAD has no body)
    else if (outcome.status >= 400 && method !== 'HEAD' && !/"code":"[^"]+"/.test(outcome.body))
      misshapen.push(`${description} -> ${outcome.status} ${outcome.body.slice(0, 300)}`);
  };

  // the plan first, from the one seeded stream, so that the run does not depend on response timing
  const rawCount = Math.ceil(REQUESTS / 200);
  const plan = Array.from({ length: REQUESTS - rawCount }, (_, i) => buildRequest(operations[i % operations.length], generator, callers, context));
  const raws = Array.from({ length: rawCount }, () => rawRequest(owner));

  let next = 0;
  const worker = async () => {
    while (next < plan.length) {
      const request = plan[next++];
      perOperation.set(request.operation, (perOperation.get(request.operation) ?? 0) + 1);
      const description = `${request.method} ${request.path.slice(0, 200)} [${request.operation}] headers=${JSON.stringify(request.headers).slice(0, 300)} body=${JSON.stringify(request.body?.toString().slice(0, 300) ?? null)}`;
      let outcome: Outcome;
      try {
        outcome = await send(agent, Number(new URL(api.baseUrl).port), request);
      } catch (error) {
        outcome = { status: 599, contentType: '', body: `client error: ${(error as Error).message}` };
      }
      record(description, outcome, request.method);
      if (process.env.FUZZ_DEBUG && outcome.status === 400) {
        const key = `${request.operation} ${/"code":"([^"]+)"/.exec(outcome.body)?.[1]} ${/"field":"([^"]{0,40})/.exec(outcome.body)?.[1]}`;
        codes.set(key, (codes.get(key) ?? 0) + 1);
      }
      const counts = operationStatuses.get(request.operation) ?? new Map<number, number>();
      operationStatuses.set(request.operation, counts.set(outcome.status, (counts.get(outcome.status) ?? 0) + 1));
      if (outcome.status === 202 && request.path.includes('/projection/rebuild')) {
        const id = /"id":"([0-9a-f-]{36})"/.exec(outcome.body)?.[1];
        if (id) context.rebuildIds.push(id);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const port = Number(new URL(api.baseUrl).port);
  for (const raw of raws) record(raw.description, await sendRaw(port, raw.text), 'GET');
  agent.destroy();

  const duration = Date.now() - started;
  const total = [...statuses.values()].reduce((a, b) => a + b, 0);
  const distribution = [...statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}: ${n}`)
    .join(', ');
  console.log(
    `fuzz (seed ${SEED}): ${total} requests over ${operations.length} operations in ${duration} ms; status codes ${distribution}; ` +
      `5xx: ${failures.length}; errors not in the API's shape: ${misshapen.length}\n` +
      [...perOperation.entries()]
        .map(
          ([name, n]) =>
            `  ${name}: ${n} (${[...(operationStatuses.get(name) ?? new Map<number, number>()).entries()]
              .sort(([a], [b]) => a - b)
              .map(([status, count]) => `${status}: ${count}`)
              .join(', ')})`,
        )
        .join('\n'),
  );

  // a projection rebuild an operator started must finish before the service stops
  await waitFor(
    'projection rebuilds to finish',
    async () => (await api.query<{ n: number }>(`SELECT count(*)::int AS n FROM projection_rebuilds WHERE state = 'running'`))[0].n === 0,
    {
      timeoutMs: 60_000,
    },
  );

  expect(total).toBeGreaterThanOrEqual(REQUESTS);
  for (const operation of operations)
    expect({ operation: operation.name, reached: (perOperation.get(operation.name) ?? 0) > 0 }).toEqual({ operation: operation.name, reached: true });
  if (process.env.FUZZ_DEBUG)
    console.log(
      [...codes.entries()]
        .sort(([, a], [, b]) => b - a)
        .slice(0, 60)
        .map(([key, n]) => `${n} ${key}`)
        .join('\n'),
    );
  if (process.env.FUZZ_DEBUG) console.log([...failures, ...misshapen].map((line) => line.slice(0, 900)).join('\n'));
  expect(failures.slice(0, 20)).toEqual([]);
  expect(misshapen.slice(0, 20)).toEqual([]);
  // nothing unstorable got in
  const [stored] = await api.query<{ n: number }>(`SELECT count(*)::int AS n FROM offers WHERE jsonb_path_exists(draft, 'lax $.** ? (@ == null)')`);
  expect(stored.n).toBe(0);
});
