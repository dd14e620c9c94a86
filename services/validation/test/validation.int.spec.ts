/**
 * The validation service in-process on the real broker and PostgreSQL: every event is delivered twice.
 */
import type { INestApplication } from '@nestjs/common';
import { createOfferEvent, encodeEvent, type OfferDraft, type OfferEvent } from '@mkt/events';
import { bootstrapService, MessagingRuntime, queryRows } from '@mkt/messaging';
import { EventLog, produceRaw, publishEvents, TestDatabase, TestTopics, testBrokers, uniqueId, waitFor, waitForGroupCaughtUp } from '@mkt/testing';
import { AppModule } from '../src/app.module';
import type { ValidationConfig } from '../src/config';
import { PREREQUISITE_RULES, ruleMessageCode } from '../src/domain/rules';
import { render } from '@mkt/messages';
import { completeOffer, NOTIFICATION_EMAILS } from './offers';

interface RunningService {
  app: INestApplication;
  runtime: MessagingRuntime;
  topic: string;
  dlq: string;
  group: string;
  log: EventLog;
  dlqLog: EventLog;
  db: TestDatabase;
}

const topics = new TestTopics();
const services: RunningService[] = [];

async function startService(label: string, validationDurationMs: number, allowPrivateNetwork = false): Promise<RunningService> {
  const db = await new TestDatabase(`validation_${label}`).create();
  const topic = await topics.create(`validation-${label}`, 3);
  const dlq = await topics.create(`validation-${label}-dlq`, 1);
  const group = `validation-${db.name}`;
  const config: ValidationConfig = {
    port: 0,
    validationDurationMs,
    allowPrivateNetwork,
    jobs: { concurrency: 4, leaseMs: 3000, pollIntervalMs: 100, maxTries: 3 },
    messaging: {
      kafka: { brokers: testBrokers(), eventsTopic: topic, deadLetterTopic: dlq, partitions: 3 },
      database: { url: db.serverUrl, database: db.name, poolSize: 6 },
      consumer: { groupId: group, backoff: { initialMs: 50, maxMs: 1000 } },
      relay: { pollIntervalMs: 100 },
    },
  };
  const app = await bootstrapService(AppModule.register(config), { name: `validation-${label}`, port: 0 });
  const log = await new EventLog(topic).start();
  const dlqLog = await new EventLog(dlq).start();
  const service = { app, runtime: app.get(MessagingRuntime), topic, dlq, group, log, dlqLog, db };
  services.push(service);
  return service;
}

let service: RunningService;
let slow: RunningService;
let development: RunningService;

beforeAll(async () => {
  service = await startService('fast', 0);
  development = await startService('dev', 0, true);
  // a stage that takes a minute: long enough to supersede or cancel its job before it runs
  slow = await startService('slow', 60_000);
});

afterAll(async () => {
  for (const s of services) {
    await s.log.stop();
    await s.dlqLog.stop();
    await s.app.close();
    await s.db.drop();
  }
  await topics.cleanup();
});

function submitted(subject: string, attempt: number, offer: OfferDraft, notificationEmails = NOTIFICATION_EMAILS) {
  const [publisherId, offerId] = subject.split('/');
  return createOfferEvent(
    'OfferSubmitted',
    { publisherId, offerId, notificationEmails, language: 'en', submittedBy: 'user-1', offer },
    { subject, attempt, correlationId: `corr-${subject}-${attempt}` },
    { source: '/marketplace/offer-api' },
  );
}

function canceled(subject: string, attempt: number) {
  return createOfferEvent(
    'PublishCanceled',
    { canceledBy: 'user-1' },
    { subject, attempt, correlationId: `corr-${subject}-${attempt}` },
    { source: '/marketplace/offer-api' },
  );
}

function verdicts(s: RunningService, subject: string): OfferEvent[] {
  return s.log.of(subject).filter((e) => e.type === 'PrerequisitesValidated' || e.type === 'PrerequisitesRejected');
}

async function jobs(s: RunningService, subject: string) {
  return queryRows<{ attempt: number; state: string }>(s.runtime.dataSource, `SELECT attempt, state FROM jobs WHERE subject = $1 ORDER BY attempt`, [subject]);
}

