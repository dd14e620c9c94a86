import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { MessagingEvent } from '../codec';
import { describeError } from '../errors';
import { crashPoint } from '../faults';
import { NO_OBSERVER, withLogContext, type MessagingObserver } from '../observe';
import { backoffDelay, Waker, type Backoff } from '../retry';
import type { MessagingRuntime, Stoppable } from '../runtime';
import { poolOf, type Tx, type UnitOfWork } from '../unit-of-work';

export const JOBS_CHANNEL = 'jobs_ready';

export type JobState = 'pending' | 'running' | 'done' | 'canceled' | 'failed';

export interface Job<P = unknown, G = Record<string, unknown>> {
  id: string;
  kind: string;
  subject: string;
  attempt: number;
  payload: P;
  state: JobState;
  tries: number;
  /** Checkpoint written by the worker; a resumed job starts from it. */
  progress: G;
  /** Fencing token of this claim: only the worker holding the current generation may renew, checkpoint or finish. */
  generation: string;
}

export interface NewJob<P = unknown> {
  kind: string;
  /** Tells apart several jobs of one kind for one offer attempt (e.g. one e-mail per event and recipient). */
  key?: string;
  subject: string;
  attempt: number;
  payload: P;
  /** Not before this time: simulated stage durations and retry delays are durable timers. */
  runAfter?: Date;
}

interface JobRow {
  id: string;
  kind: string;
  subject: string;
  attempt: number;
  payload: unknown;
  state: JobState;
  tries: number;
  progress: Record<string, unknown>;
  lease_generation: string;
}

function toJob<P, G>(row: JobRow): Job<P, G> {
  const { lease_generation, ...rest } = row;
  return { ...rest, id: String(row.id), payload: row.payload as P, progress: row.progress as G, generation: String(lease_generation) };
}

/**
 * Creates a job in the caller's transaction (the one consuming the triggering event). One job per
 * (kind, offer, attempt, key): a redelivered trigger creates nothing new. Returns false when it existed.
 */
export async function enqueueJob(tx: Tx, job: NewJob): Promise<boolean> {
  const rows = await tx.query(
    `INSERT INTO jobs (kind, subject, attempt, job_key, payload, run_after)
     VALUES ($1, $2, $3, $4, $5, coalesce($6::timestamptz, now()))
     ON CONFLICT (kind, subject, attempt, job_key) DO NOTHING RETURNING id`,
    [job.kind, job.subject, job.attempt, job.key ?? '', JSON.stringify(job.payload), job.runAfter ?? null],
  );
  if (rows.length) await tx.query(`SELECT pg_notify('${JOBS_CHANNEL}', $1)`, [job.kind]);
  return rows.length > 0;
}

/** Attempts whose jobs to cancel: those before `beforeAttempt`, or every one up to and including `upToAttempt`. */
export type CancelRange = { beforeAttempt: number } | { upToAttempt: number };

/** Cancels the offer's unfinished jobs of the attempts in `range`. */
export async function cancelJobs(tx: Tx, subject: string, range: CancelRange): Promise<number> {
  const [operator, attempt] = 'beforeAttempt' in range ? ['<', range.beforeAttempt] : ['<=', range.upToAttempt];
  const rows = await tx.query(
    `UPDATE jobs SET state = 'canceled', updated_at = now(), lease_until = NULL
     WHERE subject = $1 AND attempt ${operator} $2 AND state IN ('pending', 'running') RETURNING id`,
    [subject, attempt],
  );
  return rows.length;
}

/**
 * The job is no longer this worker's: canceled (a newer attempt, or the publisher canceled), or its lease
 * was lost (another worker took it over after it expired). Stop, do no more side effects, emit nothing.
 */
export class JobCanceled extends Error {
  constructor(
    readonly jobId: string,
    readonly why: 'canceled' | 'lease-lost' = 'canceled',
  ) {
    super(why === 'canceled' ? `job ${jobId} was canceled` : `job ${jobId} lost its lease: another worker has it`);
  }
}

/** The job was canceled or taken over between our check and our update: the transaction is undone. */
class LostMeanwhile extends Error {}

/** The SQL condition that the job is still running under this worker's claim. */
const HELD = `id = $1 AND state = 'running' AND lease_generation = $2`;

