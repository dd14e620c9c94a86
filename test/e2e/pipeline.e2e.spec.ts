/**
 * The four stage services as separate processes (built dist/main.js) on the real broker and database:
 * a valid offer goes to PreviewReady and, after GoLiveRequested, to WentLive; every failure path ends in
 * the right failure event; cancel, republish and superseded attempts behave; a service SIGKILLed in the
 * middle of a job finishes it after a restart with no event lost or emitted twice.
 */
import { Client } from 'pg';
import { createOfferEvent, offerSubject, type Envelope, type OfferDraft, type OfferEvent, type OfferEventData, type OfferEventType } from '@mkt/events';
import { withDatabase } from '@mkt/messaging';
import { EventLog, publishEvents, testDatabaseUrl, uniqueId, waitFor, waitForGroupCaughtUp } from '@mkt/testing';
import { sas, VhdServer, type SasSpec } from '../../services/certification/test/vhd-fixtures';
import { completeOffer } from '../../services/validation/test/offers';
import { HttpsFront, LeadEndpoint, TEST_CA_FILE } from './servers';
import { Stack, type ServiceName } from './stack';

const STAGES: ServiceName[] = ['validation', 'certification', 'provisioning', 'packaging'];
const PUBLISHER = 'contoso';

let stack: Stack;
let log: EventLog;
let vhds: VhdServer;
let blobs: HttpsFront;
let leads: LeadEndpoint;

beforeAll(async () => {
  vhds = await VhdServer.start();
  vhds.slowMs = 8_000;
  blobs = await HttpsFront.start(vhds.origin);
  leads = await LeadEndpoint.start();
  stack = await new Stack({
    DEVELOPMENT: 'true', // test servers live on 127.0.0.1
    NODE_EXTRA_CA_CERTS: TEST_CA_FILE,
    CERTIFICATION_TIMEOUT_MS: '2000',
    PACKAGING_LEAD_TIMEOUT_MS: '1500',
    PACKAGING_RETRY_BACKOFF_MS: '100',
    PACKAGING_JOB_MAX_TRIES: '2',
    PROVISIONING_RETRY_BACKOFF_MS: '20',
  }).init();
  await stack.startAll(STAGES);
  log = await new EventLog(stack.topic).start();
});

afterAll(async () => {
  await log?.stop();
  await stack?.teardown();
  await Promise.all([vhds?.close(), blobs?.close(), leads?.close()]);
});

function disk(file: string, spec: SasSpec = {}, route = 'disks'): string {
  return blobs.url(vhds.url(file, sas(spec), route));
}

function offerWith(osDiskUrl = disk('os-30g.vhd'), overrides: Partial<OfferDraft> = {}): OfferDraft {
  const base = completeOffer();
  const plan = { ...base.plans![0], imageVersions: [{ version: '1.0.0', osDiskUrl, dataDiskUrls: [disk('data-1g.vhd')] }] };
  return { ...base, plans: [plan], ...overrides };
}

function submitted(offerId: string, offer: OfferDraft, attempt = 1): Envelope {
  return createOfferEvent(
    'OfferSubmitted',
    { publisherId: PUBLISHER, offerId, notificationEmails: ['publisher@contoso.test'], language: 'en', submittedBy: 'alice', offer },
    { subject: offerSubject(PUBLISHER, offerId), attempt, correlationId: `${offerSubject(PUBLISHER, offerId)}#${attempt}` },
    { source: '/marketplace/offer-api' },
  );
}

function command<T extends 'GoLiveRequested' | 'PublishCanceled'>(type: T, subject: string, attempt: number, data: OfferEventData<T>): Envelope {
  return createOfferEvent(type, data, { subject, attempt, correlationId: `${subject}#${attempt}` }, { source: '/marketplace/offer-api' });
}

function typesOf(subject: string, attempt?: number): OfferEventType[] {
  return log
    .of(subject)
    .filter((e) => attempt === undefined || e.attempt === attempt)
    .map((e) => e.type);
}

/** No event was emitted twice: the same type with the same data (apart from ids and times) appears once. */
function expectNoDuplicateEffects(subject: string): void {
  const keys = log.of(subject).map((e) => `${e.attempt} ${e.type} ${JSON.stringify(e.data)}`);
  expect(keys.length).toBe(new Set(keys).size);
}

async function queryService<T>(service: ServiceName, sql: string, parameters: unknown[]): Promise<T[]> {
  const client = new Client({ connectionString: withDatabase(testDatabaseUrl(), stack.databaseOf(service)) });
  await client.connect();
  try {
    return (await client.query(sql, parameters)).rows as T[];
  } finally {
    await client.end();
  }
}

