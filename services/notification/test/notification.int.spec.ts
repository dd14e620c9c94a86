/**
 * The notification service as its own process, against the real broker, PostgreSQL and a real SMTP
 * server (smtp-server, messages parsed with mailparser). Every event is delivered twice.
 */
import Handlebars from 'handlebars';
import { SignJWT } from 'jose';
import { Client } from 'pg';
import type { Envelope, OfferEvent } from '@mkt/events';
import { EventLog, publishEvents, startProcess, TestDatabase, TestTopics, testBrokers, uniqueId, waitFor, type ChildHandle } from '@mkt/testing';
import { messageIdFor } from '../src/domain';
import { failedChecks, failedRegions, offerEvent, problems, stageFailure, submitted } from './fixtures';
import { TestSmtpServer, type ReceivedMail } from './smtp-test-server';

const STATUS_BASE = 'https://portal.test';
const MESSAGE_ID_DOMAIN = 'notify.test';
const MAX_TRIES = 6;
/** The operator routes' token secret (libs/auth reads AUTH_JWT_SECRET in every service). */
const OPERATOR_SECRET = 'notification-operator-secret-32-bytes-or-more';

const topics = new TestTopics();
const db = new TestDatabase('notification');
const smtp = new TestSmtpServer();
const children: ChildHandle[] = [];
let topic: string;
let log: EventLog;
let service: ChildHandle;

function startService(env: Record<string, string> = {}): ChildHandle {
  const child = startProcess(
    'services/notification/src/main.ts',
    {
      PORT: '0',
      KAFKA_BROKERS: testBrokers().join(','),
      OFFER_EVENTS_TOPIC: topic,
      DEAD_LETTER_TOPIC: `${topic}.dlq`,
      DATABASE_URL: db.serverUrl,
      DATABASE_NAME: db.name,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SMTP_FROM: `Marketplace <no-reply@${MESSAGE_ID_DOMAIN}>`,
      NOTIFICATION_STATUS_BASE_URL: STATUS_BASE,
      NOTIFICATION_JOB_MAX_TRIES: String(MAX_TRIES),
      NOTIFICATION_RETRY_INITIAL_MS: '100',
      NOTIFICATION_RETRY_MAX_MS: '300',
      NOTIFICATION_JOB_POLL_INTERVAL_MS: '50',
      NOTIFICATION_JOB_LEASE_MS: '1500',
      RELAY_POLL_INTERVAL_MS: '50',
      // a SIGKILLed member holds its partitions until its session times out
      CONSUMER_SESSION_TIMEOUT_MS: '6000',
      AUTH_JWT_SECRET: OPERATOR_SECRET,
      ...env,
    },
    'notification',
  );
  children.push(child);
  return child;
}

async function started(child: ChildHandle): Promise<ChildHandle> {
  await child.waitForOutput(/notification ready on/, { timeoutMs: 60_000 });
  return child;
}

async function mailRows(subjects: string[]) {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const result = await client.query<{ event_id: string; recipient: string; state: string; tries: number; last_error: string | null }>(
      'SELECT event_id, recipient, state, tries, last_error FROM mails WHERE subject = ANY($1) ORDER BY id',
      [subjects],
    );
    return result.rows;
  } finally {
    await client.end();
  }
}

const recipientsOf = (event: OfferEvent | Envelope) =>
  event.type === 'OfferSubmitted' ? (event as Extract<OfferEvent, { type: 'OfferSubmitted' }>).data.notificationEmails : [];

/** Waits until every (event, recipient) pair has arrived at least once. */
async function waitForMails(expected: Array<{ event: Envelope; recipient: string }>, timeoutMs = 60_000) {
  await waitFor(
    `${expected.length} e-mails`,
    () => {
      const missing = expected.filter(({ event, recipient }) => !smtp.about(event.id).some((m) => m.envelopeTo.includes(recipient)));
      return missing.length === 0 || undefined;
    },
    { timeoutMs },
  );
}

beforeAll(async () => {
  topic = await topics.create('notification');
  topics.names.push(`${topic}.dlq`); // created by the service; removed with the suite's topics
  await smtp.start();
  log = await new EventLog(topic).start();
  service = await started(startService());
});

