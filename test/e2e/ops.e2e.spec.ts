/**
 * The operators' console (npm run ops) against the six services as separate processes on the real broker
 * and databases, a real SMTP server and real HTTPS disk and lead servers. Each command is run as an
 * operator would run it (runOps with the command line), through the services' operator APIs only:
 * - timeline of an offer that failed certification and was republished to preview matches the log
 *   (history and --from-log), with each consumer's outcome and the failure messages;
 * - decide reproduces what validation, certification and provisioning recorded;
 * - offers --status failed lists the failed offer across publishers;
 * - a dead letter caused by a condition then fixed is redriven to the consumer that failed only, once;
 * - a mail refused by the SMTP server is resent once with its original Message-ID;
 * - faults changes a stage's duration at run time and lag reports the job backlog it causes;
 * - health reports every service ready.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the commands' --json answers are read as the operator's scripts read them */
import { createOfferEvent, offerSubject, type OfferDraft, type OfferEvent } from '@mkt/events';
import { EventLog, publishEvents, testBrokers, waitFor } from '@mkt/testing';
import { sas, VhdServer } from '../../services/certification/test/vhd-fixtures';
import { TestSmtpServer } from '../../services/notification/test/smtp-test-server';
import { offerPath, operatorToken, publisherToken, TEST_JWT_SECRET } from '../../services/offer-api/test/fixtures/harness';
import { completeOffer } from '../../services/validation/test/offers';
import { runOps } from '../../tools/ops/src/main';
import { SERVICES as OPS_SERVICES } from '../../tools/ops/src/services';
import { HttpsFront, TEST_CA_FILE } from './servers';
import { Stack, type ServiceName } from './stack';

const SERVICES: ServiceName[] = ['validation', 'certification', 'provisioning', 'packaging', 'notification', 'offer-api'];
const PUBLISHER = 'contoso';
const OTHER_PUBLISHER = 'fabrikam';
const OPERATOR = 'e2e-operator';

let stack: Stack;
let log: EventLog;
let vhds: VhdServer;
let blobs: HttpsFront;
let smtp: TestSmtpServer;
let opsEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  vhds = await VhdServer.start();
  blobs = await HttpsFront.start(vhds.origin);
  smtp = await new TestSmtpServer().start();
  stack = await new Stack({
    DEVELOPMENT: 'true', // test servers live on 127.0.0.1; fault settings are open
    NODE_EXTRA_CA_CERTS: TEST_CA_FILE,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    NOTIFICATION_JOB_MAX_TRIES: '2',
    NOTIFICATION_RETRY_INITIAL_MS: '50',
    CERTIFICATION_TIMEOUT_MS: '3000',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
  }).init();
  await stack.startAll(SERVICES);
  log = await new EventLog(stack.topic).start();
  opsEnv = {
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    OPS_OPERATOR: OPERATOR,
    KAFKA_BROKERS: testBrokers().join(','),
    OFFER_EVENTS_TOPIC: stack.topic,
    ...Object.fromEntries(OPS_SERVICES.map((name) => [`OPS_${name.toUpperCase().replace(/-/g, '_')}_URL`, stack.services.get(name)!.url])),
  };
});

afterAll(async () => {
  await log?.stop();
  await stack?.teardown();
  await Promise.all([vhds?.close(), blobs?.close(), smtp?.stop()]);
});

/** Runs `npm run ops -- <argv>` in process; returns the exit code and what it wrote. */
async function ops(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runOps(argv, opsEnv, (json) => ({ json, write: (text) => (stdout += text), note: (text) => (stderr += text) }));
  return { code, stdout, stderr };
}

