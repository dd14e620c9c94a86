import { createOfferEvent } from '@mkt/events';
import { join } from 'node:path';
import { Pool } from 'pg';
import { JobTestRuntime, startProcess, waitFor } from '@mkt/testing';
import { FENCED_KIND, fencedHandler } from './fixtures/fenced-worker';
import { cancelJobs, enqueueJob, JOB_MIGRATIONS, type MessagingRuntime } from '../src';

const harness = new JobTestRuntime('jobs', JOB_MIGRATIONS);
let runtime: MessagingRuntime;

beforeAll(async () => {
  runtime = await harness.start();
});

afterAll(() => harness.stop());

const worker = harness.worker.bind(harness);

function wentLive(subject: string, attempt: number) {
  return createOfferEvent('WentLive', { catalogUrl: `https://catalog/${subject}` }, { subject, attempt, correlationId: 'c' }, { source: '/test' });
}

async function enqueue(kind: string, subject: string, attempt = 1, payload: unknown = {}) {
  return runtime.unitOfWork.run((tx) => enqueueJob(tx, { kind, subject, attempt, payload }));
}

async function jobRow(kind: string, subject: string) {
  const [row] = await runtime.dataSource.query('SELECT state, tries, progress, last_error FROM jobs WHERE kind = $1 AND subject = $2', [kind, subject]);
  return row as { state: string; tries: number; progress: Record<string, unknown>; last_error: string | null };
}

