import { Controller, Get, Inject, Injectable, Res } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult, type HealthIndicatorResult } from '@nestjs/terminus';
import { EventsTransport, MessagingRuntime } from '@mkt/messaging';
import type { FastifyReply } from 'fastify';
import { OBSERVABILITY_SETTINGS } from './tokens';
import { withTimeout, type ObservabilitySettings } from './settings';

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The checks of readiness, each a terminus indicator: down = the service should get no traffic now. */
@Injectable()
export class ReadinessIndicators {
  constructor(
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime,
    @Inject(EventsTransport) private readonly transport: EventsTransport,
    @Inject(OBSERVABILITY_SETTINGS) private readonly settings: ObservabilitySettings,
  ) {}

  /** PostgreSQL answers `SELECT 1` in time. */
  async database(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('database');
    const started = Date.now();
    try {
      await withTimeout(this.runtime.dataSource.query('SELECT 1'), this.settings.readyCheckTimeoutMs, 'PostgreSQL');
      return check.up({ latencyMs: Date.now() - started });
    } catch (error) {
      return check.down({ reason: reasonOf(error) });
    }
  }

  /** The broker answers a metadata request in time. */
  async kafka(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('kafka');
    const started = Date.now();
    try {
      const cluster = await this.runtime.probeBroker(this.settings.readyCheckTimeoutMs);
      return check.up({ brokers: cluster.brokers, latencyMs: Date.now() - started });
    } catch (error) {
      return check.down({ reason: reasonOf(error) });
    }
  }

  /** The event consumer runs (not stopped, not rejoining its group after the client gave up). */
  async consumer(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('consumer');
    if (!this.transport.listening) return check.up({ consuming: false });
    if (this.transport.running) return check.up({ consuming: true });
    return check.down({ reason: 'the event consumer is not running (starting, stopping, or rejoining its group after a Kafka failure)' });
  }

  /** The outbox relay keeps up: the rows waiting to be published stay under READY_MAX_OUTBOX_BACKLOG. */
  async outbox(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('outbox');
    const limit = this.settings.readyMaxOutboxBacklog;
    try {
      const pending = await withTimeout(this.runtime.relay.pendingCount(), this.settings.readyCheckTimeoutMs, 'the outbox count');
      if (pending <= limit) return check.up({ pending, limit });
      return check.down({ pending, limit, reason: `${pending} outbox rows wait to be published, more than READY_MAX_OUTBOX_BACKLOG=${limit}` });
    } catch (error) {
      return check.down({ limit, reason: `the backlog could not be counted: ${reasonOf(error)}` });
    }
  }

  all(): Array<() => Promise<HealthIndicatorResult>> {
    return [() => this.database(), () => this.kafka(), () => this.consumer(), () => this.outbox()];
  }
}

/**
 * `GET /health/live`: the process is up and answers (an orchestrator restarts it otherwise; nothing
 * outside the process is checked, so an outage of PostgreSQL or Kafka never restarts healthy pods).
 * `GET /health/ready`: database, Kafka, consumer and outbox backlog; 503 naming the failing checks and why.
 * `GET /health`: readiness plus what the messaging layer has done (counters), for operators.
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(ReadinessIndicators) private readonly readiness: ReadinessIndicators,
    @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime,
    @Inject(EventsTransport) private readonly transport: EventsTransport,
  ) {}

  @Get('live')
  live(): { status: 'ok'; service: string; uptimeSeconds: number } {
    return { status: 'ok', service: this.runtime.options.service, uptimeSeconds: Math.round(process.uptime()) };
  }

  @Get('ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const result = await this.check();
    await reply.status(result.status === 'ok' ? 200 : 503).send(result);
  }

  @Get()
  async summary(@Res() reply: FastifyReply): Promise<void> {
    const result = await this.check();
    const parked = await this.runtime.relay.parkedCount().catch(() => null);
    const pending = (result.details.outbox as { pending?: number } | undefined)?.pending ?? null;
    await reply.status(result.status === 'ok' ? 200 : 503).send({
      ...result,
      service: this.runtime.options.service,
      database: result.details.database?.status ?? 'down',
      outbox: { pending, parkedNow: parked, ...this.runtime.relay.stats },
      consumer: this.transport.stats ?? null,
    });
  }

  /** Terminus' result, whether every check is up (`ok`) or not (`error`, with `error` naming the failing ones). */
  private async check(): Promise<HealthCheckResult> {
    try {
      return await this.health.check(this.readiness.all());
    } catch (error) {
      const response = (error as { getResponse?: () => unknown }).getResponse?.();
      if (response && typeof response === 'object' && 'details' in response) return response as HealthCheckResult;
      throw error;
    }
  }
}
