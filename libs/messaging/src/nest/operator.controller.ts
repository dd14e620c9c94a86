import { Body, Controller, Get, HttpCode, HttpException, Inject, Optional, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { Access, AccessGuard, CurrentPrincipal, type Principal } from '@mkt/auth';
import type { InboxConsumer } from '../consumer';
import { classifyFailure } from '../errors';
import { ConsumerNotRunning, DeadLetters, parseDeadLetterId, type DeadLetterFilter } from '../operator/dead-letters';
import type { FieldProblem } from '../operator/fault-settings';
import { inboxOutcomes } from '../operator/inbox';
import { consumerLag, jobQueueDepth, outboxBacklog } from '../operator/lag';
import { developmentModeFromEnv } from '../config';
import { OPERATOR_OPTIONS, type OperatorOptions } from '../operator/options';
import { listParkedRows, releaseParkedRows } from '../relay';
import { MessagingRuntime } from '../runtime';
import { EventsTransport } from './transport';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
const MAX_IDS = 100;

/** 4xx in the `{ statusCode, code, message, fields }` shape of every service. */
export class OperatorRequestError extends HttpException {
  constructor(status: number, code: string, message: string, fields?: FieldProblem[]) {
    super({ statusCode: status, code, message, ...(fields ? { fields } : {}) }, status);
  }
}

function invalid(field: string, problem: string): OperatorRequestError {
  return new OperatorRequestError(400, 'validation-failed', `${field} ${problem}`, [{ field, problems: [problem] }]);
}

function limitOf(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_LIMIT;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw invalid('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
  return limit;
}

function sinceOf(raw: string | undefined): Date | undefined {
  if (raw === undefined || raw === '') return undefined;
  const since = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(since.getTime())) throw invalid('since', 'must be an ISO 8601 date-time, e.g. 2025-01-31T12:00:00Z');
  return since;
}

function textOf(field: string, raw: string | undefined, pattern: RegExp, what: string): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !pattern.test(raw)) throw invalid(field, `must be ${what}`);
  return raw;
}

/** `{ ids: [...] }` with 1 to MAX_IDS strings, each checked by `valid`. */
function idsOf(body: unknown, valid: (id: string) => boolean, what: string): string[] {
  const ids = (body as { ids?: unknown } | undefined)?.ids;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_IDS) throw invalid('ids', `must be an array of 1 to ${MAX_IDS} ids`);
  const bad = ids.findIndex((id) => typeof id !== 'string' || !valid(id));
  if (bad >= 0) throw invalid(`ids[${bad}]`, `must be ${what}`);
  const unknown = Object.keys(body as object).filter((name) => name !== 'ids' && name !== 'mode');
  if (unknown.length) throw invalid(unknown[0], 'is not a known field');
  return [...new Set(ids as string[])];
}

/** A database or broker away: 503, try again (nothing was recorded). */
function unavailable(error: unknown): never {
  if (error instanceof HttpException) throw error;
  if (classifyFailure(error).kind === 'transient')
    throw new OperatorRequestError(503, 'unavailable', `the database or broker is not reachable right now; try again (${(error as Error).message})`);
  throw error;
}

/**
 * The operator endpoints every service serves on its own port (contract: /work/contracts/ops-api.md,
 * docs/operations.md): its consumers' dead letters (list, show, redrive through the consumer that failed),
 * parked outbox rows (list, release), lag (consumer groups, outbox, jobs), and in development mode the
 * simulated back ends. Operator tokens only (libs/auth).
 */
@Controller(['operator', 'api/operator'])
@UseGuards(AccessGuard)
@Access('operator')
export class OperatorController {
  private readonly deadLetters: DeadLetters;

  constructor(
    @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime,
    @Inject(EventsTransport) private readonly transport: EventsTransport,
    @Optional() @Inject(OPERATOR_OPTIONS) private readonly options: OperatorOptions | null,
  ) {
    this.deadLetters = new DeadLetters(
      runtime.kafka,
      runtime.dataSource,
      runtime.kafkaSettings.deadLetterTopic,
      () => [this.groupId],
      `${runtime.consumerOptions().groupId}-operator-dlq`,
      (headers) => {
        try {
          return runtime.options.codec.typeOf(headers);
        } catch {
          return undefined;
        }
      },
    );
  }

  private get consumer(): InboxConsumer | undefined {
    return this.transport.unwrap<InboxConsumer | undefined>();
  }

  private get groupId(): string {
    return this.consumer?.groupId ?? this.runtime.consumerOptions().groupId;
  }