/** Given to the worker function: the job, a signal that fires on cancellation, checkpoints and completion. */
export interface JobControl<P, G> {
  readonly job: Job<P, G>;
  /** Aborted when the job is canceled or its lease is lost; pass it to fetches. */
  readonly signal: AbortSignal;
  /**
   * Records progress (and optional events, e.g. a progress event) atomically; throws JobCanceled when the
   * job was canceled. A resumed job sees the last checkpoint in `job.progress`.
   */
  checkpoint(progress: G, emit?: (tx: Tx) => Promise<void> | void): Promise<void>;
}

/**
 * What the worker function decided, applied in one transaction with the job row locked: if the job is
 * still running, `apply` writes the service's state and the result events, and the job becomes done.
 * A canceled job applies nothing.
 */
export interface JobResult {
  apply(tx: Tx): Promise<void> | void;
}

export type JobHandler<P, G> = (control: JobControl<P, G>) => Promise<JobResult>;

export interface JobWorkerOptions {
  kind: string;
  /** Jobs run at the same time by this process. */
  concurrency: number;
  /** A crashed worker's job is taken over once its lease has expired. */
  leaseMs: number;
  pollIntervalMs: number;
  /** Transient failures retried this many times, then `onExhausted` decides. */
  maxTries: number;
  backoff: Backoff;
  /** Called in the transaction that marks the job failed after the last try: emit the stage failure event. */
  onExhausted?: (job: Job<unknown, Record<string, unknown>>, error: string, tx: Tx) => Promise<void> | void;
}

export const DEFAULT_JOB_OPTIONS = {
  concurrency: 16,
  leaseMs: 30_000,
  pollIntervalMs: 1_000,
  maxTries: 5,
  backoff: { initialMs: 1_000, maxMs: 60_000 },
} satisfies Partial<JobWorkerOptions>;

/**
 * Claims ready jobs of one kind with FOR UPDATE SKIP LOCKED (so any number of instances share the work),
 * runs them with bounded concurrency, keeps their leases alive while they run, and applies each result
 * in a transaction that re-checks the job was not canceled meanwhile.
 */