afterAll(async () => {
  await Promise.all(children.map((child) => child.kill('SIGTERM')));
  await log?.stop();
  await smtp.stop();
  await db.drop();
  await topics.cleanup();
});

// ---------------------------------------------------------------------------------------------
// What the mails say

type Lang = 'en' | 'pt-BR' | 'it';

const WORDING: Record<
  Lang,
  {
    steps: Record<string, string>;
    submitted: string;
    failed: (n: number, step: string) => string;
    preview: string;
    live: string;
    canceled: string;
    restart: string;
  }
> = {
  en: {
    steps: {
      'validate-prerequisites': 'Validate prerequisites',
      certification: 'Certification',
      provisioning: 'Provisioning',
      packaging: 'Packaging and lead registration',
      live: 'Live',
    },
    submitted: 'publishing started',
    failed: (n, step) => `publishing failed at step ${n}, ${step}`,
    preview: 'is ready in preview',
    live: 'is live in the marketplace',
    canceled: 'publishing canceled',
    restart: 'starts over at step 1, Validate prerequisites',
  },
  'pt-BR': {
    steps: {
      'validate-prerequisites': 'Validar os pré-requisitos',
      certification: 'Certificação',
      provisioning: 'Provisionamento',
      packaging: 'Empacotamento e registro de geração de cliente potencial',
      live: 'Ativa',
    },
    submitted: 'publicação iniciada',
    failed: (n, step) => `a publicação falhou na etapa ${n}, ${step}`,
    preview: 'está disponível em visualização',
    live: 'está ativa no marketplace',
    canceled: 'publicação cancelada',
    restart: 'recomeça na etapa 1, Validar os pré-requisitos',
  },
  it: {
    steps: {
      'validate-prerequisites': 'Convalidare i prerequisiti',
      certification: 'Certificazione',
      provisioning: 'Provisioning',
      packaging: 'Creazione di pacchetti e registrazione alla lead generation',
      live: 'Offerta pubblicata',
    },
    submitted: 'pubblicazione avviata',
    failed: (n, step) => `pubblicazione non riuscita al passaggio ${n}, ${step}`,
    preview: 'è disponibile in anteprima',
    live: 'è pubblicata nel marketplace',
    canceled: 'pubblicazione annullata',
    restart: 'ricomincia sempre dal passaggio 1, Convalidare i prerequisiti',
  },
};

const FAILED_STEP: Record<string, [number, string]> = {
  PrerequisitesRejected: [1, 'validate-prerequisites'],
  CertificationFailed: [2, 'certification'],
  ReplicationFailed: [3, 'provisioning'],
  PackagingFailed: [4, 'packaging'],
  GoLiveFailed: [7, 'live'],
};

const ALLOW_LIST = ['0f7c1a52-4d7e-4b8e-9a0e-3a1b2c3d4e5f', 'a1b2c3d4-e5f6-4789-8abc-def012345678'];

/** The texts a mail about `event` must show in both parts: every reason, link and name it is about. */
function mustShow(event: OfferEvent, previewUrl: string): string[] {
  switch (event.type) {
    case 'OfferSubmitted':
      return [event.data.submittedBy];
    case 'PrerequisitesRejected':
      return event.data.problems.flatMap((p) => [p.path, p.code, p.message]);
    case 'CertificationFailed':
      return event.data.failures.flatMap((c) => [c.planId, c.imageVersion, c.disk, c.check, c.message]);
    case 'ReplicationFailed':
      return event.data.failedRegions.flatMap((r) => [r.region, r.reason ?? '']);
    case 'PackagingFailed':
    case 'GoLiveFailed':
      return [event.data.code, event.data.reason, event.data.action];
    case 'PreviewReady':
      return [previewUrl, ...ALLOW_LIST, `${STATUS_BASE}/publishers/`];
    case 'WentLive':
      return [`${STATUS_BASE}/catalog/${event.subject}`];
    case 'PublishCanceled':
      return [event.data.canceledBy, event.data.reason ?? ''];
    default:
      return [];
  }
}

