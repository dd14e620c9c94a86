/**
 * Correlated logs end to end: one offer published through offer-api with a chosen x-correlation-id is
 * followed by that id through the JSON logs of all six services (separate processes, the built
 * dist/main.js) down to the line notification writes when the mail is sent; every event of the attempt
 * carries it, and each stage logged its outcome at info.
 */
import { offerSubject, type OfferDraft } from '@mkt/events';
import { EventLog, waitFor } from '@mkt/testing';
import { sas, VhdServer } from '../../services/certification/test/vhd-fixtures';
import { TestSmtpServer } from '../../services/notification/test/smtp-test-server';
import { offerPath, publisherToken, TEST_JWT_SECRET } from '../../services/offer-api/test/fixtures/harness';
import { completeOffer } from '../../services/validation/test/offers';
import { HttpsFront, TEST_CA_FILE } from './servers';
import { Stack, type ServiceName } from './stack';

const SERVICES: ServiceName[] = ['validation', 'certification', 'provisioning', 'packaging', 'notification', 'offer-api'];
const PUBLISHER = 'contoso';
const CORRELATION_ID = `e2e-corr:${Date.now().toString(36)}.1`;

let stack: Stack;
let log: EventLog;
let vhds: VhdServer;
let blobs: HttpsFront;
let smtp: TestSmtpServer;

beforeAll(async () => {
  vhds = await VhdServer.start();
  blobs = await HttpsFront.start(vhds.origin);
  smtp = await new TestSmtpServer().start();
  stack = await new Stack({
    DEVELOPMENT: 'true', // test servers live on 127.0.0.1
    NODE_EXTRA_CA_CERTS: TEST_CA_FILE,
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
  }).init();
  await stack.startAll(SERVICES);
  log = await new EventLog(stack.topic).start();
});

afterAll(async () => {
  await log?.stop();
  await stack?.teardown();
  await Promise.all([vhds?.close(), blobs?.close(), smtp?.stop()]);
});

function offer(): OfferDraft {
  const base = completeOffer();
  const disk = (file: string) => blobs.url(vhds.url(file, sas({}), 'disks'));
  const plan = { ...base.plans![0], imageVersions: [{ version: '1.0.0', osDiskUrl: disk('os-30g.vhd'), dataDiskUrls: [disk('data-1g.vhd')] }] };
  return { ...base, plans: [plan] };
}

interface LogRecord {
  level: string;
  service: string;
  msg: string;
  context?: string;
  correlationId?: string;
  publisherId?: string;
  offerId?: string;
  eventId?: string;
  attempt?: number;
}

function recordsOf(name: ServiceName): LogRecord[] {
  return stack.services
    .get(name)!
    .process.output.filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogRecord);
}

test('a chosen x-correlation-id is in the logs of every service, from the publish request down to the mail sent', async () => {
  const offerId = `corr-${Date.now().toString(36)}`;
  const subject = offerSubject(PUBLISHER, offerId);
  const token = await publisherToken(PUBLISHER);
  const api = stack.services.get('offer-api')!.url;
  const call = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(api + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  expect((await call('PUT', offerPath(PUBLISHER, offerId), offer(), { 'if-none-match': '*' })).status).toBe(201);
  const published = await call(
    'POST',
    offerPath(PUBLISHER, offerId, '/publish'),
    { metadata: { 'notification-emails': 'ops@contoso.test' } },
    {
      'x-correlation-id': CORRELATION_ID,
    },
  );
  expect(published.status).toBe(202);
  expect(published.headers.get('x-correlation-id')).toBe(CORRELATION_ID);
  // a request without an acceptable id gets a new one, in the same header
  const other = await fetch(`${api}/api/catalog/offers`, { headers: { 'x-correlation-id': 'bad id!' } });
  expect(other.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);

  await log.waitFor(subject, 'PreviewReady', () => true, { timeoutMs: 90_000 });
  const mail = await waitFor('the preview mail to arrive', () => smtp.received.find((m) => m.to.includes('ops@contoso.test')), { timeoutMs: 60_000 });
  const sentLine = await waitFor(
    "notification's line about the mail sent",
    () => recordsOf('notification').find((r) => r.correlationId === CORRELATION_ID && /sent/.test(r.msg) && r.msg.includes(mail.messageId)),
    { timeoutMs: 30_000 },
  );
  expect(sentLine.msg).toContain('o***@contoso.test'); // the recipient masked
  expect(sentLine.msg).not.toContain('ops@contoso.test');
  expect(sentLine).toMatchObject({ level: 'info', publisherId: PUBLISHER, offerId, attempt: 1 });

  // every event of the attempt carries the request's id
  expect(log.of(subject).length).toBeGreaterThan(5);
  expect([...new Set(log.of(subject).map((e) => e.correlationId))]).toEqual([CORRELATION_ID]);

  // and every service logged about it with the id, the offer and the attempt
  const found: Record<string, number> = {};
  for (const name of SERVICES) {
    const lines = recordsOf(name).filter((r) => r.correlationId === CORRELATION_ID);
    found[name] = lines.length;
    expect(lines.every((r) => r.service === name || name === 'offer-api')).toBe(true);
  }
  console.log(`lines with the correlation id per service: ${JSON.stringify(found)}`);
  expect(Object.entries(found).filter(([, n]) => n === 0)).toEqual([]);
  // the stages' outcomes at info, with the event's fields
  for (const name of ['validation', 'certification', 'provisioning', 'packaging'] as const) {
    const outcome = recordsOf(name).find((r) => r.context === 'Stage' && r.level === 'info' && r.correlationId === CORRELATION_ID);
    expect(outcome).toMatchObject({ publisherId: PUBLISHER, offerId, attempt: 1 });
  }
  // JSON lines only: no colour codes, nothing unparsable
  for (const name of SERVICES) expect(stack.services.get(name)!.process.output.filter((l) => l.includes('\x1b['))).toEqual([]);
});
