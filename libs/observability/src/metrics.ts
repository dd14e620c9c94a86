import { Controller, Get, Inject, Injectable, Logger, Res, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { MessagingRuntime, type MessagingObserver } from '@mkt/messaging';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { OBSERVABILITY_SETTINGS } from './tokens';
import { withTimeout, type ObservabilitySettings } from './settings';

const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The service's Prometheus metrics (one registry per application, `service` label on every series):
 * Node's defaults, what the messaging library reports through its observer port, the HTTP requests, and
 * gauges read from the database at scrape time (outbox backlog, parked rows, job queues), each query
 * bounded by METRICS_QUERY_TIMEOUT_MS.
 */
@Injectable()
export class ServiceMetrics implements MessagingObserver, OnModuleInit, OnModuleDestroy {
  readonly registry = new Registry();
  private readonly logger = new Logger('Metrics');
  private detach?: () => void;

  readonly eventsConsumed = new Counter({
    name: 'marketplace_events_consumed_total',
    help: 'Events the consumer took, by event type and outcome (handled, duplicate, dead-lettered)',
    labelNames: ['type', 'outcome'],
    registers: [this.registry],
  });
  readonly eventsProduced = new Counter({
    name: 'marketplace_events_produced_total',
    help: 'Records the outbox relay published to Kafka, by event type',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly handlerDuration = new Histogram({
    name: 'marketplace_event_handler_duration_seconds',
    help: "Time of one event handler call (inside the consumer's transaction), by event type and result",
    labelNames: ['type', 'result'],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly inboxDuplicates = new Counter({
    name: 'marketplace_inbox_duplicates_total',
    help: 'Redeliveries the inbox dropped (an event id this consumer had already handled), by event type',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'marketplace_dead_letters_total',
    help: 'Records this service wrote to the dead-letter topic, by event type and failure code',
    labelNames: ['type', 'code'],
    registers: [this.registry],
  });
  readonly jobsFinished = new Counter({
    name: 'marketplace_jobs_finished_total',
    help: 'Job runs that ended, by kind and outcome (done, canceled, retried, failed)',
    labelNames: ['kind', 'outcome'],
    registers: [this.registry],
  });
  readonly jobDuration = new Histogram({
    name: 'marketplace_job_duration_seconds',
    help: 'Time of one job run, by kind',
    labelNames: ['kind'],
    buckets: [...DURATION_BUCKETS, 60, 300],
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'marketplace_http_request_duration_seconds',
    help: 'HTTP requests, by method, route pattern (not the concrete URL) and status code',
    labelNames: ['method', 'route', 'status'],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly scrapeQueryFailures = new Counter({
    name: 'marketplace_metrics_query_failures_total',
    help: 'Scrape-time database queries that failed or took longer than METRICS_QUERY_TIMEOUT_MS, by gauge',
    labelNames: ['gauge'],
    registers: [this.registry],
  });

  constructor(
    @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime,
    @Inject(OBSERVABILITY_SETTINGS) private readonly settings: ObservabilitySettings,
  ) {
    this.registry.setDefaultLabels({ service: runtime.options.service });
    collectDefaultMetrics({ register: this.registry });
    const query = <T>(gauge: string, work: () => Promise<T>) => this.query(gauge, work);
    const relay = runtime.relay;
    new Gauge({
      name: 'marketplace_outbox_backlog',
      help: 'Outbox rows waiting to be published (neither published nor parked nor held behind a parked row)',
      registers: [this.registry],
      async collect() {
        const value = await query('outbox_backlog', () => relay.pendingCount());
        if (value !== undefined) this.set(value);
      },
    });
    new Gauge({
      name: 'marketplace_outbox_parked_rows',
      help: 'Outbox rows parked because the broker refuses them for good (operators release them)',
      registers: [this.registry],
      async collect() {
        const value = await query('outbox_parked_rows', () => relay.parkedCount());
        if (value !== undefined) this.set(value);
      },
    });
    const jobs = () =>
      this.query('jobs', async () => {
        const rows: Array<{ kind: string; depth: number; oldest: number | null }> = await this.runtime.dataSource.query(
          `SELECT kind, count(*)::int AS depth, extract(epoch FROM now() - min(run_after))::float8 AS oldest
             FROM jobs WHERE state IN ('pending', 'running') AND run_after <= now() GROUP BY kind`,
        );
        return rows;
      });
    let jobRows: ReturnType<typeof jobs> | undefined;
    /** One query for both job gauges of a scrape. */
    const jobsOfScrape = () => {
      jobRows ??= jobs().finally(() => setImmediate(() => (jobRows = undefined)));
      return jobRows;
    };
    const hasJobs = this.runtime.dataSource
      .query(`SELECT to_regclass('jobs') IS NOT NULL AS present`)
      .then((rows: Array<{ present: boolean }>) => rows[0]?.present === true)
      .catch(() => true);
    new Gauge({
      name: 'marketplace_job_queue_depth',
      help: 'Jobs due to run or running, by kind',
      labelNames: ['kind'],
      registers: [this.registry],
      async collect() {
        if (!(await hasJobs)) return;
        const rows = await jobsOfScrape();
        this.reset();
        for (const row of rows ?? []) this.set({ kind: row.kind }, row.depth);
      },
    });
    new Gauge({
      name: 'marketplace_job_oldest_age_seconds',
      help: 'Age of the oldest job that is due (since it became due), by kind',
      labelNames: ['kind'],
      registers: [this.registry],
      async collect() {
        if (!(await hasJobs)) return;
        const rows = await jobsOfScrape();
        this.reset();
        for (const row of rows ?? []) this.set({ kind: row.kind }, Math.max(0, row.oldest ?? 0));
      },
    });
  }

  /** A counter of the service's own (e.g. notification's mails), created once in this registry. */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Counter<L>;
    return new Counter<L>({ name, help, labelNames, registers: [this.registry] });
  }

  onModuleInit(): void {
    this.detach = this.runtime.observers.add(this);
  }

  onModuleDestroy(): void {
    this.detach?.();
  }

  /** A scrape-time query, bounded; undefined (and counted) when it fails or is late. */
  private async query<T>(gauge: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await withTimeout(work(), this.settings.metricsQueryTimeoutMs, `the ${gauge} query`);
    } catch (error) {
      this.scrapeQueryFailures.inc({ gauge });
      this.logger.debug(`metric ${gauge} not read: ${(error as Error).message}`);
      return undefined;
    }
  }

  onConsumed({ type, outcome }: { type: string; outcome: 'handled' | 'duplicate' | 'dead-lettered' }): void {
    this.eventsConsumed.inc({ type, outcome });
    if (outcome === 'duplicate') this.inboxDuplicates.inc({ type });
  }

  onHandlerDuration({ type, seconds, ok }: { type: string; seconds: number; ok: boolean }): void {
    this.handlerDuration.observe({ type, result: ok ? 'ok' : 'error' }, seconds);
  }

  onDeadLettered({ type, code }: { type: string; code: string }): void {
    this.deadLetters.inc({ type, code });
  }

  onProduced({ type, count }: { type: string; count: number }): void {
    this.eventsProduced.inc({ type }, count);
  }

  onJobFinished({ kind, outcome, seconds }: { kind: string; outcome: string; seconds: number }): void {
    this.jobsFinished.inc({ kind, outcome });
    this.jobDuration.observe({ kind }, seconds);
  }

  /** Times every HTTP request by its route pattern (`/api/publishers/:publisherId/offers`), never the concrete URL. */
  installHttpHook(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions?.url ?? 'unmatched';
      this.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      done();
    });
  }
}

/** `GET /metrics`: the Prometheus text exposition of the service's registry. */
@Controller()
export class MetricsController {
  constructor(@Inject(ServiceMetrics) private readonly metrics: ServiceMetrics) {}

  @Get('metrics')
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    const text = await this.metrics.registry.metrics();
    await reply.status(200).header('content-type', this.metrics.registry.contentType).send(text);
  }
}