test('a valid offer, delivered twice, is validated once', async () => {
  const subject = `${uniqueId('pub')}/valid-offer`;
  const event = submitted(subject, 1, completeOffer());
  await publishEvents(service.topic, [event], { twice: true });

  const validated = await service.log.waitFor(subject, 'PrerequisitesValidated');
  expect(validated.data.rulesChecked).toBeGreaterThan(PREREQUISITE_RULES.length);
  expect(validated).toMatchObject({ attempt: 1, correlationId: event.correlationId, causationId: event.id, source: '/marketplace/validation' });

  await waitForGroupCaughtUp(service.group, service.topic);
  expect(verdicts(service, subject)).toHaveLength(1);
  expect(await jobs(service, subject)).toEqual([{ attempt: 1, state: 'done' }]);
});

test('an offer with many invalid fields is rejected with every problem, once', async () => {
  const subject = `${uniqueId('pub')}/broken-offer`;
  const offer = completeOffer();
  delete offer.title;
  offer.description = 'd'.repeat(3001);
  offer.categories = ['security', 'compute', 'web'];
  offer.logos = { small: 'http://cdn.contoso.test/s.png', medium: 'https://cdn.contoso.test/m.png', large: 'https://cdn.contoso.test/l.png' };
  offer.privacyPolicyUrl = 'contoso.test/privacy';
  offer.supportContact = { name: 'Support', email: 'support(at)contoso', phone: 'none' };
  offer.previewSubscriptionIds = ['not-a-guid'];
  offer.leadDestination = { type: 'azure-table', azureTable: { connectionString: 'AccountName=contoso', tableName: 'x' } };
  offer.plans![0].id = 'Standard Plan';
  offer.plans![0].osFamily = 'Solaris';
  offer.plans![0].imageVersions![1] = {
    version: '1.1',
    osDiskUrl: 'http://contoso.blob.core.windows.net/os.vhd',
    dataDiskUrls: ['https://ok.test/d0.vhd', 'ftp://bad/d1.vhd'],
  };
  offer.plans![1].imageVersions = [];
  const event = submitted(subject, 1, offer, ['ops@contoso.test', 'nobody']);
  await publishEvents(service.topic, [event], { twice: true });

  const rejected = await service.log.waitFor(subject, 'PrerequisitesRejected');
  expect(rejected.data.problems.map((p) => [p.path, p.code])).toEqual([
    ['title', 'required'],
    ['description', 'too-long'],
    ['categories', 'too-many'],
    ['logos.small', 'invalid-url'],
    ['logos.wide', 'required'],
    ['privacyPolicyUrl', 'invalid-url'],
    ['supportContact.email', 'invalid-email'],
    ['supportContact.phone', 'invalid-phone'],
    ['plans[0].id', 'invalid-id'],
    ['plans[0].osFamily', 'invalid-os-family'],
    ['plans[1].imageVersions', 'required'],
    ['plans[0].imageVersions[1].version', 'invalid-version'],
    ['plans[0].imageVersions[1].osDiskUrl', 'invalid-url'],
    ['plans[0].imageVersions[1].dataDiskUrls[1]', 'invalid-url'],
    ['previewSubscriptionIds[0]', 'invalid-subscription-id'],
    ['leadDestination.azureTable.connectionString', 'invalid-connection-string'],
    ['leadDestination.azureTable.tableName', 'invalid-table-name'],
    ['notificationEmails[1]', 'invalid-email'],
  ]);
  for (const problem of rejected.data.problems) {
    const rule = PREREQUISITE_RULES.find((r) => r.path === problem.path.replace(/\[\d+\]/g, '[]') && r.code === problem.code);
    // each problem carries its message by code (and its English text) through the event
    expect(problem.messageCode).toBe(ruleMessageCode(rule!));
    expect(problem.message).toBe(render(problem.messageCode!, problem.params, 'en'));
  }

  await waitForGroupCaughtUp(service.group, service.topic);
  expect(verdicts(service, subject)).toHaveLength(1);
});