async function caughtUp(service: ServiceName): Promise<void> {
  await waitForGroupCaughtUp(`${stack.run}-${service}`, stack.topic);
}

async function publish(offerId: string, offer: OfferDraft, attempt = 1): Promise<string> {
  await publishEvents(stack.topic, [submitted(offerId, offer, attempt)], { twice: true });
  return offerSubject(PUBLISHER, offerId);
}

test('a valid offer goes through every stage to PreviewReady, then to WentLive after Go Live', async () => {
  const subject = await publish(uniqueId('valid-'), offerWith());
  const preview = await log.waitFor(subject, 'PreviewReady');
  expect(preview.data.previewUrl).toMatch(/\/api\/publishers\/contoso\/offers\/valid-[0-9a-f]+\/preview$/);
  expect(preview.data.productPageHtml).toContain('Contoso Secure Linux');

  await publishEvents(stack.topic, [command('GoLiveRequested', subject, 1, { requestedBy: 'alice' })], { twice: true });
  const live = await log.waitFor(subject, 'WentLive');
  expect(live.data.catalogUrl).toMatch(/\/api\/catalog\/offers\/contoso\/valid-/);

  const types = typesOf(subject);
  expect(types.filter((t) => t !== 'ImageReplicationProgressed')).toEqual([
    'OfferSubmitted',
    'PrerequisitesValidated',
    'CertificationStarted',
    'CertificationPassed',
    'ReplicationStarted',
    'ImagesReplicated',
    'PackagingStarted',
    'PreviewReady',
    'GoLiveRequested',
    'WentLive',
  ]);
  const progress = log.of(subject, 'ImageReplicationProgressed').map((e) => (e as OfferEvent & { type: 'ImageReplicationProgressed' }).data.percentage);
  expect(progress.length).toBeGreaterThan(0);
  expect([...progress].sort((a, b) => a - b)).toEqual(progress); // reported in order
  expect(log.of(subject).every((e) => e.attempt === 1 && e.correlationId === log.of(subject)[0].correlationId)).toBe(true);
  expectNoDuplicateEffects(subject);
});

test('an offer with invalid fields ends in PrerequisitesRejected listing every field, and goes no further', async () => {
  const subject = await publish(
    uniqueId('invalid-'),
    offerWith(disk('os-30g.vhd'), { title: '', privacyPolicyUrl: 'ftp://contoso.test/privacy', previewSubscriptionIds: ['not-a-guid'] }),
  );
  const rejected = await log.waitFor(subject, 'PrerequisitesRejected');
  const paths = rejected.data.problems.map((p) => p.path);
  expect(paths).toEqual(expect.arrayContaining(['title', 'privacyPolicyUrl', 'previewSubscriptionIds[0]']));
  for (const problem of rejected.data.problems) expect(problem.message.length).toBeGreaterThan(10);
  await Promise.all(STAGES.map(caughtUp));
  expect(typesOf(subject)).toEqual(['OfferSubmitted', 'PrerequisitesRejected']);
});

test.each([
  ['bad-cookie.vhd', {}, 'disks', 'vhd-cookie'],
  ['bad-checksum.vhd', {}, 'disks', 'vhd-checksum'],
  ['dynamic.vhd', {}, 'disks', 'vhd-disk-type'],
  ['odd-size.vhd', {}, 'disks', 'vhd-size-alignment'],
  ['small-os.vhd', {}, 'disks', 'vhd-size-limits'],
  ['os-30g.vhd', { expiresInDays: -1 }, 'disks', 'sas-expiry'],
  ['os-30g.vhd', { permissions: 'w' }, 'disks', 'sas-read-permission'],
  ['missing.vhd', {}, 'disks', 'vhd-reachable'],
  ['os-30g.vhd', {}, 'slow', 'vhd-reachable'],
  ['os-30g.vhd', {}, 'ignore-range', 'vhd-range-read'],
] as const)('a broken VHD (%s %j via /%s) ends in CertificationFailed naming %s', async (file, spec, route, check) => {
  const subject = await publish(uniqueId('vhd-'), offerWith(disk(file, spec, route)));
  const failed = await log.waitFor(subject, 'CertificationFailed');
  const failure = failed.data.failures.find((f) => f.check === check);
  expect(failure).toMatchObject({ planId: 'standard', imageVersion: '1.0.0', disk: 'os', passed: false });
  expect(failure!.message).toMatch(/;|:/); // says what to fix
  await caughtUp('provisioning');
  expect(typesOf(subject)).not.toContain('ReplicationStarted');
});