/** A --json command that must succeed. */
async function opsJson<T = any>(...argv: string[]): Promise<T> {
  const result = await ops(...argv, '--json');
  if (result.code !== 0) throw new Error(`ops ${argv.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

async function api(publisherId: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(stack.services.get('offer-api')!.url + path, {
    method,
    headers: {
      authorization: `Bearer ${await publisherToken(publisherId)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, etag: response.headers.get('etag'), body: (await response.json().catch(() => null)) as any };
}

function offerWith(osDisk = 'os-30g.vhd', overrides: Partial<OfferDraft> = {}): OfferDraft {
  const base = completeOffer();
  const image = { version: '1.0.0', osDiskUrl: blobs.url(vhds.url(osDisk, sas())), dataDiskUrls: [] };
  return { ...base, plans: [{ ...base.plans![0], imageVersions: [image] }], ...overrides } as OfferDraft;
}

async function publish(publisherId: string, offerId: string, draft: OfferDraft, emails = 'ops@contoso.test'): Promise<void> {
  const existing = await api(publisherId, 'GET', offerPath(publisherId, offerId));
  const put = await api(publisherId, 'PUT', offerPath(publisherId, offerId), draft, existing.etag ? { 'if-match': existing.etag } : { 'if-none-match': '*' });
  expect([200, 201]).toContain(put.status);
  await waitFor(`${offerId}: publish accepted`, async () => {
    const answer = await api(publisherId, 'POST', offerPath(publisherId, offerId, '/publish'), { metadata: { 'notification-emails': emails } });
    return answer.status === 202 || undefined;
  });
}

describe('an offer that failed certification and was republished', () => {
  const offerId = 'ops-timeline';
  const subject = offerSubject(PUBLISHER, offerId);

  beforeAll(async () => {
    await publish(PUBLISHER, offerId, offerWith('no-such-disk.vhd'));
    await log.waitFor(subject, 'CertificationFailed', () => true, { timeoutMs: 60_000 });
    await waitFor(
      'the failure in the status view',
      async () => (await api(PUBLISHER, 'GET', offerPath(PUBLISHER, offerId, '/status'))).body?.status === 'failed',
    );
    await publish(PUBLISHER, offerId, offerWith());
    await log.waitFor(subject, 'PreviewReady', (e) => e.attempt === 2, { timeoutMs: 90_000 });
    // the history (offer-api) and every consumer's inbox have seen the whole log of the offer
    await waitFor(
      'offer-api has the preview',
      async () => (await api(PUBLISHER, 'GET', offerPath(PUBLISHER, offerId, '/status'))).body?.status === 'waitingForPublisherReview',
    );
    // the preview's mail is the attempt's last event until sign-off; then the history holds the whole log
    await log.waitFor(subject, 'NotificationSent', (e) => (e.data as { aboutEventType: string }).aboutEventType === 'PreviewReady', { timeoutMs: 60_000 });
    await waitFor(
      'the history holds every event of the log',
      async () => (await opsJson('timeline', subject)).events.length === log.of(subject).length || undefined,
    );
  });

  test('timeline: every event in log order across both attempts, with consumer outcomes and failure messages; --from-log agrees', async () => {
    const recorded = log.of(subject);
    const timeline = await opsJson('timeline', subject);
    expect(timeline.source).toBe('history');
    expect(timeline.unavailable).toEqual([]);
    expect(timeline.events.map((e: any) => e.id)).toEqual(recorded.map((e) => e.id));
    expect(new Set(timeline.events.map((e: any) => e.attempt))).toEqual(new Set([1, 2]));
    // one correlation id per attempt, from the request that published it
    const correlation = (attempt: number) => new Set(timeline.events.filter((e: any) => e.attempt === attempt).map((e: any) => e.correlationId));
    expect(correlation(1).size).toBe(1);
    expect(correlation(2).size).toBe(1);
    expect([...correlation(1)][0]).not.toBe([...correlation(2)][0]);

    const failed = timeline.events.find((e: any) => e.type === 'CertificationFailed');
    expect(failed.producer).toBe('certification');
    expect(failed.failures.join('\n')).toMatch(/os/);
    const submitted = timeline.events.find((e: any) => e.type === 'OfferSubmitted' && e.attempt === 1);
    const consumers = Object.fromEntries(submitted.consumers.map((c: any) => [c.consumer.replace(`${stack.run}-`, ''), c.outcome]));
    expect(consumers).toMatchObject({
      projection: 'applied',
      validation: 'handled',
      certification: 'handled',
      provisioning: 'handled',
      packaging: 'handled',
      notification: 'handled',
    });

    const fromLog = await opsJson('timeline', subject, '--from-log');
    expect(fromLog.source).toBe('log');
    expect(fromLog.events.map((e: any) => e.id)).toEqual(recorded.map((e) => e.id));
    expect(fromLog.events.find((e: any) => e.type === 'CertificationFailed').failures).toEqual(failed.failures);

    const table = await ops('timeline', subject);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/CertificationFailed\s+certification/);
    expect(table.stdout).toMatch(/^\s+! /m);
    expect(table.stdout).toContain(`${recorded.length} event(s) over 2 attempt(s)`);
  });

  test('decide: validation, certification and provisioning decide today what they recorded', async () => {
    for (const stage of ['validation', 'certification', 'provisioning']) {
      const report = await opsJson('decide', stage, subject);
      expect({ stage, reproduced: report.reproduced, differing: report.steps.filter((s: any) => !s.sameTypes) }).toEqual({
        stage,
        reproduced: true,
        differing: [],
      });
    }
    const validation = await opsJson('decide', 'validation', subject);
    const verdicts = validation.steps.flatMap((s: any) => s.wouldEmit.map((e: any) => e.type));
    expect(verdicts).toEqual(['PrerequisitesValidated', 'PrerequisitesValidated']);
    expect(validation.steps.filter((s: any) => s.wouldEmit.length).every((s: any) => s.sameData)).toBe(true);
    const certification = await opsJson('decide', 'certification', subject, '--from-log');
    expect(certification.steps.filter((s: any) => s.input.kind === 'job-result').map((s: any) => s.wouldEmit[0].type)).toEqual([
      'CertificationFailed',
      'CertificationPassed',
    ]);
    const table = await ops('decide', 'certification', subject);
    expect(table.stdout).toContain("today's decider emits what was recorded");
  });

  test('offers --status: failed offers across publishers, not the one at preview', async () => {
    const broken = 'ops-broken';
    await publish(OTHER_PUBLISHER, broken, { ...offerWith(), title: '' });
    await log.waitFor(offerSubject(OTHER_PUBLISHER, broken), 'PrerequisitesRejected');
    const failed = await waitFor('the rejected offer listed', async () => {
      const listed = await opsJson('offers', '--status', 'failed', '--since', '1h');
      return listed.value.some((o: any) => o.offerId === broken) ? listed : undefined;
    });
    expect(failed.value.find((o: any) => o.offerId === broken)).toMatchObject({ publisherId: OTHER_PUBLISHER, status: 'failed' });
    expect(failed.value.some((o: any) => o.offerId === offerId)).toBe(false);
    const review = await opsJson('offers', '--status', 'waitingForPublisherReview');
    expect(review.value.some((o: any) => o.publisherId === PUBLISHER && o.offerId === offerId)).toBe(true);
    const wrong = await ops('offers', '--status', 'broken');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/400.*status/);
  });
});