async function outboxFor(subject: string): Promise<number> {
  const [row] = await runtime.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE message_key = $1`, [subject]);
  return row.n;
}

test('a job is created once per (kind, offer, attempt), runs once, and its result events are written with it', async () => {
  expect(await enqueue('once', 'p/a')).toBe(true);
  expect(await enqueue('once', 'p/a')).toBe(false); // redelivered trigger
  let runs = 0;
  worker('once', async ({ job }) => {
    runs += 1;
    return { apply: (tx) => tx.emit(wentLive(job.subject, job.attempt)) };
  });
  await waitFor('job done', async () => (await jobRow('once', 'p/a')).state === 'done');
  expect(runs).toBe(1);
  expect(await outboxFor('p/a')).toBe(1);
});

test('many jobs shared by two workers: each runs exactly once', async () => {
  const subjects = Array.from({ length: 60 }, (_, i) => `p/shared-${i}`);
  for (const s of subjects) await enqueue('shared', s);
  const runs = new Map<string, number>();
  const handler = async ({ job }: { job: { subject: string; attempt: number } }) => {
    runs.set(job.subject, (runs.get(job.subject) ?? 0) + 1);
    await new Promise((r) => setImmediate(r));
    return { apply: () => undefined };
  };
  worker('shared', handler);
  worker('shared', handler);
  await waitFor('all shared jobs done', async () => {
    const [row] = await runtime.dataSource.query(`SELECT count(*)::int AS n FROM jobs WHERE kind = 'shared' AND state = 'done'`);
    return row.n === 60;
  });
  expect(runs.size).toBe(60);
  expect([...runs.values()].every((n) => n === 1)).toBe(true);
});

test('a job canceled while it runs is aborted and applies nothing', async () => {
  await enqueue('cancel', 'p/c', 1);
  let started = false;
  let aborted = false;
  worker('cancel', async ({ job, signal }) => {
    started = true;
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    aborted = signal.aborted;
    return { apply: (tx) => tx.emit(wentLive(job.subject, job.attempt)) };
  });
  await waitFor('job started', () => started);
  expect(await runtime.unitOfWork.run((tx) => cancelJobs(tx, 'p/c', { beforeAttempt: 2 }))).toBe(1);
  await waitFor('worker noticed the cancel', () => aborted);
  expect((await jobRow('cancel', 'p/c')).state).toBe('canceled');
  expect(await outboxFor('p/c')).toBe(0);
});

test('a transient failure is retried with backoff, then the job completes', async () => {
  await enqueue('flaky', 'p/f');
  let tries = 0;
  worker('flaky', async () => {
    tries += 1;
    if (tries === 1) throw new Error('region API timed out');
    return { apply: () => undefined };
  });
  await waitFor('flaky job done', async () => (await jobRow('flaky', 'p/f')).state === 'done');
  expect(await jobRow('flaky', 'p/f')).toMatchObject({ tries: 2, last_error: 'region API timed out' });
});

test('after the last try, onExhausted writes the failure in the same transaction', async () => {
  await enqueue('doomed', 'p/d');
  worker(
    'doomed',
    async () => {
      throw new Error('always broken');
    },
    {
      maxTries: 2,
      onExhausted: (job, error, tx) =>
        tx.emit(
          createOfferEvent(
            'GoLiveFailed',
            { code: 'x', reason: error, action: 'retry' },
            { subject: job.subject, attempt: job.attempt, correlationId: 'c' },
            { source: '/t' },
          ),
        ),
    },
  );
  await waitFor('doomed job failed', async () => (await jobRow('doomed', 'p/d')).state === 'failed');
  expect((await jobRow('doomed', 'p/d')).tries).toBe(2);
  expect(await outboxFor('p/d')).toBe(1);
});

test('a job whose worker died is taken over after its lease expires and resumes from its checkpoint', async () => {
  await enqueue('resume', 'p/r');
  // what a SIGKILLed worker leaves behind: running, a checkpoint, a lease that will run out
  await runtime.dataSource.query(
    `UPDATE jobs SET state = 'running', tries = 1, progress = '{"done": ["eastus", "westus"]}', lease_until = now() + interval '300 milliseconds' WHERE kind = 'resume'`,
  );
  const seen: unknown[] = [];
  worker('resume', async (control) => {
    seen.push(control.job.progress);
    await control.checkpoint({ done: ['eastus', 'westus', 'northeurope'] }, (tx) => tx.emit(wentLive('p/r', 1)));
    return { apply: () => undefined };
  });
  await waitFor('resumed job done', async () => (await jobRow('resume', 'p/r')).state === 'done');
  expect(seen).toEqual([{ done: ['eastus', 'westus'] }]);
  expect((await jobRow('resume', 'p/r')).progress).toEqual({ done: ['eastus', 'westus', 'northeurope'] });
  expect(await outboxFor('p/r')).toBe(1);
});

describe('fenced leases', () => {
  test('a worker stuck past its lease is fenced off: its checkpoint and finish are refused, it does no more side effects, one result event', async () => {
    await runtime.dataSource.query('CREATE TABLE side_effects (id bigserial PRIMARY KEY, worker text NOT NULL, step text NOT NULL)');
    const subject = 'p/fenced';
    await enqueue(FENCED_KIND, subject);
    // Worker A, its own process: starts the job, then is frozen (SIGSTOP) in the middle of it.
    const a = startProcess(join(__dirname, 'fixtures', 'fenced-worker.ts'), {
      WORKER_NAME: 'A',
      PAUSE_MS: '1500',
      LEASE_MS: '1000',
      FENCED_TOPIC: runtime.kafkaSettings.eventsTopic,
      FENCED_DATABASE: harness.db.name,
      DATABASE_URL: harness.db.serverUrl,
      SIDE_EFFECTS_URL: harness.db.url,
    });
    const sideEffects = new Pool({ connectionString: harness.db.url, max: 2 });
    try {
      await a.waitForOutput(/A started job \d+ generation 1/);
      a.process.kill('SIGSTOP');
      // Worker B takes the job over once A's lease has expired, and finishes it.
      worker(FENCED_KIND, fencedHandler(sideEffects, 'B', 0) as never, { leaseMs: 1000 });
      await waitFor('B finished the job', async () => (await jobRow(FENCED_KIND, subject)).state === 'done', { timeoutMs: 15_000 });
      a.process.kill('SIGCONT');
      // A wakes up: its renewal or checkpoint is refused, it learns it lost the job and stops.
      await a.waitForOutput(/"leasesLost":1|lost its lease/, { timeoutMs: 10_000 });
      await a.waitForOutput(/stats .*"completed":0/);
      const steps = (await runtime.dataSource.query('SELECT worker, step FROM side_effects ORDER BY id')).map(
        (r: { worker: string; step: string }) => `${r.worker}:${r.step}`,
      );
      expect(steps).toEqual(['A:started', 'B:started', 'B:after-checkpoint']);
      const events = await runtime.dataSource.query(
        `SELECT headers->>'ce_type' AS type, convert_from(payload, 'UTF8') AS payload FROM outbox WHERE message_key = $1`,
        [subject],
      );
      expect(events).toEqual([{ type: 'marketplace.offer.WentLive', payload: expect.stringContaining('catalog.test/B') }]);
      const [row] = await runtime.dataSource.query('SELECT lease_generation::int AS generation, progress FROM jobs WHERE subject = $1', [subject]);
      expect(row).toEqual({ generation: 2, progress: { step: 1 } });
    } finally {
      await a.kill('SIGKILL');
      await sideEffects.end();
    }
  });
});