export class JobWorker<P = unknown, G extends Record<string, unknown> = Record<string, unknown>> implements Stoppable {
  private readonly logger: Logger;
  private readonly waker = new Waker();
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private running = false;
  private loop?: Promise<void>;
  private listener?: { release(): Promise<void> };
  readonly stats = { completed: 0, canceled: 0, retried: 0, failed: 0, leasesLost: 0, renewalFailures: 0 };

  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly handler: JobHandler<P, G>,
    private readonly options: JobWorkerOptions,
    private readonly observer: MessagingObserver = NO_OBSERVER,
  ) {
    this.logger = new Logger(`JobWorker:${options.kind}`);
  }

  static create<P, G extends Record<string, unknown>>(
    runtime: MessagingRuntime,
    options: Partial<JobWorkerOptions> & { kind: string },
    handler: JobHandler<P, G>,
  ): JobWorker<P, G> {
    const worker = new JobWorker<P, G>(runtime.dataSource, runtime.unitOfWork, handler, { ...DEFAULT_JOB_OPTIONS, ...options }, runtime.observers);
    runtime.register(worker);
    return worker;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops claiming, lets running jobs finish (their leases keep them safe if they cannot), returns. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.waker.wake();
    await this.loop;
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.all([...this.inFlight.values()].map((f) => f.done)), timeout]);
    for (const flight of this.inFlight.values()) flight.abort.abort();
    await this.listener?.release();
  }

  poke(): void {
    this.waker.wake();
  }

  private async listen(): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const connection = (runner as unknown as { databaseConnection: import('pg').PoolClient }).databaseConnection;
    const onNotification = (message: { channel: string; payload?: string }) => {
      if (message.channel === JOBS_CHANNEL && message.payload === this.options.kind) this.waker.wake();
    };
    // the backend going away is an 'error' event of the idle client (fatal unhandled): the listener is
    // dropped, and the worker listens again on a new connection at its next round
    let lost = false;
    const onError = (error: Error) => {
      if (lost) return;
      lost = true;
      this.logger.warn(`job notifications lost (${error.message}); listening again`);
      const broken = this.listener;
      this.listener = undefined;
      void broken?.release();
      this.waker.wake();
    };
    connection.on('notification', onNotification);
    connection.on('error', onError);
    await runner.query(`LISTEN ${JOBS_CHANNEL}`);
    this.listener = {
      release: async () => {
        // the error listener stays: a client that errs after its release must not end the process
        connection.off('notification', onNotification);
        await runner.query('UNLISTEN *').catch(() => undefined);
        await runner.release().catch(() => undefined);
      },
    };
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        if (!this.listener) await this.listen();
        const free = this.options.concurrency - this.inFlight.size;
        const claimed = free > 0 ? await this.claim(free) : [];
        for (const job of claimed) this.launch(job);
        failures = 0;
        if (claimed.length === 0 || claimed.length === free) await this.waker.wait(this.options.pollIntervalMs);
      } catch (error) {
        failures += 1;
        this.logger.warn(`claiming ${this.options.kind} jobs failed: ${describeError(error)}`);
        await this.listener?.release();
        this.listener = undefined;
        await this.waker.wait(backoffDelay(failures, { initialMs: 200, maxMs: 10_000 }));
      }
    }
  }

  private async claim(limit: number): Promise<Job<P, G>[]> {
    const { rows } = await poolOf(this.dataSource).query<JobRow>(
      `UPDATE jobs SET state = 'running', tries = tries + 1, updated_at = now(), lease_generation = lease_generation + 1,
              lease_until = now() + make_interval(secs => $3)
       WHERE id IN (
         SELECT id FROM jobs
         WHERE kind = $1 AND run_after <= now()
           AND (state = 'pending' OR (state = 'running' AND lease_until < now()))
         ORDER BY run_after, id
         LIMIT $2
         FOR UPDATE SKIP LOCKED)
       RETURNING id, kind, subject, attempt, payload, state, tries, progress, lease_generation`,
      [this.options.kind, limit, this.options.leaseMs / 1000],
    );
    return rows.map((row) => toJob<P, G>(row));
  }

  private launch(job: Job<P, G>): void {
    const abort = new AbortController();
    // every line logged about the job names its offer, attempt and correlation (a stage job's payload carries it)
    const correlationId = (job.payload as { correlationId?: unknown } | null)?.correlationId;
    const context = {
      subject: job.subject,
      attempt: job.attempt,
      correlationId: typeof correlationId === 'string' ? correlationId : undefined,
      jobKind: job.kind,
      jobId: job.id,
    };
    const done = withLogContext(context, () => this.execute(job, abort)).finally(() => {
      this.inFlight.delete(job.id);
      this.waker.wake();
    });
    this.inFlight.set(job.id, { abort, done });
  }

  private async execute(job: Job<P, G>, abort: AbortController): Promise<void> {
    const started = process.hrtime.bigint();
    const finished = (outcome: 'done' | 'canceled' | 'retried' | 'failed') =>
      this.observer.onJobFinished?.({ kind: job.kind, outcome, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    const lease = setInterval(
      () => {
        this.renewLease(job).then(
          (held) => {
            if (held || abort.signal.aborted) return;
            this.stats.leasesLost += 1;
            this.logger.warn(
              `job ${job.kind} ${job.subject}#${job.attempt} (id ${job.id}, generation ${job.generation}) lost its lease or was canceled; stopping its work`,
            );
            abort.abort(new JobCanceled(job.id, 'lease-lost'));
          },
          (error: unknown) => {
            // the lease may still be ours; if it expires meanwhile, the generation check refuses what follows
            this.stats.renewalFailures += 1;
            this.logger.warn(`renewing the lease of job ${job.kind} ${job.subject}#${job.attempt} failed: ${describeError(error)}`);
          },
        );
      },
      Math.max(100, Math.floor(this.options.leaseMs / 3)),
    );
    try {
      const control: JobControl<P, G> = {
        job,
        signal: abort.signal,
        checkpoint: (progress, emit) => this.checkpoint(job, progress, emit),
      };
      const result = await this.handler(control);
      crashPoint('job.afterWork');
      const applied = await this.finish(job, result);
      crashPoint('job.afterCommit');
      if (applied) this.stats.completed += 1;
      else this.stats.canceled += 1;
      finished(applied ? 'done' : 'canceled');
    } catch (error) {
      if (error instanceof JobCanceled || abort.signal.aborted) {
        this.stats.canceled += 1;
        finished('canceled');
        return;
      }
      await this.retryOrFail(job, describeError(error)).then(
        (outcome) => outcome && finished(outcome),
        (e) => this.logger.warn(`could not record failure of job ${job.id}: ${describeError(e)}; its lease will expire`),
      );
    } finally {
      clearInterval(lease);
    }
  }

  private async renewLease(job: Job<P, G>): Promise<boolean> {
    const { rows } = await poolOf(this.dataSource).query(`UPDATE jobs SET lease_until = now() + make_interval(secs => $3) WHERE ${HELD} RETURNING id`, [
      job.id,
      job.generation,
      this.options.leaseMs / 1000,
    ]);
    return rows.length > 0;
  }

  private async checkpoint(job: Job<P, G>, progress: G, emit?: (tx: Tx) => Promise<void> | void): Promise<void> {
    await this.unitOfWork.run(async (tx) => {
      // the update takes the row lock and tells whether the job is still ours, in one statement
      const updated = await tx.query(
        `UPDATE jobs SET progress = $3, updated_at = now(), lease_until = now() + make_interval(secs => $4)
         WHERE ${HELD} RETURNING id`,
        [job.id, job.generation, JSON.stringify(progress), this.options.leaseMs / 1000],
      );
      if (updated.length === 0) throw new JobCanceled(job.id, 'lease-lost');
      await emit?.(tx);
    });
    job.progress = progress;
  }

  /**
   * Lock order, everywhere: the service's own rows of the offer (its attempt row) first, job rows after.
   * Event handlers lock the attempt and then cancel or create jobs; so a completion applies its result
   * (which locks the attempt) before it locks the job row, and undoes it all if the job turns out to be
   * no longer ours.
   */
  private async finish(job: Job<P, G>, result: JobResult): Promise<boolean> {
    return this.unitOfWork
      .run(async (tx) => {
        if (!(await this.stillHeld(tx, job))) return false; // canceled or taken over meanwhile: apply nothing
        await result.apply(tx);
        const updated = await tx.query(`UPDATE jobs SET state = 'done', lease_until = NULL, updated_at = now() WHERE ${HELD} RETURNING id`, [
          job.id,
          job.generation,
        ]);
        if (updated.length === 0) throw new LostMeanwhile();
        return true;
      })
      .catch((error: unknown) => {
        if (error instanceof LostMeanwhile) return false;
        throw error;
      });
  }

  /** Whether the job is still running under our claim, without locking its row (see the lock order). */
  private async stillHeld(tx: Tx, job: Job<P, G>): Promise<boolean> {
    return (await tx.query(`SELECT id FROM jobs WHERE ${HELD}`, [job.id, job.generation])).length > 0;
  }

  private async retryOrFail(job: Job<P, G>, error: string): Promise<'retried' | 'failed' | undefined> {
    return this.unitOfWork
      .run(async (tx): Promise<'retried' | 'failed' | undefined> => {
        if (job.tries < this.options.maxTries) {
          const delay = backoffDelay(job.tries, this.options.backoff);
          this.stats.retried += 1;
          this.logger.warn(`job ${job.kind} ${job.subject}#${job.attempt} failed (try ${job.tries}/${this.options.maxTries}): ${error}; retry in ${delay} ms`);
          await tx.query(
            `UPDATE jobs SET state = 'pending', lease_until = NULL, last_error = $3, updated_at = now(),
                  run_after = now() + make_interval(secs => $4) WHERE ${HELD}`,
            [job.id, job.generation, error, delay / 1000],
          );
          return 'retried';
        }
        // the failure event first (it may lock the offer's attempt row), the job row after: the lock order
        if (!(await this.stillHeld(tx, job))) return undefined;
        await this.options.onExhausted?.(job as Job<unknown, Record<string, unknown>>, error, tx);
        const updated = await tx.query(`UPDATE jobs SET state = 'failed', lease_until = NULL, last_error = $3, updated_at = now() WHERE ${HELD} RETURNING id`, [
          job.id,
          job.generation,
          error,
        ]);
        if (updated.length === 0) throw new LostMeanwhile();
        this.stats.failed += 1;
        this.logger.error(`job ${job.kind} ${job.subject}#${job.attempt} failed after ${job.tries} tries: ${error}`);
        return 'failed';
      })
      .catch((e: unknown) => {
        if (!(e instanceof LostMeanwhile)) throw e;
        return undefined;
      });
  }
}

/** A result that only emits events. */
export function emitting(...events: MessagingEvent[]): JobResult {
  return { apply: (tx) => tx.emit(...events) };
}