test('dlq: a dead letter whose cause is fixed is redriven to the consumer that failed only, once, recorded with the operator', async () => {
  const offerId = 'ops-deadletter';
  const subject = offerSubject(PUBLISHER, offerId);
  // a verdict that arrives before its offer was submitted: certification cannot certify it (no image list)
  const early = createOfferEvent(
    'PrerequisitesValidated',
    { rulesChecked: 1 },
    { subject, attempt: 1, correlationId: 'ops-early' },
    { source: '/marketplace/validation' },
  ) as OfferEvent;
  await publishEvents(stack.topic, [early]);
  const letter = await waitFor('certification dead-letters it', async () => {
    const listed = await opsJson('dlq', 'list', '--offer', subject);
    return listed.value.find((l: any) => l.eventId === early.id && l.service === 'certification');
  });
  expect(letter).toMatchObject({ code: 'attempt-not-submitted', eventType: 'PrerequisitesValidated', redrive: null });
  const shown = await opsJson('dlq', 'show', letter.id);
  expect(shown).toMatchObject({ service: 'certification', eventId: early.id });

  // the cause is fixed: the offer is submitted (an invalid draft, so that validation gives no verdict of its own)
  await publish(PUBLISHER, offerId, { ...offerWith(), title: '' });
  await log.waitFor(subject, 'PrerequisitesRejected');
  const certificationsBefore = log.of(subject).filter((e) => e.source === '/marketplace/certification').length;
  expect(certificationsBefore).toBe(0);

  const redriven = await opsJson('dlq', 'redrive', letter.id);
  expect(redriven.value).toEqual([expect.objectContaining({ id: letter.id, service: 'certification', outcome: 'handled', by: OPERATOR, repeated: false })]);
  // certification handled the event this time: it certifies, caused by the redriven event
  const started = await log.waitFor(subject, 'CertificationStarted', (e) => e.causationId === early.id, { timeoutMs: 60_000 });
  await log.waitFor(subject, 'CertificationPassed', (e) => e.causationId === early.id, { timeoutMs: 60_000 });
  // nothing went back on the log: the other consumers never see the event again
  expect(log.events.filter((e) => e.id === early.id)).toHaveLength(1);
  const outcomes = (await opsJson('timeline', subject, '--from-log')).events.find((e: any) => e.id === early.id).consumers;
  expect(outcomes.find((c: any) => c.consumer.endsWith('-certification')).outcome).toBe('handled');

  const again = await opsJson('dlq', 'redrive', letter.id);
  expect(again.value).toEqual([expect.objectContaining({ id: letter.id, outcome: 'handled', by: OPERATOR, repeated: true })]);
  const listed = await opsJson('dlq', 'list', '--offer', subject, '--consumer', letter.consumer);
  expect(listed.value.find((l: any) => l.id === letter.id).redrive).toMatchObject({ by: OPERATOR, outcome: 'handled' });
  expect(log.of(subject, 'CertificationStarted').filter((e) => e.causationId === early.id)).toEqual([started]);
});

