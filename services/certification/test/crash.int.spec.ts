/**
 * The certification process (src/main.ts as its own process) killed while a job runs, then restarted:
 * the job is taken over when its lease expires, resumes from its last checkpoint, and the attempt gets
 * exactly one CertificationStarted and one result. Every event is delivered twice.
 */
import { EventLog, TestDatabase, TestTopics, publishEvents, startProcess, uniqueId, waitFor, type ChildHandle } from '@mkt/testing';
import { jobState, offerEvents, plan, queryDb } from './service-harness';
import { sas, VhdServer } from './vhd-fixtures';

const topics = new TestTopics();
const children: ChildHandle[] = [];
let db: TestDatabase;
let topic: string;
let log: EventLog;
let server: VhdServer;
let env: Record<string, string>;

beforeAll(async () => {
  [db, topic, server] = await Promise.all([new TestDatabase('certification_crash').create(), topics.create('cert-crash', 3), VhdServer.start()]);
  const dlq = await topics.create('cert-crash-dlq', 3);
  log = await new EventLog(topic).start();
  env = {
    OFFER_EVENTS_TOPIC: topic,
    DEAD_LETTER_TOPIC: dlq,
    OFFER_EVENTS_PARTITIONS: '3',
    DATABASE_URL: db.serverUrl,
    DATABASE_NAME: db.name,
    CONSUMER_GROUP: uniqueId('certification-crash-'),
    PORT: '0',
    DEVELOPMENT: 'true',
    CERTIFICATION_DURATION_MS: '0',
    CERTIFICATION_TIMEOUT_MS: '20000',
    JOB_LEASE_MS: '1500',
    CERTIFICATION_CHECKPOINT_INTERVAL_MS: '0', // a checkpoint per disk: the test kills between disks
    JOB_POLL_INTERVAL_MS: '100',
    RELAY_POLL_INTERVAL_MS: '50',
    // a SIGKILLed member holds its partitions until its session times out
    CONSUMER_SESSION_TIMEOUT_MS: '6000',
  };
});

afterAll(async () => {
  await Promise.all(children.map((c) => c.kill('SIGKILL')));
  await Promise.all([log?.stop(), server?.close()]);
  await topics.cleanup();
  await db?.drop();
});

async function startCertification(extra: Record<string, string> = {}): Promise<ChildHandle> {
  const child = startProcess('services/certification/src/main.ts', { ...env, ...extra }, 'certification');
  children.push(child);
  await child.waitForOutput(/certification ready on/, { timeoutMs: 60_000 });
  return child;
}

function outcomeCounts(subject: string) {
  return {
    started: log.of(subject, 'CertificationStarted').length,
    results: log.of(subject).filter((e) => e.type === 'CertificationPassed' || e.type === 'CertificationFailed').length,
  };
}

test('SIGKILL while a disk is being read: the restarted process resumes from the checkpoint, exactly one result', async () => {
  server.holding = true;
  const osMarker = uniqueId('os-');
  const dataMarker = uniqueId('data-');
  const offer = offerEvents('contoso', uniqueId('crash-'), 1, [
    plan('gold', '1.0.0', server.url('os-30g.vhd', sas({ signature: osMarker })), [server.url('data-1g.vhd', sas({ signature: dataMarker }), 'held')]),
  ]);
  const first = await startCertification();
  await publishEvents(topic, offer.all, { twice: true });
  await log.waitFor(offer.subject, 'CertificationStarted');
  // the OS disk is checked and checkpointed before the data disk's request, which the server holds
  await waitFor('the data disk to be in progress', () => server.requestsFor(dataMarker).length > 0);

  expect(await first.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
  const [left] = await queryDb<{ state: string; progress: { results: Record<string, unknown[]> } }>(db, `SELECT state, progress FROM jobs WHERE subject = $1`, [
    offer.subject,
  ]);
  expect(left.state).toBe('running');
  expect(Object.keys(left.progress.results)).toEqual([JSON.stringify(['gold', '1.0.0', 'os'])]);
  server.release();

  await startCertification();
  const passed = await log.waitFor(offer.subject, 'CertificationPassed');
  expect(passed.data.checks.map((c) => c.disk).filter((d, i, all) => all.indexOf(d) === i)).toEqual(['os', 'data-0']);
  await waitFor('the job to be done', async () => (await jobState(db, offer.subject, 1)) === 'done');
  expect(outcomeCounts(offer.subject)).toEqual({ started: 1, results: 1 });
  // resumed from the checkpoint: the OS disk was not read again
  expect(server.requestsFor(osMarker).map((r) => r.method)).toEqual(['HEAD', 'GET']);
  expect(await queryDb(db, 'SELECT outcome FROM certification_results WHERE subject = $1', [offer.subject])).toEqual([{ outcome: 'passed' }]);
});

test('SIGKILL after the work, before its result is committed: the result is written once, by the restarted process', async () => {
  await Promise.all(children.map((c) => c.kill('SIGTERM')));
  const offer = offerEvents('contoso', uniqueId('crash-'), 1, [plan('gold', '1.0.0', server.url('small-os.vhd'))]);
  const crashing = startProcess('services/certification/src/main.ts', { ...env, MKT_CRASH_AT: 'job.afterWork' }, 'certification-crashing');
  children.push(crashing);
  await crashing.waitForOutput(/certification ready on/, { timeoutMs: 60_000 });
  await publishEvents(topic, offer.all, { twice: true });
  expect(await crashing.exited).toEqual({ code: null, signal: 'SIGKILL' });
  expect(await jobState(db, offer.subject, 1)).toBe('running');
  expect(await queryDb(db, 'SELECT 1 FROM certification_results WHERE subject = $1', [offer.subject])).toEqual([]);

  await startCertification();
  const failed = await log.waitFor(offer.subject, 'CertificationFailed');
  expect(failed.data.failures.map((f) => f.check)).toEqual(['vhd-size-limits']);
  await waitFor('the job to be done', async () => (await jobState(db, offer.subject, 1)) === 'done');
  expect(outcomeCounts(offer.subject)).toEqual({ started: 1, results: 1 });
});
