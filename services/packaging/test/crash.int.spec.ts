/**
 * A crash between sending the test lead and committing the result: the service is SIGKILLed right after
 * the work of the packaging job (MKT_CRASH_AT=job.afterWork). A restarted instance takes the job over when
 * its lease expires and resumes from its checkpoints: the lead is not sent again (the successful send was
 * checkpointed), PackagingStarted is not announced twice, and PreviewReady comes once. (A crash between the
 * POST and that checkpoint resends with the same Idempotency-Key: the lost-answer test of
 * packaging.int.spec.ts covers that path.)
 */
import { EventLog, TestDatabase, TestTopics, publishEvents, uniqueId, waitFor, waitForGroupCaughtUp, type ChildHandle } from '@mkt/testing';
import { testLeadId } from '../src/domain';
import { LeadEndpoint, baseDraft, events, newOffer, queryDb, startPackaging } from './support';

const topics = new TestTopics();
const children: ChildHandle[] = [];
let db: TestDatabase;
let log: EventLog;
let endpoint: LeadEndpoint;

beforeAll(async () => {
  db = await new TestDatabase('packaging_crash').create();
  endpoint = await new LeadEndpoint().start();
});

afterAll(async () => {
  await Promise.all(children.map((c) => c.kill('SIGKILL')));
  await Promise.all([log?.stop(), endpoint?.stop()]);
  await db?.drop();
  await topics.cleanup();
});

test('a packaging job killed after sending the lead is resumed elsewhere without resending the lead or announcing PackagingStarted again', async () => {
  const topic = await topics.create('packaging-crash');
  const deadLetterTopic = await topics.create('packaging-crash-dlq');
  const group = uniqueId('packaging-crash-');
  log = await new EventLog(topic).start();
  const setup = { db, topic, deadLetterTopic, group, env: { JOB_LEASE_MS: '1500' } };

  const doomed = await startPackaging({ ...setup, env: { ...setup.env, MKT_CRASH_AT: 'job.afterWork' } });
  children.push(doomed);
  const offer = newOffer('crash');
  const path = `/ok/${offer.offerId}`;
  const draft = baseDraft({ leadDestination: { type: 'https', https: { url: endpoint.url(path), authorization: 'Bearer k' } } });
  await publishEvents(topic, [events.submitted(offer, 1, draft), events.replicated(offer, 1)], { twice: true });

  expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });
  expect(endpoint.requestsTo(path)).toHaveLength(1);
  const leadId = testLeadId(offer.subject, 1);
  const [job] = await queryDb<{ state: string; progress: { startedAt?: string; lead?: unknown } }>(db, `SELECT state, progress FROM jobs WHERE subject = $1`, [
    offer.subject,
  ]);
  expect(job.state).toBe('running');
  expect(job.progress).toEqual({ startedAt: expect.any(String), lead: { destination: 'https', leadId } });

  const survivor = await startPackaging(setup);
  children.push(survivor);
  const preview = await log.waitFor(offer.subject, 'PreviewReady');
  expect(preview.data.testLead).toEqual({ destination: 'https', leadId });
  expect(endpoint.requestsTo(path)).toHaveLength(1);

  await waitForGroupCaughtUp(group, topic);
  await waitFor(
    'the outbox to be relayed',
    async () => (await queryDb<{ n: number }>(db, 'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL'))[0].n === 0,
  );
  expect(log.of(offer.subject, 'PackagingStarted')).toHaveLength(1);
  expect(log.of(offer.subject, 'PreviewReady')).toHaveLength(1);
  expect(await queryDb(db, 'SELECT state, tries FROM jobs WHERE subject = $1', [offer.subject])).toEqual([{ state: 'done', tries: 2 }]);
});
