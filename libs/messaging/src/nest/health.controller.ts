import { Controller, Get, Inject } from '@nestjs/common';
import { MessagingRuntime } from '../runtime';
import { EventsTransport } from './transport';

/** Liveness and what the messaging layer has done, for operators and probes. */
@Controller()
export class HealthController {
  constructor(
    @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime,
    @Inject(EventsTransport) private readonly transport: EventsTransport,
  ) {}

  @Get('health')
  async health() {
    const database = await this.runtime.dataSource
      .query('SELECT 1')
      .then(() => 'up')
      .catch(() => 'down');
    const pending = await this.runtime.relay.pendingCount().catch(() => null);
    const parked = await this.runtime.relay.parkedCount().catch(() => null);
    return {
      status: database === 'up' && !parked ? 'ok' : 'degraded',
      service: this.runtime.options.service,
      database,
      outbox: { pending, parkedNow: parked, ...this.runtime.relay.stats },
      consumer: this.transport.stats ?? null,
    };
  }
}