function expectSubject(mail: ReceivedMail, event: OfferEvent, lang: Lang, title: string) {
  const words = WORDING[lang];
  expect(mail.subject).toContain(title);
  if (event.type === 'OfferSubmitted') expect(mail.subject).toContain(words.submitted);
  else if (event.type === 'PreviewReady') expect(mail.subject).toContain(words.preview);
  else if (event.type === 'WentLive') expect(mail.subject).toContain(words.live);
  else if (event.type === 'PublishCanceled') expect(mail.subject).toContain(words.canceled);
  else {
    const [n, step] = FAILED_STEP[event.type];
    expect(mail.subject).toContain(words.failed(n, words.steps[step]));
  }
}

test('every event type in every language: right recipients, subject, links and every reason, HTML and text; each event twice -> one message per recipient', async () => {
  const publisherId = `pub-${uniqueId('')}`;
  const stories: Array<{ lang: Lang; title: string; subject: string; previewUrl: string; events: Envelope[]; recipients: string[] }> = [];
  for (const lang of ['en', 'pt-BR', 'it'] as const) {
    for (const story of ['rejected', 'certification', 'replication', 'packaging', 'canceled', 'golive-failed', 'live'] as const) {
      const offerId = `${story}-${lang.toLowerCase()}`;
      const subject = `${publisherId}/${offerId}`;
      const title = `Contoso ${story} (${lang})`;
      const recipients = [`owner.${offerId}@contoso.test`, `ops.${offerId}@contoso.test`];
      const previewUrl = `https://api.test/preview/${publisherId}/${offerId}`;
      const on = <T extends Parameters<typeof offerEvent>[0]>(type: T, data: Parameters<typeof offerEvent<T>>[1]) => offerEvent(type, data, subject);
      const preview = on('PreviewReady', { previewUrl, productPageHash: 'sha256:1', productPageHtml: '<h1>x</h1>' });
      const goLive = on('GoLiveRequested', { requestedBy: 'alice@contoso.test' });
      const rest: Record<typeof story, Envelope[]> = {
        rejected: [on('PrerequisitesRejected', { problems })],
        certification: [on('CertificationFailed', { failures: failedChecks, checksRun: 9 })],
        replication: [on('ReplicationFailed', { failedRegions, regionsReplicated: 40 })],
        packaging: [on('PackagingFailed', stageFailure)],
        canceled: [preview, on('PublishCanceled', { canceledBy: 'bob@contoso.test', reason: 'The logo is the old one.' })],
        'golive-failed': [
          preview,
          goLive,
          on('GoLiveFailed', { code: 'catalog-unavailable', reason: 'The catalog refused the page (503).', action: 'Click Publish again later.' }),
        ],
        live: [preview, goLive, on('WentLive', { catalogUrl: `https://catalog.test/offers/${publisherId}.${offerId}` })],
      };
      const first = submitted(publisherId, offerId, { emails: recipients, language: lang, title, allowList: ALLOW_LIST });
      stories.push({ lang, title, subject, previewUrl, recipients, events: [first, ...rest[story]] });
    }
  }
  await publishEvents(
    topic,
    stories.flatMap((s) => s.events),
    { twice: true },
  );

  const notified = stories.flatMap((s) => s.events.filter((e) => e.type !== 'GoLiveRequested').map((event) => ({ story: s, event: event as OfferEvent })));
  const expected = notified.flatMap(({ story, event }) => story.recipients.map((recipient) => ({ event, recipient })));
  expect(expected).toHaveLength(102);
  await waitForMails(expected);

  for (const { story, event } of notified) {
    const mails = smtp.about(event.id);
    expect(mails.map((m) => m.envelopeTo[0]).sort()).toEqual([...story.recipients].sort()); // one each, nobody else
    for (const mail of mails) {
      const recipient = mail.envelopeTo[0];
      expect(mail.envelopeTo).toEqual([recipient]);
      expect(mail.to).toEqual([recipient]);
      expect(mail.from).toBe(`no-reply@${MESSAGE_ID_DOMAIN}`);
      expect(mail.messageId).toBe(messageIdFor(event.id, recipient, MESSAGE_ID_DOMAIN));
      expectSubject(mail, event, story.lang, story.title);
      expect(mail.html.length).toBeGreaterThan(200);
      expect(mail.text.length).toBeGreaterThan(100);
      const statusUrl = `${STATUS_BASE}/publishers/${story.subject.replace('/', '/offers/')}/status`;
      expect(mail.html).toContain(`href="${statusUrl}"`);
      expect(mail.text).toContain(statusUrl);
      // the e-mails link to the portal's pages (its preview and catalog pages), not to the API routes the events name
      const portalPreview = `${STATUS_BASE}/preview/${story.subject}`;
      for (const shown of mustShow(event, portalPreview)) {
        expect(mail.text).toContain(shown);
        expect(mail.html).toContain(Handlebars.Utils.escapeExpression(shown));
      }
      if (event.type === 'PreviewReady') expect(mail.html).toContain(`href="${portalPreview}"`);
      if (event.type === 'WentLive') expect(mail.html).toContain(`href="${STATUS_BASE}/catalog/${story.subject}"`);
      if (FAILED_STEP[event.type]) {
        expect(mail.text).toContain(WORDING[story.lang].restart);
        expect(mail.html).toContain(WORDING[story.lang].restart);
      }
    }
  }

  // NotificationSent for each message, caused by the event the mail is about
  const sent = await waitFor('a NotificationSent per message', () => {
    const events = stories.flatMap((s) => log.of(s.subject, 'NotificationSent')) as Array<Extract<OfferEvent, { type: 'NotificationSent' }>>;
    return events.length >= expected.length ? events : undefined;
  });
  expect(sent).toHaveLength(expected.length);
  for (const { story, event } of notified) {
    const about = sent.filter((s) => s.data.aboutEventId === event.id);
    expect(about.map((s) => s.data.recipients[0]).sort()).toEqual([...story.recipients].sort());
    for (const s of about) {
      expect(s).toMatchObject({ subject: event.subject, attempt: event.attempt, correlationId: event.correlationId, causationId: event.id });
      expect(s.data).toMatchObject({
        aboutEventType: event.type,
        language: story.lang,
        messageId: messageIdFor(event.id, s.data.recipients[0], MESSAGE_ID_DOMAIN),
      });
      expect(smtp.about(event.id).find((m) => m.envelopeTo[0] === s.data.recipients[0])?.subject).toBe(s.data.subject);
    }
  }

  // delivered once more, long after: still nothing new (a later offer's mail shows the redelivery was consumed)
  const barrier = submitted(publisherId, 'barrier', { language: 'fr-FR', title: 'Barrier offer' });
  await publishEvents(topic, [...stories.map((s) => s.events[0]), barrier], { twice: true });
  await waitForMails([{ event: barrier, recipient: recipientsOf(barrier)[0] }]);
  expect(smtp.about(barrier.id)[0].subject).toContain('publishing started'); // an unsupported language is written in English
  for (const { story, event } of notified) expect(smtp.about(event.id)).toHaveLength(story.recipients.length);
});

