/**
 * The provisioning service in-process on the real broker and PostgreSQL, with the simulated back end;
 * every event is delivered twice.
 */
import type { INestApplication } from '@nestjs/common';
import type { OfferEventOf } from '@mkt/events';
import { bootstrapService, MessagingRuntime, queryRows } from '@mkt/messaging';
import { EventLog, publishEvents, TestDatabase, TestTopics, testBrokers, uniqueId, waitFor, waitForGroupCaughtUp } from '@mkt/testing';
import { SimulatedReplicationBackend, type SimulationSettings } from '../src/adapters/simulated-backend';
import { AppModule } from '../src/app.module';
import type { ProvisioningConfig } from '../src/config';
import { REGION_NAMES } from '../src/domain/regions';
import { ReplicationWorker } from '../src/handlers/replication.worker';
import { canceled, certified, submitted, tally } from './support';

interface RunningService {
  app: INestApplication;
  runtime: MessagingRuntime;
  backend: SimulatedReplicationBackend;
  topic: string;
  group: string;
  log: EventLog;
  db: TestDatabase;
}

const topics = new TestTopics();
const services: RunningService[] = [];
const REGIONS = REGION_NAMES.length;

async function startService(label: string, simulation: SimulationSettings, concurrency: number): Promise<RunningService> {
  const db = await new TestDatabase(`provisioning_${label}`).create();
  const topic = await topics.create(`provisioning-${label}`, 3);
  const dlq = await topics.create(`provisioning-${label}-dlq`, 1);
  const group = `provisioning-${db.name}`;
  const backend = new SimulatedReplicationBackend(simulation);
  const config: ProvisioningConfig = {
    port: 0,
    provisioningDurationMs: 0,
    replication: {
      concurrency,
      retry: { maxTries: 3, initialBackoffMs: 10, maxBackoffMs: 50 },
      progressEvery: 10,
      checkpointIntervalMs: 0,
      progressMinIntervalMs: 0,
    },
    simulation,
    backend,
    jobs: { concurrency: 2, leaseMs: 1500, pollIntervalMs: 100, maxTries: 3 },
    messaging: {
      kafka: { brokers: testBrokers(), eventsTopic: topic, deadLetterTopic: dlq, partitions: 3 },
      database: { url: db.serverUrl, database: db.name, poolSize: 6 },
      consumer: { groupId: group, backoff: { initialMs: 50, maxMs: 1000 } },
      relay: { pollIntervalMs: 100 },
    },
  };
  const app = await bootstrapService(AppModule.register(config), { name: `provisioning-${label}`, port: 0 });
  const log = await new EventLog(topic).start();
  const service = { app, runtime: app.get(MessagingRuntime), backend, topic, group, log, db };
  services.push(service);
  return service;
}

let healthy: RunningService;
let failing: RunningService;
let slow: RunningService;

beforeAll(async () => {
  healthy = await startService('healthy', { latencyMs: 2, failureRate: 0, failingRegions: [], flakyRegions: { uksouth: 1, japaneast: 2 } }, 8);
  failing = await startService('failing', { latencyMs: 2, failureRate: 0, failingRegions: ['brazilsouth', 'japaneast'], flakyRegions: {} }, 8);
  // slow enough to cancel or supersede a job while it runs (about 2 s for 57 regions)
  slow = await startService('slow', { latencyMs: 25, failureRate: 0, failingRegions: [], flakyRegions: {} }, 2);
});

afterAll(async () => {
  for (const s of services) {
    await s.log.stop();
    await s.app.close();
    await s.db.drop();
  }
  await topics.cleanup();
});

async function jobs(s: RunningService, subject: string) {
  return queryRows<{ attempt: number; state: string; tries: number }>(
    s.runtime.dataSource,
    `SELECT attempt, state, tries FROM jobs WHERE subject = $1 ORDER BY attempt`,
    [subject],
  );
}

