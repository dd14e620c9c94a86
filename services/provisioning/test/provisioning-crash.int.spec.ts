/**
 * The provisioning service as its own process, SIGKILLed in the middle of a replication job and
 * restarted: the job resumes from its last checkpoint, and no event is lost or emitted twice.
 */
import { join } from 'node:path';
import type { OfferEventOf } from '@mkt/events';
import { queryRows, withDatabase } from '@mkt/messaging';
import { DataSource } from 'typeorm';
import { EventLog, publishEvents, startProcess, TestDatabase, TestTopics, testBrokers, uniqueId, type ChildHandle } from '@mkt/testing';
import { REGION_NAMES } from '../src/domain/regions';
import type { ReplicationProgress } from '../src/domain/replication';
import { certified, submitted, tally } from './support';

const MAIN = join(__dirname, '..', 'src', 'main.ts');
const REGIONS = REGION_NAMES.length;
const PROGRESS_EVERY = 5;
const MILESTONES = Array.from({ length: Math.floor((REGIONS - 1) / PROGRESS_EVERY) }, (_, i) => (i + 1) * PROGRESS_EVERY);

interface Scenario {
  topic: string;
  db: TestDatabase;
  env: Record<string, string>;
  log: EventLog;
  dataSource: DataSource;
}

const topics = new TestTopics();
const scenarios: Scenario[] = [];
const children: ChildHandle[] = [];

async function scenario(label: string): Promise<Scenario> {
  const db = await new TestDatabase(`provisioning_${label}`).create();
  const topic = await topics.create(`provisioning-${label}`, 3);
  const dlq = await topics.create(`provisioning-${label}-dlq`, 1);
  const env = {
    KAFKA_BROKERS: testBrokers().join(','),
    OFFER_EVENTS_TOPIC: topic,
    DEAD_LETTER_TOPIC: dlq,
    OFFER_EVENTS_PARTITIONS: '3',
    CONSUMER_GROUP: `provisioning-${db.name}`,
    DATABASE_URL: db.serverUrl,
    DATABASE_NAME: db.name,
    PORT: '0',
    PROVISIONING_DURATION_MS: '0',
    // 57 regions x 3 images x 40 ms over 2 lanes: about 3.5 s of replication, time to kill it halfway
    PROVISIONING_LATENCY_MS: '40',
    PROVISIONING_REGION_CONCURRENCY: '2',
    PROVISIONING_PROGRESS_EVERY: String(PROGRESS_EVERY),
    PROVISIONING_CHECKPOINT_INTERVAL_MS: '0', // a checkpoint per region: the crash point counts regions
    PROVISIONING_PROGRESS_MIN_INTERVAL_MS: '0',
    PROVISIONING_FLAKY_REGIONS: 'uksouth:1',
    PROVISIONING_RETRY_BACKOFF_MS: '10',
    JOB_LEASE_MS: '1500',
    JOB_POLL_INTERVAL_MS: '100',
    RELAY_POLL_INTERVAL_MS: '100',
    CONSUMER_SESSION_TIMEOUT_MS: '6000',
  };
  const log = await new EventLog(topic).start();
  // the service creates its database schema; the test only reads it
  const dataSource = new DataSource({ type: 'postgres', url: withDatabase(db.serverUrl, db.name) });
  const s = { topic, db, env, log, dataSource };
  scenarios.push(s);
  return s;
}

function run(s: Scenario, extra: Record<string, string> = {}): ChildHandle {
  const child = startProcess(MAIN, { ...s.env, ...extra }, 'provisioning');
  children.push(child);
  return child;
}

async function job(s: Scenario, subject: string) {
  if (!s.dataSource.isInitialized) await s.dataSource.initialize();
  const [row] = await queryRows<{ state: string; tries: number; progress: ReplicationProgress }>(
    s.dataSource,
    'SELECT state, tries, progress FROM jobs WHERE subject = $1',
    [subject],
  );
  return row;
}