describe('packaging with lead generation', () => {
  const table = (endpoint: string) => ({
    type: 'azure-table' as const,
    azureTable: {
      connectionString: `DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=${endpoint}/devstoreaccount1;`,
      tableName: 'leads',
    },
  });

  test('a working HTTPS endpoint gets one test lead with the publisher credentials', async () => {
    const subject = await publish(
      uniqueId('lead-ok-'),
      offerWith(undefined, { leadDestination: { type: 'https', https: { url: `${leads.origin}/ok`, authorization: 'Bearer s3cret' } } }),
    );
    const preview = await log.waitFor(subject, 'PreviewReady');
    expect(preview.data.testLead).toMatchObject({ destination: 'https' });
    const received = leads.leads.filter((l) => l.idempotencyKey === preview.data.testLead!.leadId);
    expect(received).toHaveLength(1);
    expect(received[0].authorization).toBe('Bearer s3cret');
  });

  test.each([
    ['the endpoint is down', { type: 'https' as const, https: { url: 'https://127.0.0.1:1/leads' } }, 'lead-endpoint-unreachable'],
    ['the endpoint answers 401', { type: 'https' as const, https: { url: '', authorization: 'Bearer wrong' } }, 'lead-endpoint-unauthorized'],
    ['the endpoint is too slow', { type: 'https' as const, https: { url: '/slow' } }, 'lead-endpoint-timeout'],
    ['the Azure table is unreachable', table('https://127.0.0.1:1'), 'lead-table-unreachable'],
  ])('%s: PackagingFailed says what to fix', async (_, destination, code) => {
    if (destination.type === 'https' && !destination.https.url.startsWith('https:')) {
      destination.https.url = `${leads.origin}${destination.https.url || '/unauthorized'}`;
    }
    const subject = await publish(uniqueId('lead-bad-'), offerWith(undefined, { leadDestination: destination }));
    const failed = await log.waitFor(subject, 'PackagingFailed');
    expect(failed.data.code).toBe(code);
    expect(failed.data.action.length).toBeGreaterThan(10);
    expect(typesOf(subject)).not.toContain('PreviewReady');
  });
});

test('a cancel at publisher sign-off ends the attempt: a later Go Live does nothing', async () => {
  const subject = await publish(uniqueId('cancel-'), offerWith());
  await log.waitFor(subject, 'PreviewReady');
  await publishEvents(
    stack.topic,
    [command('PublishCanceled', subject, 1, { canceledBy: 'alice' }), command('GoLiveRequested', subject, 1, { requestedBy: 'alice' })],
    { twice: true },
  );
  await caughtUp('packaging');
  const jobs = await queryService<{ kind: string; state: string }>('packaging', 'SELECT kind, state FROM jobs WHERE subject = $1 ORDER BY id', [subject]);
  expect(jobs.map((j) => j.kind)).toEqual(['package']);
  expect(typesOf(subject)).not.toContain('WentLive');
});

test('a republish after a failure starts over at validation and can succeed', async () => {
  const offerId = uniqueId('republish-');
  const subject = await publish(offerId, offerWith(disk('bad-cookie.vhd')));
  await log.waitFor(subject, 'CertificationFailed');
  await publish(offerId, offerWith(), 2);
  await log.waitFor(subject, 'PreviewReady', (e) => e.attempt === 2);
  expect(typesOf(subject, 2).filter((t) => t !== 'ImageReplicationProgressed')).toEqual([
    'OfferSubmitted',
    'PrerequisitesValidated',
    'CertificationStarted',
    'CertificationPassed',
    'ReplicationStarted',
    'ImagesReplicated',
    'PackagingStarted',
    'PreviewReady',
  ]);
});

test('a superseded attempt changes nothing: its in-flight certification stops and emits nothing', async () => {
  const offerId = uniqueId('superseded-');
  const subject = await publish(offerId, offerWith(disk('os-30g.vhd', {}, 'held')));
  await log.waitFor(subject, 'CertificationStarted');
  await publish(offerId, offerWith(), 2);
  await log.waitFor(subject, 'PreviewReady', (e) => e.attempt === 2);
  vhds.release(); // the old attempt's requests may now complete: they must still change nothing
  await caughtUp('certification');
  const [oldJob] = await queryService<{ state: string }>('certification', `SELECT state FROM jobs WHERE subject = $1 AND attempt = 1`, [subject]);
  expect(oldJob.state).toBe('canceled');
  expect(typesOf(subject, 1)).toEqual(['OfferSubmitted', 'PrerequisitesValidated', 'CertificationStarted']);
});