async function attemptRecord(s: RunningService, subject: string) {
  const [row] = await queryRows(s.runtime.dataSource, `SELECT attempt, state FROM offer_attempts WHERE subject = $1`, [subject]);
  return row;
}

function callsFor(s: RunningService, version: string) {
  return s.backend.calls.filter((c) => c.image.endsWith(`/${version}`));
}

test('every image is replicated to every region, flaky regions after retries; each event once', async () => {
  const subject = `${uniqueId('pub')}/replicated`;
  const trigger = certified(subject, 1);
  await publishEvents(healthy.topic, [submitted(subject, 1), trigger], { twice: true });

  const done = await healthy.log.waitFor(subject, 'ImagesReplicated');
  expect(done).toMatchObject({ attempt: 1, causationId: trigger.id, correlationId: trigger.correlationId, source: '/marketplace/provisioning' });
  expect(done.data.regions.map((r) => r.region)).toEqual(REGION_NAMES);
  expect(done.data.regions.every((r) => r.status === 'replicated')).toBe(true);
  const tries = Object.fromEntries(done.data.regions.map((r) => [r.region, r.tries]));
  expect(tries).toMatchObject({ eastus: 1, westeurope: 1, uksouth: 2, japaneast: 3 });

  const started = healthy.log.of(subject, 'ReplicationStarted') as OfferEventOf<'ReplicationStarted'>[];
  expect(started.map((e) => e.data)).toEqual([{ images: 3, regions: REGIONS }]);
  const progressed = healthy.log.of(subject, 'ImageReplicationProgressed') as OfferEventOf<'ImageReplicationProgressed'>[];
  const milestones = Array.from({ length: Math.floor((REGIONS - 1) / 10) }, (_, i) => (i + 1) * 10);
  expect(progressed.map((e) => e.data.regionsDone)).toEqual(milestones);
  expect(progressed.every((e) => e.data.regionsTotal === REGIONS && e.data.percentage > 0 && e.data.percentage < 100)).toBe(true);

  await waitForGroupCaughtUp(healthy.group, healthy.topic);
  expect(tally(healthy.log.events, subject)).toEqual({
    started: { ids: 1, contents: 1, contentsEmittedTwice: 0 },
    progressed: { ids: milestones.length, contents: milestones.length, contentsEmittedTwice: 0 },
    replicated: { ids: 1, contents: 1, contentsEmittedTwice: 0 },
    failed: { ids: 0, contents: 0, contentsEmittedTwice: 0 },
  });
  // one copy per image and region, plus the retries of the flaky regions
  expect(healthy.backend.calls.filter((c) => c.region === 'eastus')).toHaveLength(3);
  expect(healthy.backend.calls.filter((c) => c.region === 'japaneast')).toHaveLength(9);
  expect(await jobs(healthy, subject)).toEqual([{ attempt: 1, state: 'done', tries: 1 }]);
  expect(await attemptRecord(healthy, subject)).toEqual({ attempt: 1, state: 'replicated' });
});

test('regions that keep failing fail the stage with their reason and tries; the others count as replicated', async () => {
  const subject = `${uniqueId('pub')}/some-regions-fail`;
  await publishEvents(failing.topic, [submitted(subject, 1), certified(subject, 1)], { twice: true });

  const failed = await failing.log.waitFor(subject, 'ReplicationFailed');
  expect(failed.data.regionsReplicated).toBe(REGIONS - 2);
  expect(failed.data.failedRegions).toEqual([
    {
      region: 'brazilsouth',
      status: 'failed',
      tries: 3,
      reason: expect.stringMatching(/region brazilsouth rejected the image: storage quota exceeded/),
      reasonCode: expect.stringMatching(/^provisioning\.images?-failed$/),
      params: expect.objectContaining({ detail: expect.stringMatching(/storage quota exceeded/) }),
    },
    {
      region: 'japaneast',
      status: 'failed',
      tries: 3,
      reason: expect.stringMatching(/region japaneast rejected the image/),
      reasonCode: expect.any(String),
      params: expect.any(Object),
    },
  ]);
  await waitForGroupCaughtUp(failing.group, failing.topic);
  expect(tally(failing.log.events, subject)).toMatchObject({ replicated: { ids: 0 }, failed: { ids: 1, contents: 1 }, started: { ids: 1 } });
  expect(await attemptRecord(failing, subject)).toEqual({ attempt: 1, state: 'failed' });
});

