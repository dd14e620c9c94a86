import { englishLeaks, render } from '@mkt/messages';
/**
 * The certification service on the real broker and PostgreSQL, certifying sparse VHDs served by a local
 * HTTP server (development mode). Every event is delivered twice.
 */
import type { INestApplication } from '@nestjs/common';
import { bootstrapService } from '@mkt/messaging';
import { EventLog, TestDatabase, TestTopics, publishEvents, uniqueId, waitFor } from '@mkt/testing';
import { AppModule } from '../src/app.module';
import type { CertificationConfig } from '../src/config';
import { jobState, offerEvents, plan, queryDb } from './service-harness';
import { GIB, sas, VhdServer, type FixtureName } from './vhd-fixtures';

const topics = new TestTopics();
let db: TestDatabase;
let topic: string;
let dlq: string;
let log: EventLog;
let dlqLog: EventLog;
let server: VhdServer;
let app: INestApplication;

beforeAll(async () => {
  process.env.LOG_LEVEL ??= 'warn';
  [db, topic, dlq, server] = await Promise.all([
    new TestDatabase('certification').create(),
    topics.create('cert', 3),
    topics.create('cert-dlq', 3),
    VhdServer.start(),
  ]);
  server.slowMs = 3000;
  [log, dlqLog] = await Promise.all([new EventLog(topic).start(), new EventLog(dlq).start()]);
  const config: CertificationConfig = {
    port: 0,
    durationMs: 0,
    sasMinDays: 21,
    requestTimeoutMs: 1000,
    maxRedirects: 3,
    allowPrivateNetwork: true,
    concurrency: 4,
    jobLeaseMs: 1500,
    jobPollIntervalMs: 100,
    jobMaxTries: 3,
    checkpointIntervalMs: 0,
    messaging: {
      kafka: { eventsTopic: topic, deadLetterTopic: dlq, partitions: 3 },
      database: { url: db.serverUrl, database: db.name, poolSize: 6 },
      consumer: { groupId: uniqueId('certification-'), backoff: { initialMs: 50, maxMs: 1000 } },
      relay: { pollIntervalMs: 50 },
    },
  };
  app = await bootstrapService(AppModule.register(config), { name: 'certification', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await Promise.all([log?.stop(), dlqLog?.stop(), server?.close()]);
  await topics.cleanup();
  await db?.drop();
});

const results = (subject: string, attempt?: number) =>
  log.of(subject).filter((e) => (e.type === 'CertificationPassed' || e.type === 'CertificationFailed') && (attempt === undefined || e.attempt === attempt));

test('a valid offer passes: every disk of every image version checked, reading only ranges', async () => {
  const marker = uniqueId('valid-');
  const offer = offerEvents('contoso', uniqueId('valid-'), 1, [
    plan('gold', '1.0.0', server.url('os-30g.vhd', sas({ signature: marker })), [
      server.url('data-1g.vhd', sas({ signature: marker })),
      server.url('data-1g.vhd', sas({ signature: marker, permissions: 'rl' })),
    ]),
    plan('silver', '2.0.0', server.url('os-64g.vhd', sas({ signature: marker }))),
  ]);
  await publishEvents(topic, offer.all, { twice: true });

  const passed = await log.waitFor(offer.subject, 'CertificationPassed');
  expect(passed).toMatchObject({
    attempt: 1,
    correlationId: offer.validated.correlationId,
    causationId: offer.validated.id,
    source: '/marketplace/certification',
  });
  const byDisk = new Map<string, string[]>();
  for (const check of passed.data.checks)
    byDisk.set(`${check.planId}/${check.imageVersion}/${check.disk}`, [
      ...(byDisk.get(`${check.planId}/${check.imageVersion}/${check.disk}`) ?? []),
      check.check,
    ]);
  expect([...byDisk.keys()]).toEqual(['gold/1.0.0/os', 'gold/1.0.0/data-0', 'gold/1.0.0/data-1', 'silver/2.0.0/os']);
  expect([...byDisk.values()].every((checks) => checks.length === 12)).toBe(true);
  expect(passed.data.checks.every((c) => c.passed)).toBe(true);

  const started = log.of(offer.subject, 'CertificationStarted');
  expect(started).toHaveLength(1);
  expect(started[0].data).toEqual({ disks: 4 });
  expect(results(offer.subject)).toHaveLength(1);
  // never downloaded whole: one HEAD and one 512-byte range per disk
  const requests = server.requestsFor(marker);
  expect(requests.filter((r) => r.method === 'HEAD')).toHaveLength(4);
  expect(requests.filter((r) => r.method === 'GET').every((r) => r.status === 206 && r.range !== undefined && r.bodyBytes === 512)).toBe(true);
  expect(await queryDb(db, 'SELECT outcome FROM certification_results WHERE subject = $1', [offer.subject])).toEqual([{ outcome: 'passed' }]);
});

interface BrokenCase {
  label: string;
  os?: { file: FixtureName; route?: string; query?: string };
  data?: { file: FixtureName; route?: string; query?: string };
  disk: 'os' | 'data-0';
  check: string;
  message: RegExp;
}

const inSixtyDays = () => sas();
const BROKEN: BrokenCase[] = [
  {
    label: 'bad cookie',
    os: { file: 'bad-cookie.vhd' },
    disk: 'os',
    check: 'vhd-cookie',
    message: /^The OS disk's last 512 bytes are not a VHD footer \(cookie "cxsparse" instead of "conectix"\); upload the disk as a VHD file/,
  },
  {
    label: 'bad checksum',
    os: { file: 'bad-checksum.vhd' },
    disk: 'os',
    check: 'vhd-checksum',
    message: /footer checksum is 0x[0-9a-f]{8} but the footer adds up to 0x[0-9a-f]{8}: the footer is corrupt; re-create the VHD/,
  },
  {
    label: 'dynamic disk',
    os: { file: 'dynamic.vhd' },
    disk: 'os',
    check: 'vhd-disk-type',
    message: /^The OS disk is a dynamic VHD \(disk type 3\), not a fixed one; convert it to a fixed-size VHD/,
  },
  {
    label: 'size not a whole number of MiB',
    os: { file: 'odd-size.vhd' },
    disk: 'os',
    check: 'vhd-size-alignment',
    message: new RegExp(`virtual size is ${30 * GIB + 4096} bytes, not a whole number of MiB; resize it to a multiple of 1 MiB`),
  },
  {
    label: 'OS disk under 30 GiB',
    os: { file: 'small-os.vhd' },
    disk: 'os',
    check: 'vhd-size-limits',
    message: /^The OS disk is 20 GiB; an OS disk must be at least 30 GiB: grow the disk/,
  },
  {
    label: 'data disk over 1023 GiB',
    data: { file: 'large-data.vhd' },
    disk: 'data-0',
    check: 'vhd-size-limits',
    message: /^Data disk 0 is 1100 GiB; a data disk can be at most 1023 GiB/,
  },
  {
    label: 'footer size and blob length disagree',
    os: { file: 'length-mismatch.vhd' },
    disk: 'os',
    check: 'vhd-file-length',
    message: /footer says 30 GiB but the blob is 33285997056 bytes/,
  },
  {
    label: 'expired SAS token',
    os: { file: 'os-30g.vhd', query: sas({ expiresInDays: -2 }) },
    disk: 'os',
    check: 'sas-expiry',
    message: /^The OS disk's SAS token expired on \d{4}-\d\d-\d\d; generate one valid for at least 21 days$/,
  },
  {
    label: 'SAS token expiring within 21 days',
    data: { file: 'data-1g.vhd', query: sas({ expiresInDays: 10 }) },
    disk: 'data-0',
    check: 'sas-expiry',
    message: /^Data disk 0's SAS token expires on \d{4}-\d\d-\d\d; generate one valid for at least 21 days$/,
  },
  {
    label: 'SAS token without read permission',
    os: { file: 'os-30g.vhd', query: sas({ permissions: 'w' }) },
    disk: 'os',
    check: 'sas-read-permission',
    message: /does not grant read access \(sp=w\); generate one with Read permission/,
  },
  { label: 'no SAS token', os: { file: 'os-30g.vhd', query: '' }, disk: 'os', check: 'sas-token', message: /^The OS disk URL has no SAS token/ },
  {
    label: 'blob not found (404)',
    os: { file: 'os-30g.vhd', route: 'missing' },
    disk: 'os',
    check: 'vhd-reachable',
    message: /answered 404 Not Found; check that the blob exists/,
  },
  {
    label: 'server slower than the timeout',
    os: { file: 'os-30g.vhd', route: 'slow' },
    disk: 'os',
    check: 'vhd-reachable',
    message: /did not answer within 1000 ms/,
  },
  {
    label: 'server ignoring Range',
    os: { file: 'os-30g.vhd', route: 'ignore-range' },
    disk: 'os',
    check: 'vhd-range-read',
    message: /ignored the HTTP Range header and sent the whole blob/,
  },
];

test.each(BROKEN)('$label: CertificationFailed names the check ($check) and what to fix', async (broken) => {
  const os = broken.os ?? { file: 'os-30g.vhd' };
  const data = broken.data ?? { file: 'data-1g.vhd' };
  const url = (d: { file: FixtureName; route?: string; query?: string }) => server.url(d.file, d.query ?? inSixtyDays(), d.route ?? 'disks');
  const offer = offerEvents('contoso', uniqueId('broken-'), 1, [plan('gold', '1.0.0', url(os), [url(data)])]);
  await publishEvents(topic, offer.all, { twice: true });

  const failed = await log.waitFor(offer.subject, 'CertificationFailed');
  expect(failed.data.failures).toEqual([
    {
      planId: 'gold',
      imageVersion: '1.0.0',
      disk: broken.disk,
      check: broken.check,
      passed: false,
      message: expect.stringMatching(broken.message),
      messageCode: expect.stringMatching(/^certification\./),
      params: expect.any(Object),
    },
  ]);
  // the code and parameters render to the English text, and to other languages
  const [failure] = failed.data.failures;
  expect(render(failure.messageCode!, failure.params, 'en')).toBe(failure.message);
  expect(englishLeaks(render(failure.messageCode!, failure.params, 'pt-BR'))).toEqual([]);
  expect(failed.data.checksRun).toBeGreaterThan(1);
  expect(results(offer.subject)).toHaveLength(1);
  expect(log.of(offer.subject, 'CertificationStarted')).toHaveLength(1);
});

test('events of an older attempt change nothing', async () => {
  const offerId = uniqueId('stale-');
  const current = offerEvents('contoso', offerId, 2, [plan('gold', '1.0.0', server.url('os-30g.vhd'))]);
  const stale = offerEvents('contoso', offerId, 1, [plan('gold', '1.0.0', server.url('bad-cookie.vhd'))]);
  // attempt 2 is recorded first; attempt 1's events come late, then attempt 2's validation
  await publishEvents(topic, [current.submitted, stale.submitted, stale.validated, stale.canceled, current.validated], { twice: true });

  await log.waitFor(current.subject, 'CertificationPassed', (e) => e.attempt === 2);
  // same key, same partition: attempt 1's events were handled before attempt 2's validation
  expect(log.of(current.subject).filter((e) => e.attempt === 1 && e.source === '/marketplace/certification')).toEqual([]);
  expect(await jobState(db, current.subject, 1)).toBeUndefined();
  expect(await jobState(db, current.subject, 2)).toBe('done');
});

test('a newer OfferSubmitted supersedes a running certification: its request is aborted and it emits nothing more', async () => {
  server.holding = true;
  const offerId = uniqueId('supersede-');
  const marker = uniqueId('held-');
  const first = offerEvents('contoso', offerId, 1, [plan('gold', '1.0.0', server.url('os-30g.vhd', sas({ signature: marker }), 'held'))]);
  await publishEvents(topic, first.all, { twice: true });
  await log.waitFor(first.subject, 'CertificationStarted', (e) => e.attempt === 1);
  await waitFor('attempt 1 to be reading its disk', () => server.requestsFor(marker).length > 0);

  const second = offerEvents('contoso', offerId, 2, [plan('gold', '1.0.0', server.url('os-30g.vhd'))]);
  await publishEvents(topic, second.all, { twice: true });
  await waitFor('attempt 1 request aborted', () => server.requestsFor(marker)[0].abandoned, { timeoutMs: 15_000 });
  await log.waitFor(second.subject, 'CertificationPassed', (e) => e.attempt === 2);
  expect(await jobState(db, first.subject, 1)).toBe('canceled');
  expect(results(first.subject, 1)).toEqual([]);
  expect(server.requestsFor(marker)).toHaveLength(1);
});

test("PublishCanceled stops the attempt's certification job", async () => {
  server.holding = true;
  const offerId = uniqueId('cancel-');
  const marker = uniqueId('held-');
  const offer = offerEvents('contoso', offerId, 1, [plan('gold', '1.0.0', server.url('os-30g.vhd', sas({ signature: marker }), 'held'))]);
  await publishEvents(topic, offer.all, { twice: true });
  await waitFor('the job to be reading the disk', () => server.requestsFor(marker).length > 0);

  await publishEvents(topic, [offer.canceled], { twice: true });
  await waitFor('the job to be canceled', async () => (await jobState(db, offer.subject, 1)) === 'canceled');
  await waitFor('its request aborted', () => server.requestsFor(marker)[0].abandoned, { timeoutMs: 15_000 });
  // the publisher fixes and publishes again; once that attempt is through, attempt 1 has still said nothing
  const next = offerEvents('contoso', offerId, 2, [plan('gold', '1.0.0', server.url('os-30g.vhd'))]);
  await publishEvents(topic, next.all, { twice: true });
  await log.waitFor(offer.subject, 'CertificationPassed', (e) => e.attempt === 2);
  expect(results(offer.subject, 1)).toEqual([]);
  const [attempt] = await queryDb<{ attempt: number; state: string }>(db, 'SELECT attempt, state FROM offer_attempts WHERE subject = $1', [offer.subject]);
  expect(attempt).toEqual({ attempt: 2, state: 'certifying' });
});

test('PrerequisitesValidated without its OfferSubmitted is dead-lettered with the reason', async () => {
  const offer = offerEvents('contoso', uniqueId('orphan-'), 1, [plan('gold', '1.0.0', server.url('os-30g.vhd'))]);
  await publishEvents(topic, [offer.validated], { twice: true });
  const letter = await waitFor('a dead letter', () => dlqLog.raw.find((m) => m.headers.ce_id === offer.validated.id));
  expect(letter.headers.dlq_reason).toMatch(/arrived before its OfferSubmitted/);
  expect(await jobState(db, offer.subject, 1)).toBeUndefined();
});