test('publisher-written text is escaped in HTML and cannot add recipients', async () => {
  const publisherId = `pub-${uniqueId('')}`;
  const title = '<script>alert("pwned")</script> Contoso & <b>Co</b>';
  const hostileProblem = { path: 'summary', code: 'too-long', message: 'Shorten it <img src=x onerror=alert(1)>' };
  const first = submitted(publisherId, 'hostile', { title, emails: ['owner@contoso.test', 'a@evil.test, b@evil.test', 'Eve <eve@evil.test>'] });
  const rejected = offerEvent('PrerequisitesRejected', { problems: [hostileProblem] }, first.subject);
  await publishEvents(topic, [first, rejected], { twice: true });
  await waitForMails([first, rejected].map((event) => ({ event, recipient: 'owner@contoso.test' })));

  for (const mail of [...smtp.about(first.id), ...smtp.about(rejected.id)]) {
    expect(mail.envelopeTo).toEqual(['owner@contoso.test']);
    expect(mail.html).not.toMatch(/<script|<b>Co|<img/i);
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; Contoso &amp; &lt;b&gt;Co&lt;/b&gt;');
    expect(mail.subject).toContain(title); // plain text: shown as written
    expect(mail.text).toContain(title);
  }
  expect(smtp.about(rejected.id)[0].html).toContain('Shorten it &lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
  expect(smtp.received.filter((m) => m.envelopeTo.some((r) => r.endsWith('evil.test')))).toEqual([]);
});

test('events of an older attempt send nothing', async () => {
  const publisherId = `pub-${uniqueId('')}`;
  const current = submitted(publisherId, 'vm', { attempt: 2 });
  const staleFailure = offerEvent('CertificationFailed', { failures: failedChecks, checksRun: 3 }, current.subject, 1);
  const staleSubmit = submitted(publisherId, 'vm', { attempt: 1 });
  const after = offerEvent('PrerequisitesRejected', { problems }, current.subject, 2);
  await publishEvents(topic, [current, staleFailure, staleSubmit, after], { twice: true });
  const recipient = recipientsOf(current)[0];
  await waitForMails([current, after].map((event) => ({ event, recipient })));
  expect(smtp.about(current.id)).toHaveLength(1);
  expect(smtp.about(after.id)).toHaveLength(1);
  expect(smtp.about(staleFailure.id)).toEqual([]);
  expect(smtp.about(staleSubmit.id)).toEqual([]);
  expect((await mailRows([current.subject])).map((r) => r.event_id).sort()).toEqual([current.id, after.id].sort());
});

test('a permanent rejection (550) is not retried: NotificationFailed with the server reason; the other recipient gets the mail', async () => {
  const publisherId = `pub-${uniqueId('')}`;
  const bounce = `bounce.${publisherId}@reject.test`;
  const good = `ok.${publisherId}@reject.test`;
  smtp.refused.add(bounce);
  const first = submitted(publisherId, 'vm', { emails: [bounce, good] });
  await publishEvents(topic, [first], { twice: true });

  const failed = await log.waitFor(first.subject, 'NotificationFailed');
  expect(failed).toMatchObject({ attempt: 1, correlationId: first.correlationId, causationId: first.id });
  expect(failed.data).toMatchObject({ aboutEventId: first.id, aboutEventType: 'OfferSubmitted', recipients: [bounce], tries: 1 });
  expect(failed.data.reason).toContain('550');
  expect(failed.data.reason).toContain('mailbox does not exist');
  const sent = await log.waitFor(first.subject, 'NotificationSent');
  expect(sent.data.recipients).toEqual([good]);
  expect(smtp.about(first.id).map((m) => m.envelopeTo)).toEqual([[good]]);
  expect((await mailRows([first.subject])).map((r) => [r.recipient, r.state, r.tries])).toEqual([
    [bounce, 'failed', 1],
    [good, 'sent', 1],
  ]);
});

test(`a server that keeps answering 421 is tried NOTIFICATION_JOB_MAX_TRIES (${MAX_TRIES}) times, then NotificationFailed with its reason`, async () => {
  const publisherId = `pub-${uniqueId('')}`;
  const greylisted = `greylist.${publisherId}@defer.test`;
  smtp.deferred.add(greylisted);
  const first = submitted(publisherId, 'vm', { emails: [greylisted] });
  await publishEvents(topic, [first], { twice: true });

  const failed = await log.waitFor(first.subject, 'NotificationFailed');
  expect(failed.data).toMatchObject({ aboutEventId: first.id, recipients: [greylisted], tries: MAX_TRIES });
  expect(failed.data.reason).toMatch(/^gave up: 421 .*greylisted/);
  // the number of tries is its own field, said once wherever the reason is shown
  expect(failed.data.reason).not.toMatch(/tries/);
  expect(failed.data.tries).toBe(MAX_TRIES);
  expect(log.of(first.subject, 'NotificationFailed')).toHaveLength(1);
  expect(log.of(first.subject, 'NotificationSent')).toEqual([]);
  expect(smtp.about(first.id)).toEqual([]);
  expect(await mailRows([first.subject])).toMatchObject([{ state: 'failed', tries: MAX_TRIES }]);
});

test('a server answering 421 for a while: the mails stay pending, then every one arrives once', async () => {
  const publisherId = `pub-${uniqueId('')}`;
  const offers = ['a', 'b'].map((id) => submitted(publisherId, id, { emails: [`one.${id}@contoso.test`, `two.${id}@contoso.test`] }));
  const subjects = offers.map((o) => o.subject);
  smtp.deferAll = true;
  try {
    await publishEvents(topic, offers, { twice: true });
    await waitFor('every mail deferred at least twice', async () => {
      const rows = await mailRows(subjects);
      return rows.length === 4 && rows.every((r) => r.tries >= 2 && r.state !== 'failed' && r.state !== 'sent' && /421/.test(r.last_error ?? ''));
    });
  } finally {
    smtp.deferAll = false;
  }
  await waitForMails(offers.flatMap((event) => recipientsOf(event).map((recipient) => ({ event, recipient }))));
  await waitFor('a NotificationSent each', () => subjects.every((s) => log.of(s, 'NotificationSent').length === 2));
  for (const offer of offers) expect(smtp.about(offer.id)).toHaveLength(2);
  expect(subjects.flatMap((s) => log.of(s, 'NotificationFailed'))).toEqual([]);
});

test('SMTP server down, service killed and restarted meanwhile: every pending mail arrives once when the server is back', async () => {
  const publisherId = `pub-${uniqueId('')}`;
  const offers = ['a', 'b', 'c'].map((id) => submitted(publisherId, id, { emails: [`one.${id}@contoso.test`, `two.${id}@contoso.test`] }));
  const subjects = offers.map((o) => o.subject);
  const port = smtp.port;
  await smtp.stop();
  await publishEvents(topic, offers, { twice: true });
  await waitFor('every mail tried and kept pending', async () => {
    const rows = await mailRows(subjects);
    return rows.length === 6 && rows.every((r) => r.tries >= 1 && r.state === 'pending' && /ECONNREFUSED/.test(r.last_error ?? ''));
  });
  expect(smtp.received.filter((m) => offers.some((o) => o.id === m.eventId))).toEqual([]);

  await service.kill('SIGKILL');
  await smtp.start(port);
  service = await started(startService());

  await waitForMails(offers.flatMap((event) => recipientsOf(event).map((recipient) => ({ event, recipient }))));
  await waitFor('a NotificationSent each', () => subjects.every((s) => log.of(s, 'NotificationSent').length === 2));
  for (const offer of offers) expect(smtp.about(offer.id)).toHaveLength(2);
  expect((await mailRows(subjects)).every((r) => r.state === 'sent')).toBe(true);
});

test('killed right after the SMTP server accepted a message: after the restart, no message with a different Message-ID', async () => {
  await service.kill('SIGTERM');
  const crashing = await started(startService({ MKT_CRASH_AT: 'notification.afterSmtpAccepted' }));
  const publisherId = `pub-${uniqueId('')}`;
  const first = submitted(publisherId, 'vm', { emails: ['owner@crash.test'] });
  await publishEvents(topic, [first], { twice: true });

  expect(await crashing.exited).toEqual({ code: null, signal: 'SIGKILL' });
  expect(smtp.about(first.id)).toHaveLength(1); // accepted, but not recorded
  expect(await mailRows([first.subject])).toMatchObject([{ state: 'sending', tries: 1 }]);

  service = await started(startService());
  await log.waitFor(first.subject, 'NotificationSent');
  await waitFor('the mail recorded as sent', async () => (await mailRows([first.subject]))[0].state === 'sent');

  const expectedId = messageIdFor(first.id, 'owner@crash.test', MESSAGE_ID_DOMAIN);
  // the copy accepted before the crash, and the one sent again once its lease ran out: the same message
  const copies = smtp.about(first.id);
  expect(copies).toHaveLength(2);
  expect(copies.map((m) => m.messageId)).toEqual(copies.map(() => expectedId));
  expect(log.of(first.subject, 'NotificationSent')).toHaveLength(1);
  expect(log.of(first.subject, 'NotificationSent')[0].data).toMatchObject({ messageId: expectedId, recipients: ['owner@crash.test'] });
});

// ---------------------------------------------------------------------------------------------
// Operators: failed mails and resending them

type OperatorBody = { value: Array<Record<string, string | number | boolean | null>>; fields: Array<{ field: string }> };

async function operatorCall(method: string, path: string, body?: unknown, role = 'operator') {
  const line = service.output.find((l) => /notification ready on/.test(l))!;
  const base = /(http:\/\/[\d.:]+)/.exec(line)![1];
  const now = Math.floor(Date.now() / 1000);
  const claims = role === 'publisher' ? { role, publisherId: 'contoso' } : { role };
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('ops-carol')
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(OPERATOR_SECRET));
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as OperatorBody };
}