test('PublishCanceled in the middle of a job stops it: nothing is emitted after the cancel', async () => {
  const subject = `${uniqueId('pub')}/canceled-mid-job`;
  await publishEvents(slow.topic, [submitted(subject, 1), certified(subject, 1)], { twice: true });
  await slow.log.waitFor(subject, 'ImageReplicationProgressed');
  const canceledBefore = slow.app.get(ReplicationWorker).stats?.canceled ?? 0;

  await publishEvents(slow.topic, [canceled(subject, 1)], { twice: true });
  await waitFor('the job canceled', async () => (await jobs(slow, subject))[0]?.state === 'canceled');
  await waitFor('the worker to stop the job', () => (slow.app.get(ReplicationWorker).stats?.canceled ?? 0) > canceledBefore);
  const [canceledAt] = await queryRows<{ at: Date }>(slow.runtime.dataSource, `SELECT updated_at AS at FROM jobs WHERE subject = $1`, [subject]);

  // the worker has returned: no replication runs any more, and it stopped short of the catalog
  expect(callsFor(slow, '1.0.0').length).toBeLessThan(REGIONS);
  const [after] = await queryRows<{ n: number }>(slow.runtime.dataSource, `SELECT count(*)::int AS n FROM outbox WHERE message_key = $1 AND created_at > $2`, [
    subject,
    canceledAt.at,
  ]);
  expect(after.n).toBe(0);
  await waitForGroupCaughtUp(slow.group, slow.topic);
  expect(tally(slow.log.events, subject)).toMatchObject({ replicated: { ids: 0 }, failed: { ids: 0 } });
  expect(await attemptRecord(slow, subject)).toEqual({ attempt: 1, state: 'canceled' });
});

test("a newer attempt supersedes a running job; the old attempt's events are ignored", async () => {
  const subject = `${uniqueId('pub')}/superseded`;
  const offerV1 = submitted(subject, 1);
  offerV1.data.offer.plans![1].imageVersions![0].version = '0.9.0';
  await publishEvents(slow.topic, [offerV1, certified(subject, 1)], { twice: true });
  await slow.log.waitFor(subject, 'ReplicationStarted', (e) => e.attempt === 1);

  // attempt 2 starts over while attempt 1 is replicating; a late CertificationPassed of attempt 1 changes nothing
  await publishEvents(slow.topic, [submitted(subject, 2)], { twice: true });
  await waitFor('attempt 1 superseded', async () => (await jobs(slow, subject))[0]?.state === 'canceled');
  await publishEvents(slow.topic, [certified(subject, 1), certified(subject, 2)], { twice: true });

  const done = await slow.log.waitFor(subject, 'ImagesReplicated');
  expect(done.attempt).toBe(2);
  await waitForGroupCaughtUp(slow.group, slow.topic);
  const attempt1 = slow.log
    .of(subject)
    .filter((e) => e.attempt === 1)
    .map((e) => e.type);
  expect(attempt1).not.toContain('ImagesReplicated');
  expect(attempt1).not.toContain('ReplicationFailed');
  expect((await jobs(slow, subject)).map((j) => [j.attempt, j.state])).toEqual([
    [1, 'canceled'],
    [2, 'done'],
  ]);
  // attempt 1's own image (0.9.0) stopped short of the catalog; attempt 2 replicated its images everywhere
  expect(callsFor(slow, '0.9.0').length).toBeLessThan(REGIONS);
  expect(new Set(callsFor(slow, '2.0.0').map((c) => c.region)).size).toBe(REGIONS);
  expect(await attemptRecord(slow, subject)).toEqual({ attempt: 2, state: 'replicated' });
});