test('replication failing in some regions ends in ReplicationFailed naming them', async () => {
  await stack.stop('provisioning');
  await stack.start('provisioning', { PROVISIONING_FAILING_REGIONS: 'brazilsouth,uaenorth', PROVISIONING_REGION_MAX_TRIES: '2' });
  try {
    const subject = await publish(uniqueId('regions-'), offerWith());
    const failed = await log.waitFor(subject, 'ReplicationFailed');
    expect(failed.data.failedRegions.map((r) => r.region).sort()).toEqual(['brazilsouth', 'uaenorth']);
    expect(failed.data.failedRegions.every((r) => r.tries === 2 && r.reason)).toBe(true);
    expect(typesOf(subject)).not.toContain('PackagingStarted');
  } finally {
    await stack.stop('provisioning');
    await stack.start('provisioning');
  }
});

test('provisioning SIGKILLed in the middle of a job finishes it after a restart: nothing lost, nothing twice', async () => {
  await stack.stop('provisioning');
  await stack.start('provisioning', { PROVISIONING_LATENCY_MS: '400', PROVISIONING_REGION_CONCURRENCY: '4' });
  const subject = await publish(uniqueId('crash-'), offerWith());
  await log.waitFor(subject, 'ImageReplicationProgressed');
  await stack.stop('provisioning', 'SIGKILL');
  expect(typesOf(subject)).not.toContain('ImagesReplicated');
  await stack.start('provisioning');
  await log.waitFor(subject, 'PreviewReady');
  expect(log.of(subject, 'ReplicationStarted')).toHaveLength(1);
  expect(log.of(subject, 'ImagesReplicated')).toHaveLength(1);
  const done = log.of(subject, 'ImageReplicationProgressed').map((e) => (e as OfferEvent & { type: 'ImageReplicationProgressed' }).data.regionsDone);
  expect(new Set(done).size).toBe(done.length);
  expectNoDuplicateEffects(subject);
});

describe('stall the offer, never the pipeline', () => {
  test('offers carrying text PostgreSQL cannot store stall alone: dead-lettered with their reason, every other offer goes through to Live', async () => {
    // As a faulty or hostile producer could put them on the log (offer-api refuses them at the door).
    const poisoned = Array.from({ length: 12 }, (_, i) => {
      const offer = offerWith();
      if (i % 3 === 1) offer.title = `Title \ud800 ${i}`;
      else if (i % 3 === 2) offer.summary = `Summary \u0000 ${i}`;
      const event = submitted(uniqueId('nul-'), offer);
      if (i % 3 === 0) (event.data as { notificationEmails: string[] }).notificationEmails = ['a@b.test\u0000'];
      return event;
    });
    await publishEvents(stack.topic, poisoned);
    const dlq = await new EventLog(stack.deadLetterTopic).start();
    try {
      const subject = await publish(uniqueId('behind-'), offerWith());
      await log.waitFor(subject, 'PreviewReady', () => true, { timeoutMs: 90_000 });
      await publishEvents(stack.topic, [command('GoLiveRequested', subject, 1, { requestedBy: 'alice' })]);
      await log.waitFor(subject, 'WentLive');
      // every poisoned offer was dead-lettered by validation with the SQLSTATE that refused it, and nothing waits
      await waitFor('each poisoned offer dead-lettered by validation', () =>
        poisoned.every((p) => dlq.raw.some((m) => m.headers.ce_id === p.id && m.headers.dlq_consumer === `${stack.run}-validation`)),
      );
      for (const p of poisoned) {
        const letter = dlq.raw.find((m) => m.headers.ce_id === p.id && m.headers.dlq_consumer === `${stack.run}-validation`)!;
        expect(letter.headers.dlq_code).toMatch(/^pg-22/);
        expect(letter.headers.dlq_reason).toMatch(/failed 5 times/);
        expect(typesOf(p.subject)).toEqual(['OfferSubmitted']);
      }
      for (const service of STAGES) await caughtUp(service);
    } finally {
      await dlq.stop();
    }
  });

  test('an enormous draft with some 90,000 problems is rejected with the first ones listed and the rest counted; the offers behind it go on', async () => {
    const base = offerWith();
    const huge: OfferDraft = {
      ...base,
      plans: Array.from({ length: 50 }, (_, p) => ({
        ...base.plans![0],
        id: `Plan ${p}!`,
        imageVersions: Array.from({ length: 100 }, () => ({ version: 'v?', osDiskUrl: 'not a url', dataDiskUrls: Array.from({ length: 16 }, () => 'nope') })),
      })),
    };
    const hugeSubject = await publish(uniqueId('huge-'), huge);
    const behind = await publish(uniqueId('after-huge-'), offerWith());
    const rejected = await log.waitFor(hugeSubject, 'PrerequisitesRejected');
    expect(rejected.data.problems).toHaveLength(100);
    expect(rejected.data.moreProblems).toBeGreaterThan(89_000);
    await log.waitFor(behind, 'PreviewReady');
  });
});