afterAll(async () => {
  await Promise.all(children.map((c) => c.kill('SIGKILL')));
  for (const s of scenarios) {
    await s.log.stop();
    if (s.dataSource.isInitialized) await s.dataSource.destroy();
    await s.db.drop();
  }
  await topics.cleanup();
});

async function expectFinishedExactlyOnce(s: Scenario, subject: string, resumedWith: number, restarted: ChildHandle): Promise<void> {
  const done = await s.log.waitFor(subject, 'ImagesReplicated');
  expect(done.data.regions.map((r) => r.region)).toEqual(REGION_NAMES);
  expect(done.data.regions.every((r) => r.status === 'replicated')).toBe(true);
  expect(done.data.regions.find((r) => r.region === 'uksouth')?.tries).toBe(2);

  // the restarted process took the job over from its checkpoint instead of starting again
  const line = await restarted.waitForOutput(/resuming .* regions already finished/);
  expect(line).toContain(`${resumedWith} of ${REGIONS} regions already finished`);
  expect(await job(s, subject)).toMatchObject({ state: 'done', tries: 2 });

  // every milestone is on the log, each under one id and with one content, as are the start and the result
  const progressed = s.log.of(subject, 'ImageReplicationProgressed') as OfferEventOf<'ImageReplicationProgressed'>[];
  expect(progressed.map((e) => e.data.regionsDone)).toEqual(MILESTONES);
  expect(tally(s.log.events, subject)).toEqual({
    started: { ids: 1, contents: 1, contentsEmittedTwice: 0 },
    progressed: { ids: MILESTONES.length, contents: MILESTONES.length, contentsEmittedTwice: 0 },
    replicated: { ids: 1, contents: 1, contentsEmittedTwice: 0 },
    failed: { ids: 0, contents: 0, contentsEmittedTwice: 0 },
  });
}

test('SIGKILLed while replicating, then restarted: the job finishes from its checkpoint, every event once', async () => {
  const s = await scenario('killed');
  const subject = `${uniqueId('pub')}/killed-mid-job`;
  const first = run(s);
  await first.waitForOutput(/provisioning ready on/);
  await publishEvents(s.topic, [submitted(subject, 1), certified(subject, 1)], { twice: true });

  await s.log.waitFor(subject, 'ImageReplicationProgressed', (e) => e.data.regionsDone >= 2 * PROGRESS_EVERY);
  expect(await first.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
  const left = await job(s, subject);
  expect(left.state).toBe('running');
  const finishedBeforeCrash = left.progress.finished.length;
  expect(finishedBeforeCrash).toBeGreaterThanOrEqual(2 * PROGRESS_EVERY);
  expect(finishedBeforeCrash).toBeLessThan(REGIONS);

  const restarted = run(s);
  await expectFinishedExactlyOnce(s, subject, finishedBeforeCrash, restarted);
  expect(await restarted.kill('SIGTERM')).toEqual({ code: 0, signal: null });
});

test('killed right after a checkpoint that emitted a progress event: the event is published once, after the restart', async () => {
  const s = await scenario('crashpoint');
  const subject = `${uniqueId('pub')}/crash-after-checkpoint`;
  const crashAfter = 4 * PROGRESS_EVERY;
  const crashing = run(s, { MKT_CRASH_AT: 'provisioning.afterRegionCheckpoint', MKT_CRASH_AFTER: String(crashAfter) });
  await crashing.waitForOutput(/provisioning ready on/);
  await publishEvents(s.topic, [submitted(subject, 1), certified(subject, 1)], { twice: true });
  expect(await crashing.exited).toEqual({ code: null, signal: 'SIGKILL' });
  expect((await job(s, subject)).progress.finished).toHaveLength(crashAfter);

  const restarted = run(s);
  await expectFinishedExactlyOnce(s, subject, crashAfter, restarted);
  expect(await restarted.kill('SIGTERM')).toEqual({ code: 0, signal: null });
});