  @Get('dead-letters')
  async listDeadLetters(
    @Query('offer') offer?: string,
    @Query('consumer') consumer?: string,
    @Query('code') code?: string,
    @Query('since') since?: string,
    @Query('limit') limit?: string,
  ) {
    const filter: DeadLetterFilter = {
      offer: textOf('offer', offer, /^[a-z0-9][a-z0-9-]{0,49}\/[a-z0-9][a-z0-9-]{0,49}$/, '<publisherId>/<offerId>'),
      consumer: textOf('consumer', consumer, /^[\w.-]{1,255}$/, 'a consumer group name'),
      code: textOf('code', code, /^[\w.:-]{1,100}$/, 'an error code'),
      since: sinceOf(since),
      limit: limitOf(limit),
    };
    return { value: await this.deadLetters.list(filter).catch(unavailable) };
  }

  @Post('dead-letters/redrive')
  @HttpCode(200)
  async redrive(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const ids = idsOf(body, (id) => parseDeadLetterId(id) !== undefined, 'a dead-letter id <topic>:<partition>:<offset>');
    const value = [];
    for (const id of ids) {
      try {
        value.push(await this.deadLetters.redrive(id, principal.sub, (group) => (group === this.consumer?.groupId ? this.consumer : undefined)));
      } catch (error) {
        if (error instanceof ConsumerNotRunning) throw new OperatorRequestError(503, 'consumer-not-running', `${error.message}; try again once it runs`);
        unavailable(error);
      }
    }
    return { value };
  }

  @Get('dead-letters/:id')
  async deadLetter(@Param('id') id: string) {
    if (!parseDeadLetterId(id)) throw invalid('id', 'must be a dead-letter id <topic>:<partition>:<offset>');
    const found = await this.deadLetters.find(id).catch(unavailable);
    if (!found) throw new OperatorRequestError(404, 'not-found', `no dead letter of this service's consumers at ${id}`);
    return found.detail;
  }

  /** What this service's consumers did with these events (inbox outcomes), for an offer's timeline. */
  @Post('inbox/outcomes')
  @HttpCode(200)
  async outcomes(@Body() body: unknown) {
    const ids = idsOf(body, (id) => /^[\w.:-]{1,200}$/.test(id), 'an event id');
    return { value: await inboxOutcomes(this.runtime.dataSource, ids).catch(unavailable) };
  }

  @Get('outbox/parked')
  async parked() {
    const rows = await listParkedRows(this.runtime.dataSource).catch(unavailable);
    return { value: rows.map((row) => ({ ...row, parkedAt: row.parkedAt.toISOString() })) };
  }

  @Post('outbox/parked/release')
  @HttpCode(200)
  async release(@Body() body: unknown) {
    const ids = idsOf(body, (id) => /^\d{1,19}$/.test(id), 'an outbox row id (digits)');
    const mode = (body as { mode?: unknown }).mode ?? 'retry';
    if (mode !== 'retry' && mode !== 'discard') throw invalid('mode', 'must be retry (send again, the default) or discard');
    const released = new Set(await releaseParkedRows(this.runtime.dataSource, ids, mode).catch(unavailable));
    return { mode, value: ids.map((id) => ({ id, released: released.has(id) })) };
  }

  @Get('lag')
  async lag() {
    const options = this.runtime.consumerOptions();
    const [consumers, outbox, jobs] = await Promise.all([
      consumerLag(this.runtime.kafka, [{ group: this.groupId, topics: options.topics }]),
      outboxBacklog(this.runtime.dataSource),
      jobQueueDepth(this.runtime.dataSource),
    ]).catch(unavailable);
    return { service: this.runtime.options.service, consumers, outbox, jobs };
  }

  @Get('faults')
  faults() {
    const faults = this.developmentFaults();
    return { service: this.runtime.options.service, settings: faults.current(), descriptions: faults.describe() };
  }

  @Put('faults')
  changeFaults(@Body() body: unknown) {
    const faults = this.developmentFaults();
    const change = faults.apply(body);
    if (!change.ok) throw new OperatorRequestError(400, 'validation-failed', 'the fault settings are invalid; nothing was changed', change.fields);
    return { service: this.runtime.options.service, settings: change.settings, descriptions: faults.describe() };
  }

  private developmentFaults() {
    const development = this.options?.development ?? developmentModeFromEnv();
    if (!development) throw new OperatorRequestError(404, 'not-found', 'fault settings exist in development mode only');
    if (!this.options?.faults) throw new OperatorRequestError(404, 'not-found', `${this.runtime.options.service} has no simulated back end`);
    return this.options.faults;
  }
}