test('mails: a mail the SMTP server refused is resent once, with its original Message-ID', async () => {
  const offerId = 'ops-mail';
  const recipient = 'bounce@contoso.test';
  smtp.refused.add(recipient);
  await publish(PUBLISHER, offerId, offerWith(), recipient);
  const failed = await waitFor('the mail failed', async () => {
    const listed = await opsJson('mails', 'failed', '--offer', offerSubject(PUBLISHER, offerId));
    return listed.value[0];
  });
  expect(failed.recipient).not.toContain('bounce@'); // masked
  expect(smtp.received.filter((m) => m.messageId === failed.messageId)).toHaveLength(0);

  smtp.refused.delete(recipient);
  const resent = await opsJson('mails', 'resend', failed.id);
  expect(resent.value).toEqual([expect.objectContaining({ id: failed.id, outcome: 'resent', messageId: failed.messageId, repeated: false })]);
  await waitFor('the resent mail arrives', () => smtp.received.find((m) => m.messageId === failed.messageId));
  const repeated = await opsJson('mails', 'resend', failed.id);
  expect(repeated.value).toEqual([expect.objectContaining({ id: failed.id, repeated: true })]);
  // a later mail arrives after anything the repeat could have sent: still one copy
  await publish(PUBLISHER, 'ops-mail-later', offerWith(), 'later@contoso.test');
  await waitFor('the later mail arrives', () => smtp.received.find((m) => m.to.includes('later@contoso.test')));
  expect(smtp.received.filter((m) => m.messageId === failed.messageId)).toHaveLength(1);
});

test('faults and lag: a stage duration changed at run time holds jobs back, and lag reports them; health is green', async () => {
  const set = await opsJson('faults', 'set', 'validation', 'validationDurationMs=3600000');
  expect(set.settings.validationDurationMs).toBe(3_600_000);
  try {
    await publish(PUBLISHER, 'ops-lag', offerWith());
    const report = await waitFor('lag shows the waiting validation job', async () => {
      const lag = await opsJson('lag', '--service', 'validation');
      const jobs = lag.value[0].jobs.find((j: any) => j.kind === 'validate');
      return jobs?.pending >= 1 ? lag.value[0] : undefined;
    });
    expect(report.service).toBe('validation');
    expect(report.consumers[0].partitions.length).toBeGreaterThan(0);
    expect(report.outbox).toMatchObject({ parked: 0 });
    const table = await ops('lag');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/validation\s+validate\s+[1-9]/);
  } finally {
    await opsJson('faults', 'set', 'validation', 'validationDurationMs=0');
  }
  const refused = await ops('faults', 'set', 'validation', 'validationDurationMs=-1');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/400/);

  const health = await opsJson('health');
  expect(health.value.map((s: any) => [s.service, s.ready])).toEqual(OPS_SERVICES.map((s) => [s, true]));
});

test('rebuild: the status view from offset 0 while the API serves, followed to the end with its progress; the checksum is unchanged', async () => {
  const checksum = async () => {
    const response = await fetch(`${stack.services.get('offer-api')!.url}/api/operator/projection/checksum`, {
      headers: { authorization: `Bearer ${await operatorToken()}` },
    });
    return (await response.json()) as { checksum: string };
  };
  const before = await checksum();
  const rebuilt = await ops('rebuild', '--interval', '100');
  expect(rebuilt.code).toBe(0);
  expect(rebuilt.stderr).toMatch(/^rebuild [0-9a-f-]{36} started$/m);
  expect(rebuilt.stdout).toMatch(new RegExp(`^rebuilt: \\d+ events into \\d+ views; checksum ${before.checksum}$`, 'm'));
  expect((await checksum()).checksum).toBe(before.checksum);
  const started = await opsJson('rebuild', '--no-wait');
  const followed = await opsJson('rebuild', '--status', started.id);
  expect(followed).toMatchObject({ id: started.id, state: 'done', report: { checksum: before.checksum } });
});

test('parked: none in a healthy run; releasing a row that is not parked leaves it alone', async () => {
  const listed = await ops('parked', 'list');
  expect(listed).toMatchObject({ code: 0, stdout: 'no parked rows\n' });
  const released = await opsJson('parked', 'release', 'validation', '1');
  expect(released).toEqual({ service: 'validation', mode: 'retry', released: [], notParked: ['1'] });
  expect((await ops('parked', 'release', 'nowhere', '1')).code).toBe(2);
});