test('a failed mail is listed (recipient masked) and resent once with its original Message-ID; a repeat sends nothing', async () => {
  const publisherId = `pub-${uniqueId('')}`;
  const recipient = `refused.${publisherId}@resend.test`;
  smtp.refused.add(recipient);
  const first = submitted(publisherId, 'vm', { emails: [recipient] });
  await publishEvents(topic, [first], { twice: true });
  await log.waitFor(first.subject, 'NotificationFailed');

  expect((await fetch(`${/(http:\/\/[\d.:]+)/.exec(service.output.find((l) => /notification ready on/.test(l))!)![1]}/operator/mails/failed`)).status).toBe(
    401,
  );
  expect((await operatorCall('GET', '/operator/mails/failed', undefined, 'publisher')).status).toBe(403);
  expect((await operatorCall('GET', '/operator/mails/failed?limit=0')).body.fields[0].field).toBe('limit');
  const listed = await operatorCall('GET', `/operator/mails/failed?offer=${first.subject}`);
  expect(listed.status).toBe(200);
  expect(listed.body.value).toHaveLength(1);
  const [mail] = listed.body.value;
  expect(mail).toMatchObject({
    messageId: messageIdFor(first.id, recipient, MESSAGE_ID_DOMAIN),
    recipient: 'r***@resend.test',
    eventType: 'OfferSubmitted',
    tries: 1,
  });
  expect(mail.lastError).toContain('550');
  expect(JSON.stringify(listed.body)).not.toContain(recipient);

  // the cause is fixed (the mailbox exists now): resent once, with the original Message-ID
  smtp.refused.delete(recipient);
  const resent = await operatorCall('POST', '/operator/mails/resend', { ids: [mail.id] });
  expect(resent.status).toBe(200);
  expect(resent.body.value).toEqual([{ id: mail.id, outcome: 'resent', messageId: mail.messageId, by: 'ops-carol', at: expect.any(String), repeated: false }]);
  await waitForMails([{ event: first, recipient }]);
  const sent = await log.waitFor(first.subject, 'NotificationSent');
  expect(sent.data).toMatchObject({ recipients: [recipient], messageId: mail.messageId });
  expect(smtp.about(first.id).map((m) => m.messageId)).toEqual([mail.messageId]);

  const repeated = await operatorCall('POST', '/operator/mails/resend', { ids: [mail.id] });
  expect(repeated.body.value).toEqual([{ ...resent.body.value[0], repeated: true }]);
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const jobs = await client.query(`SELECT state FROM jobs WHERE kind = 'send-mail' AND job_key = $1`, [`${first.id} ${recipient}`]);
    expect(jobs.rows).toEqual([{ state: 'done' }]); // nothing queued again
    expect((await client.query('SELECT "by" FROM mail_resends WHERE mail_id = $1', [mail.id])).rows).toEqual([{ by: 'ops-carol' }]);
  } finally {
    await client.end();
  }
  expect(smtp.about(first.id)).toHaveLength(1);
  expect((await mailRows([first.subject])).map((r) => [r.state, r.tries])).toEqual([['sent', 1]]);
});