test('in development mode http:// and local disk URLs are validated, as certification takes them; outside it they are rejected', async () => {
  const offer = completeOffer();
  offer.plans![0].imageVersions![0] = {
    version: '1.0.0',
    osDiskUrl: 'http://127.0.0.1:8443/disks/os-30g.vhd?sv=2022-11-02&sig=x',
    dataDiskUrls: ['https://localhost:8443/disks/data-1g.vhd?sv=2022-11-02&sig=x'],
  };
  const subject = `${uniqueId('pub')}/local-disks`;
  await publishEvents(development.topic, [submitted(subject, 1, offer)], { twice: true });
  await publishEvents(service.topic, [submitted(subject, 1, offer)], { twice: true });

  await development.log.waitFor(subject, 'PrerequisitesValidated');
  const rejected = await service.log.waitFor(subject, 'PrerequisitesRejected');
  expect(rejected.data.problems.map((p) => [p.path, p.code])).toEqual([['plans[0].imageVersions[0].osDiskUrl', 'invalid-url']]);
  await waitForGroupCaughtUp(development.group, development.topic);
  expect(verdicts(development, subject).map((e) => e.type)).toEqual(['PrerequisitesValidated']);
});

test('an event of an older attempt is ignored', async () => {
  const subject = `${uniqueId('pub')}/republished`;
  const current = submitted(subject, 2, completeOffer());
  await publishEvents(service.topic, [current], { twice: true });
  await service.log.waitFor(subject, 'PrerequisitesValidated');

  // attempt 1 shows up late (a replay): it is neither validated nor rejected
  const broken = completeOffer();
  delete broken.title;
  await publishEvents(service.topic, [submitted(subject, 1, broken), canceled(subject, 1)], { twice: true });
  await waitForGroupCaughtUp(service.group, service.topic);

  expect(verdicts(service, subject).map((e) => [e.type, e.attempt])).toEqual([['PrerequisitesValidated', 2]]);
  expect(await jobs(service, subject)).toEqual([{ attempt: 2, state: 'done' }]);
  const [record] = await queryRows(service.runtime.dataSource, `SELECT attempt, state FROM offer_attempts WHERE subject = $1`, [subject]);
  expect(record).toEqual({ attempt: 2, state: 'validated' });
});

test('a newer OfferSubmitted cancels the job of the attempt it supersedes; PublishCanceled cancels the current one', async () => {
  const subject = `${uniqueId('pub')}/superseded`;
  await publishEvents(slow.topic, [submitted(subject, 1, completeOffer())], { twice: true });
  await waitFor('the job of attempt 1', async () => (await jobs(slow, subject)).length === 1);

  await publishEvents(slow.topic, [submitted(subject, 2, completeOffer())], { twice: true });
  await waitFor(
    'attempt 1 superseded',
    async () =>
      JSON.stringify(await jobs(slow, subject)) ===
      JSON.stringify([
        { attempt: 1, state: 'canceled' },
        { attempt: 2, state: 'pending' },
      ]),
  );

  await publishEvents(slow.topic, [canceled(subject, 2)], { twice: true });
  await waitFor('attempt 2 canceled', async () => (await jobs(slow, subject)).every((j) => j.state === 'canceled'));
  await waitForGroupCaughtUp(slow.group, slow.topic);
  const [record] = await queryRows(slow.runtime.dataSource, `SELECT attempt, state FROM offer_attempts WHERE subject = $1`, [subject]);
  expect(record).toEqual({ attempt: 2, state: 'canceled' });
  // a canceled job is never claimed again, so neither attempt can produce a verdict
  expect(verdicts(slow, subject)).toEqual([]);
});

test('an OfferSubmitted that does not match its schema is dead-lettered with the reason', async () => {
  const subject = `${uniqueId('pub')}/malformed`;
  const wire = encodeEvent(submitted(subject, 1, completeOffer()));
  const data = JSON.parse(String(wire.value)) as Record<string, unknown>;
  delete data.offer;
  await produceRaw(service.topic, [{ key: wire.key, value: JSON.stringify(data), headers: wire.headers }]);

  const dead = await waitFor('the dead letter', () => service.dlqLog.raw.find((m) => m.key === subject));
  expect(dead.headers.dlq_reason).toMatch(/OfferSubmitted v3 data does not match its schema/);
  expect(dead.headers.dlq_reason).toMatch(/offer/);
  await waitForGroupCaughtUp(service.group, service.topic);
  expect(await jobs(service, subject)).toEqual([]);
});
