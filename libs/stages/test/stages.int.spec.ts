/**
 * The stage kit against a real PostgreSQL: the one lock order (attempt row first, job rows after) under
 * racing handlers and job completions, and the executor applying a decision in that order.
 */
import { createOfferEvent } from '@mkt/events';
import { cancelJobs, enqueueJob, PermanentEventError, type MessagingRuntime, type Tx } from '@mkt/messaging';
import { JobTestRuntime, waitFor } from '@mkt/testing';
import {
  accepted,
  applyDecision,
  attemptStore,
  causeOfEvent,
  ignored,
  lockAttempt,
  rejected,
  runStage,
  saveAttempt,
  STAGE_MIGRATIONS,
  type AttemptRecord,
  type Decision,
  type Stage,
} from '../src';

const harness = new JobTestRuntime('stages', STAGE_MIGRATIONS);
let runtime: MessagingRuntime;

beforeAll(async () => {
  runtime = await harness.start();
});

afterAll(() => harness.stop());

const worker = harness.worker.bind(harness);

describe('one lock order', () => {
  test('handler events and job completions race on the same 100 offers: no deadlock, each offer ends done or canceled', async () => {
    const kind = 'race';
    const subjects = Array.from({ length: 100 }, (_, i) => `p/race-${i}`);
    await runtime.unitOfWork.run(async (tx) => {
      for (const subject of subjects) {
        await saveAttempt(tx, subject, { attempt: 1, state: 'running' });
        await enqueueJob(tx, { kind, subject, attempt: 1, payload: {} });
      }
    });
    // The job completion locks the offer's attempt row, as every stage's does.
    const w = worker(
      kind,
      (async ({ job }: { job: { subject: string } }) => ({
        apply: async (tx: Tx) => {
          await lockAttempt(tx, job.subject);
          await tx.query('SELECT pg_sleep(0.005)');
          await saveAttempt(tx, job.subject, { attempt: 1, state: 'done' });
        },
      })) as never,
      { concurrency: 16 },
    );
    // Meanwhile an event handler per offer (a cancel): attempt row first, then the offer's jobs.
    const errors: string[] = [];
    await Promise.all(
      subjects.map((subject) =>
        runtime.unitOfWork
          .run(async (tx) => {
            await lockAttempt(tx, subject);
            await tx.query('SELECT pg_sleep(0.005)');
            await cancelJobs(tx, subject, { upToAttempt: 1 });
            await saveAttempt(tx, subject, { attempt: 1, state: 'canceled' });
          })
          .catch((error: Error & { code?: string }) => errors.push(`${error.code}: ${error.message}`)),
      ),
    );
    await waitFor('every job settled', async () => {
      const [row] = await runtime.dataSource.query(`SELECT count(*)::int AS n FROM jobs WHERE kind = $1 AND state IN ('pending', 'running')`, [kind]);
      return row.n === 0;
    });
    expect(errors).toEqual([]);
    expect(w.stats.retried).toBe(0); // no completion failed (a deadlock would have made it retry)
    const states = await runtime.dataSource.query(
      `SELECT j.state AS job, a.state AS attempt FROM jobs j JOIN offer_attempts a USING (subject) WHERE j.kind = $1`,
      [kind],
    );
    expect(states).toHaveLength(100);
    for (const { job, attempt } of states) {
      // the attempt row tells who came last; the job's end agrees with it
      expect(['done', 'canceled']).toContain(job);
      if (job === 'canceled') expect(attempt).toBe('canceled');
    }
  });
});

describe('the executor', () => {
  type State = AttemptRecord<'working' | 'done'> | undefined;
  const store = attemptStore(['working', 'done'] as const, 'test');

  /** A Tx that records the statements it is given, in order. */
  function recording(tx: Tx, statements: string[]): Tx {
    return {
      query: (sql, parameters) => {
        statements.push(sql.trim().split(/\s+/).slice(0, 3).join(' '));
        return tx.query(sql, parameters);
      },
      emit: (...events) => {
        statements.push(`emit ${events.map((e) => e.type).join(',')}`);
        tx.emit(...events);
      },
    };
  }

  const submitted = (subject: string, attempt: number) =>
    createOfferEvent('GoLiveRequested', { requestedBy: 'alice' }, { subject, attempt, correlationId: `corr-${subject}` }, { source: '/test' });

  test('an accepted decision: the attempt row, then the effects, then cancels and new jobs, then the events, in one transaction', async () => {
    const subject = 'p/executor-order';
    const event = submitted(subject, 2);
    await runtime.unitOfWork.run(async (tx) => {
      await saveAttempt(tx, subject, { attempt: 1, state: 'working' });
      await enqueueJob(tx, { kind: 'old', subject, attempt: 1, payload: {} });
    });
    const statements: string[] = [];
    const effects: string[] = [];
    const decision: Decision<State, { note: string }> = accepted({
      state: { attempt: 2, state: 'working' },
      cancelJobs: { beforeAttempt: 2 },
      jobs: [
        { kind: 'work', key: 'a', payload: { what: 'x' } },
        { kind: 'work', key: 'b' },
      ],
      events: [{ type: 'WentLive', data: { catalogUrl: 'https://catalog.test/x' } }],
      effects: [{ note: 'own rows' }],
    });
    const now = new Date('2025-01-10T12:00:00Z');
    const emitted = await runtime.unitOfWork.run(async (tx) => {
      const seen = recording(tx, statements);
      return applyDecision({ tx: seen, cause: causeOfEvent(event), source: '/marketplace/test', now }, decision, {
        store,
        effects: async (effect, applied) => {
          effects.push(`${effect.note}, emitting ${applied.events.map((e) => e.id).join(',')}`);
          statements.push('effect');
        },
      });
    });
    const notify = "SELECT pg_notify('jobs_ready', $1)";
    expect(statements).toEqual([
      'INSERT INTO offer_attempts',
      'effect',
      'UPDATE jobs SET',
      'INSERT INTO jobs',
      notify,
      'INSERT INTO jobs',
      notify,
      'emit WentLive',
    ]);
    expect(effects).toEqual([`own rows, emitting ${emitted[0].id}`]);
    expect(emitted).toEqual([
      expect.objectContaining({
        type: 'WentLive',
        subject,
        attempt: 2,
        correlationId: `corr-${subject}`,
        causationId: event.id,
        source: '/marketplace/test',
        time: now.toISOString(),
      }),
    ]);
    const jobs = await runtime.dataSource.query('SELECT kind, job_key, attempt, state, payload FROM jobs WHERE subject = $1 ORDER BY id', [subject]);
    expect(jobs).toEqual([
      { kind: 'old', job_key: '', attempt: 1, state: 'canceled', payload: {} },
      { kind: 'work', job_key: 'a', attempt: 2, state: 'pending', payload: { what: 'x', correlationId: `corr-${subject}`, causationId: event.id } },
      { kind: 'work', job_key: 'b', attempt: 2, state: 'pending', payload: { correlationId: `corr-${subject}`, causationId: event.id } },
    ]);
    expect(await runtime.unitOfWork.run((tx) => lockAttempt(tx, subject))).toEqual({ attempt: 2, state: 'working' });
    const [outbox] = await runtime.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE message_key = $1`, [subject]);
    expect(outbox.n).toBe(1);
  });

  test('the same decision applied again (a redelivery the decider did not see as one) creates no second job', async () => {
    const subject = 'p/executor-twice';
    const event = submitted(subject, 1);
    const decision: Decision<State> = accepted({ state: { attempt: 1, state: 'working' }, jobs: [{ kind: 'work' }] });
    for (let i = 0; i < 2; i += 1) {
      await runtime.unitOfWork.run((tx) => applyDecision({ tx, cause: causeOfEvent(event), source: '/test', now: new Date() }, decision, { store }));
    }
    const [row] = await runtime.dataSource.query('SELECT count(*)::int AS n FROM jobs WHERE subject = $1', [subject]);
    expect(row.n).toBe(1);
  });

  test('ignored changes nothing; rejected dead-letters (a PermanentEventError with its code)', async () => {
    const subject = 'p/executor-ignored';
    const event = submitted(subject, 1);
    const stage: Stage<State, string, never> = {
      store,
      decider: {
        initialState: undefined,
        decide: (input) => (input === 'ignore' ? ignored('nothing to do') : rejected('cannot be', 'test-code')),
        evolve: (state) => state,
      },
    };
    const scope = (tx: Tx) => ({ tx, cause: causeOfEvent(event), source: '/test', now: new Date() });
    expect(await runtime.unitOfWork.run((tx) => runStage(stage, 'ignore', scope(tx)))).toEqual([]);
    const failure = await runtime.unitOfWork.run((tx) => runStage(stage, 'reject', scope(tx))).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PermanentEventError);
    expect(failure).toMatchObject({ reason: 'cannot be', code: 'test-code' });
    expect(await runtime.unitOfWork.run((tx) => lockAttempt(tx, subject))).toBeUndefined();
  });
});
