import { Logger } from '@nestjs/common';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { headerToString, headersToStrings, type DecodeFailure, type EventCodec, type MessagingEvent } from './codec';
import { EventContext, type ConsumedRecord } from './context';
import { envInt } from './config';
import { classifyFailure, describeError } from './errors';
import { crashPoint } from './faults';
import { duringStartup, isStartupRetriable } from './kafka';
import { NO_OBSERVER, shortType, withLogContext, type LogContext, type MessagingObserver } from './observe';
import { storableText, type OutboxRecord } from './outbox';
import { backoffDelay, DEFAULT_BACKOFF, Waker, type Backoff } from './retry';
import { inTransaction, poolOf, type OutboxTarget, type TransactionScope } from './unit-of-work';

/** Routes a decoded event to the service's handler. */
export interface Dispatcher<E extends MessagingEvent = MessagingEvent> {
  handles(type: string): boolean;
  /** Resolves when handled; rejects with a PermanentEventError (dead-letter) or anything else (retry). */
  dispatch(event: E, context: EventContext<E>): Promise<void>;
}

export interface InboxConsumerOptions {
  /** Consumer group; also the inbox's consumer name. */
  groupId: string;
  topics: string[];
  /** CloudEvents source of the events handlers emit, e.g. `/marketplace/validation`. */
  source: string;
  /** Topic of events that handlers emit. */
  outboxTopic: string;
  deadLetterTopic: string;
  /** Partitions processed at the same time, each in its own transaction. */
  partitionsConsumedConcurrently: number;
  /** Upper bound of messages handled in one database transaction. */
  maxMessagesPerTransaction: number;
  /** Backoff of transient failures (infrastructure away), retried without limit. */
  backoff: Backoff;
  /**
   * Tries of one message that fails deterministically (bad data, a bug, an error we cannot place)
   * before it is dead-lettered and the partition goes on.
   */
  maxAttempts: number;
  /** Backoff between those tries. */
  attemptBackoff: Backoff;
  /** Where a new consumer group starts. */
  fromBeginning: boolean;
  sessionTimeoutMs: number;
  /** The broker answers a fetch once it has this many bytes for it, or after fetchMaxWaitMs. */
  fetchMinBytes: number;
  /** Longest wait of a fetch for fetchMinBytes (also how often an idle consumer asks). */
  fetchMaxWaitMs: number;
  /**
   * Kafka offsets are committed at most this often (what was handled meanwhile in one request). The inbox,
   * not the offset, is what keeps a message from being handled twice: a crash or a rebalance before the
   * commit only redelivers up to this much, which the inbox drops. 0 commits after every chunk.
   */
  commitIntervalMs: number;
}

export const DEFAULT_CONSUMER_OPTIONS = {
  partitionsConsumedConcurrently: 6,
  maxMessagesPerTransaction: 500,
  backoff: DEFAULT_BACKOFF,
  maxAttempts: 5,
  attemptBackoff: { initialMs: 100, maxMs: 2_000 },
  fromBeginning: true,
  sessionTimeoutMs: 30_000,
  fetchMinBytes: 1,
  fetchMaxWaitMs: 250,
  commitIntervalMs: 200,
} satisfies Partial<InboxConsumerOptions>;

export interface ConsumerStats {
  /** Events whose handler ran and committed. */
  handled: number;
  /** Redeliveries dropped by the inbox. */
  duplicates: number;
  deadLettered: number;
  /** Events of types this service does not handle. */
  skipped: number;
  /** Transactions retried after a transient failure. */
  retries: number;
  /** Failed tries of single messages (deterministic failures), each followed by a retry or a dead letter. */
  failedAttempts: number;
  /** Times the Kafka consumer was rebuilt after the client gave up. */
  restarts: number;
}

type Item<E> =
  | { kind: 'skip'; record: ConsumedRecord }
  | { kind: 'event'; key: string; record: ConsumedRecord; event: E }
  | { kind: 'poison'; key: string; record: ConsumedRecord; error: DecodeFailure };

/** The log context of a message being handled: what it is about, which event, which attempt, which correlation. */
function logContextOf(item: { record: ConsumedRecord; event?: MessagingEvent }): LogContext {
  const event = item.event;
  const headers = item.record.headers;
  const attempt = event?.attempt ?? (headers.ce_attempt === undefined ? undefined : Number(headers.ce_attempt));
  return {
    subject: event?.subject ?? headers.ce_subject ?? item.record.key ?? undefined,
    eventId: event?.id ?? headers.ce_id,
    eventType: event?.type ?? (headers.ce_type === undefined ? undefined : shortType(headers.ce_type)),
    attempt: attempt !== undefined && Number.isFinite(attempt) ? attempt : undefined,
    correlationId: event?.correlationId ?? headers.ce_correlationid,
  };
}

/** Diagnosis: logs how many Kafka requests of each kind a client made, every 10 s. */
export function countRequests(client: Pick<Consumer, 'on' | 'events'>, label: string): void {
  const counts = new Map<string, number>();
  client.on(client.events.REQUEST, (event: { payload: { apiName: string } }) =>
    counts.set(event.payload.apiName, (counts.get(event.payload.apiName) ?? 0) + 1),
  );
  setInterval(() => {
    if (counts.size) new Logger('KafkaRequests').log(`${label}: ${JSON.stringify(Object.fromEntries(counts))} in 10 s`);
    counts.clear();
  }, 10_000).unref();
}

function describeEvent(event: MessagingEvent): string {
  return event.subject === undefined ? `${event.type} ${event.id}` : `${event.type} ${event.id} of ${event.subject}`;
}

/** A message failed in the fast path: the transaction is redone with a savepoint per message to find it. */
class RedoIsolated extends Error {}

/** A message failed deterministically, below its bound: nothing is committed; it is tried again after what came before it commits. */
class RetryMessage extends Error {
  constructor(readonly index: number) {
    super('retry message');
  }
}

/** A redrive's `begin` hook said no: the transaction is rolled back. */
class RedriveSkipped extends Error {}

/** What redriving a dead letter did: handled now, failed again (a new dead letter), or nothing (it was not dead-lettered). */
export type RedriveOutcome = 'handled' | 'dead-lettered-again' | 'already-handled';

/** Failed tries remembered per message; bounded so that a revoked partition's leftovers cannot grow it. */
const MAX_TRACKED_FAILURES = 10_000;

export const DLQ_HEADERS = {
  reason: 'dlq_reason',
  code: 'dlq_code',
  topic: 'dlq_topic',
  partition: 'dlq_partition',
  offset: 'dlq_offset',
  consumer: 'dlq_consumer',
  time: 'dlq_time',
} as const;

/**
 * Consumes with `eachBatch`. For each chunk of a partition's batch, one database transaction records the
 * message ids in the inbox (duplicates are dropped), runs the handlers (state + outbox writes) and
 * commits; only then is the Kafka offset committed (last offset + 1). Bad messages and permanent handler
 * failures become dead-letter records in the same transaction; transient failures are retried with
 * backoff without skipping anything.
 */
export class InboxConsumer<E extends MessagingEvent = MessagingEvent> {
  private readonly logger: Logger;
  private readonly waker = new Waker();
  /** Per partition, the next offset to read once what came before it is handled, not committed yet. */
  private readonly uncommitted = new Map<string, { topic: string; partition: number; offset: string }>();
  private lastCommit = 0;
  private commitTimer: NodeJS.Timeout | undefined;
  private consumer?: Consumer;
  private stopping = false;
  private recovering = false;
  private started = false;
  private readonly pool: Pool;
  private readonly outbox: OutboxTarget;
  readonly stats: ConsumerStats = { handled: 0, duplicates: 0, deadLettered: 0, skipped: 0, retries: 0, failedAttempts: 0, restarts: 0 };
  /** Failed tries per message id; `deadLetter` once it is to be dead-lettered (until that commits). */
  private readonly failures = new Map<string, { tries: number; deadLetter?: { code: string; reason: string } }>();

  constructor(
    private readonly kafka: Kafka,
    dataSource: DataSource,
    private readonly codec: EventCodec<E, MessagingEvent>,
    private readonly dispatcher: Dispatcher<E>,
    private readonly options: InboxConsumerOptions,
    private readonly observer: MessagingObserver = NO_OBSERVER,
  ) {
    this.logger = new Logger(`InboxConsumer:${options.groupId}`);
    this.pool = poolOf(dataSource);
    this.outbox = { topic: options.outboxTopic, encode: (event) => codec.encode(event) };
  }

  /**
   * Connects and joins the group. On a fresh broker the group coordinator may still be loading: such a
   * failure is retried quietly (at debug) until STARTUP_WAIT_MS; any other failure is thrown.
   */
  async start(): Promise<void> {
    this.stopping = false;
    const deadline = Date.now() + envInt('STARTUP_WAIT_MS', 120_000, { min: 0 });
    for (let attempt = 1; ; attempt += 1) {
      try {
        await duringStartup(this.kafka, () => this.connectAndRun());
        break;
      } catch (error) {
        const delay = backoffDelay(attempt, { initialMs: 250, maxMs: 5_000 });
        if (this.stopping || !isStartupRetriable(errorChainText(error)) || Date.now() + delay > deadline) throw error;
        this.logger.debug(`joining the group while the broker starts: ${(error as Error).message}; retrying in ${delay} ms`);
        await this.consumer?.disconnect().catch(() => undefined);
        await this.waker.wait(delay);
      }
    }
    this.started = true;
  }

  /** Started, not stopping, and not rejoining the group after the Kafka client gave up: what readiness checks. */
  get running(): boolean {
    return this.started && !this.stopping && !this.recovering && this.consumer !== undefined;
  }

  private async connectAndRun(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(this.options.sessionTimeoutMs / 10)),
      allowAutoTopicCreation: false,
      // a fetch is answered once minBytes are there or after maxWait: fewer, fuller fetches (and fewer transactions per event) for a small wait
      minBytes: this.options.fetchMinBytes,
      maxWaitTimeInMs: this.options.fetchMaxWaitMs,
    });
    this.consumer = consumer;
    if (process.env.KAFKA_REQUEST_STATS === 'true') countRequests(consumer, `consumer ${this.options.groupId}`);
    // kafkajs gives up on some errors (e.g. "the coordinator is not aware of this member" after a
    // session timeout under load) and leaves the consumer stopped; a service must never stop consuming.
    consumer.on(consumer.events.CRASH, ({ payload }: { payload: { error: Error; restart: boolean } }) => {
      if (payload.restart || this.stopping || this.consumer !== consumer) return;
      void this.recover(consumer, payload.error);
    });
    // a partition given to another member is not committed by this one any more (its new owner goes on from the last commit)
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }: { payload: { memberAssignment: Record<string, number[]> } }) => {
      for (const [key, entry] of this.uncommitted) if (!payload.memberAssignment[entry.topic]?.includes(entry.partition)) this.uncommitted.delete(key);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: this.options.topics, fromBeginning: this.options.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  private async recover(crashed: Consumer, error: Error): Promise<void> {
    this.recovering = true;
    try {
      await this.rejoin(crashed, error);
    } finally {
      this.recovering = false;
    }
  }

  private async rejoin(crashed: Consumer, error: Error): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt += 1) {
      const delay = backoffDelay(attempt, { initialMs: 500, maxMs: 30_000 });
      this.logger.error(`consumer stopped on "${error.message}"; rejoining the group in ${delay} ms (nothing is skipped: uncommitted messages come again)`);
      this.stats.restarts += 1;
      await crashed.disconnect().catch(() => undefined);
      await this.waker.wait(delay);
      if (this.stopping) return;
      try {
        await duringStartup(this.kafka, () => this.connectAndRun());
        return;
      } catch (retryError) {
        error = retryError as Error;
      }
    }
  }

  /** Finishes the batch in hand, commits it, and leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    const consumer = this.consumer;
    this.consumer = undefined;
    this.waker.wake();
    if (consumer) {
      await consumer.stop().catch(() => undefined);
      await this.commitPending(consumer).catch((error: unknown) => this.logger.warn(`committing offsets at stop failed: ${describeError(error)}`));
      await consumer.disconnect();
    }
  }

  /**
   * Records the next offset to read of a partition whose messages up to it are handled, and commits what is
   * recorded once commitIntervalMs has passed since the last commit (a timer commits the rest when no later
   * batch comes).
   */
  private async commitSoon(topic: string, partition: number, offset: string): Promise<void> {
    this.uncommitted.set(`${topic}:${partition}`, { topic, partition, offset });
    const wait = this.lastCommit + this.options.commitIntervalMs - Date.now();
    if (wait <= 0) return this.commitPending(this.consumer);
    this.commitTimer ??= setTimeout(() => {
      this.commitTimer = undefined;
      this.commitPending(this.consumer).catch((error: unknown) =>
        // the messages come again (the inbox drops them) unless a later commit covers them
        this.logger.warn(`committing offsets failed: ${describeError(error)}`),
      );
    }, wait);
  }

  private async commitPending(consumer: Consumer | undefined): Promise<void> {
    if (this.commitTimer) clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    if (!consumer || this.uncommitted.size === 0) return;
    const offsets = [...this.uncommitted.values()];
    this.uncommitted.clear();
    this.lastCommit = Date.now();
    await consumer.commitOffsets(offsets);
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const items = batch.messages.map((message) => this.classify(batch.topic, batch.partition, message));
    for (let start = 0; start < items.length; start += this.options.maxMessagesPerTransaction) {
      if (!isRunning() || isStale()) return;
      const chunk = items.slice(start, start + this.options.maxMessagesPerTransaction);
      const relevant = chunk.filter((item): item is Exclude<Item<E>, { kind: 'skip' }> => item.kind !== 'skip');
      this.stats.skipped += chunk.length - relevant.length;
      if (relevant.length > 0) {
        const done = await this.processWithRetry(relevant, payload);
        if (!done) return; // stopping or lost the partition: leave the offset where it is
        crashPoint('consumer.afterDbCommit');
      }
      const last = chunk[chunk.length - 1].record.offset;
      resolveOffset(last);
      await this.commitSoon(batch.topic, batch.partition, (BigInt(last) + 1n).toString());
      await heartbeat();
    }
  }

  private classify(topic: string, partition: number, message: KafkaMessage): Item<E> {
    // a record of a type this service does not handle is skipped on its type header alone, before any other work
    if (this.codec.typeHeader !== undefined) {
      const raw = headerToString(message.headers, this.codec.typeHeader);
      const type = raw === undefined ? undefined : this.codec.typeOf({ [this.codec.typeHeader]: raw });
      if (type !== undefined && this.codec.isKnownType(type) && !this.dispatcher.handles(type))
        return { kind: 'skip', record: { topic, partition, offset: message.offset, key: null, headers: {}, value: null } };
    }
    const headers = headersToStrings(message.headers);
    return this.classifyRecord({
      topic,
      partition,
      offset: message.offset,
      key: message.key === null ? null : message.key.toString(),
      headers,
      value: message.value,
    });
  }

  private classifyRecord(record: ConsumedRecord): Item<E> {
    const { topic, partition, headers } = record;
    const type = this.codec.typeOf(headers);
    if (type !== undefined && this.codec.isKnownType(type) && !this.dispatcher.handles(type)) return { kind: 'skip', record };
    const decoded = this.codec.decode({ key: record.key, value: record.value, headers });
    if (!decoded.ok) return { kind: 'poison', key: `poison:${topic}/${partition}/${record.offset}`, record, error: decoded.error };
    if (!this.dispatcher.handles(decoded.event.type)) return { kind: 'skip', record };
    return { kind: 'event', key: decoded.event.id, record, event: decoded.event };
  }

  /**
   * Commits the chunk, whatever it takes: transient failures are retried with backoff for as long as
   * they last (nothing is skipped); any other failure redoes the chunk with a savepoint per message, so
   * that the one message that fails is retried on its own and, past `maxAttempts`, dead-lettered while
   * the rest commits. A message is only counted as failing when the database answered right after (the
   * savepoint rolled back), so an outage never dead-letters a healthy event.
   */
  private async processWithRetry(items: Exclude<Item<E>, { kind: 'skip' }>[], hooks: EachBatchPayload): Promise<boolean> {
    let isolate = false;
    let pending = items;
    let rest: typeof items = [];
    for (let transient = 1, tries = 1; ;) {
      let delay: number;
      try {
        const outcome = await this.transact(pending, isolate);
        if (outcome === 'committed') {
          if (!rest.length) return true;
          [pending, rest] = [rest, []];
          continue;
        }
        if (outcome.at > 0) {
          // commit what came before the failing message, then try it again at the head
          [pending, rest] = [pending.slice(0, outcome.at), [...pending.slice(outcome.at), ...rest]];
          continue;
        }
        delay = backoffDelay(tries++, this.options.attemptBackoff);
      } catch (error) {
        if (error instanceof RedoIsolated) {
          isolate = true;
          continue;
        }
        const failure = classifyFailure(error);
        if (failure.kind !== 'transient' && !isolate) {
          isolate = true;
          continue;
        }
        this.stats.retries += 1;
        delay = backoffDelay(transient, this.options.backoff);
        const where = `${pending[0].record.topic}[${pending[0].record.partition}] at offset ${pending[0].record.offset}`;
        if (failure.kind === 'transient')
          this.logger.warn(`transient failure (${failure.code}) on ${where} (try ${transient}): ${failure.reason}; retrying in ${delay} ms`);
        else this.logger.error(`failure outside any one message (${failure.code}) on ${where} (try ${transient}): ${failure.reason}; retrying in ${delay} ms`);
        transient += 1;
      }
      if (!(await this.pause(delay, hooks))) return false;
    }
  }

  /** Waits while keeping the group membership alive; false when the consumer stops or loses the partition. */
  private async pause(ms: number, hooks: EachBatchPayload): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!hooks.isRunning() || hooks.isStale() || !this.consumer) return false;
      await this.waker.wait(Math.min(1000, until - Date.now()));
      await hooks.heartbeat().catch(() => undefined);
    }
    return hooks.isRunning() && !hooks.isStale() && this.consumer !== undefined;
  }

  private async transact(items: Exclude<Item<E>, { kind: 'skip' }>[], isolate: boolean): Promise<'committed' | { at: number }> {
    const counts = { handled: 0, duplicates: 0, deadLettered: 0 };
    const exhausted: string[] = [];
    /** Reported once the transaction commits (a rolled-back run reports nothing). */
    const outcomes: Array<{ type: string; outcome: 'handled' | 'duplicate' | 'dead-lettered'; code?: string }> = [];
    const typeOf = (item: Exclude<Item<E>, { kind: 'skip' }>) => (item.kind === 'event' ? item.event.type : shortType(item.record.headers.ce_type));
    const timed = async (item: { event: E }, context: EventContext<E>) => {
      const started = process.hrtime.bigint();
      let ok = false;
      try {
        await withLogContext(logContextOf(item as { record: ConsumedRecord; event: E }), () => this.dispatcher.dispatch(item.event, context));
        ok = true;
      } finally {
        this.observer.onHandlerDuration?.({ type: item.event.type, seconds: Number(process.hrtime.bigint() - started) / 1e9, ok });
      }
    };
    try {
      await inTransaction(this.pool, this.outbox, async (scope) => {
        const fresh = await this.claim(scope, items);
        const dead: string[] = [];
        const now = new Date();
        for (const [index, item] of items.entries()) {
          // delete: a message that appears twice in one batch is handled once
          if (!fresh.delete(item.key)) {
            counts.duplicates += 1;
            outcomes.push({ type: typeOf(item), outcome: 'duplicate' });
            continue;
          }
          if (item.kind === 'poison') {
            scope.append(this.deadLetter(item.record, item.error.code, item.error.toString()));
            dead.push(item.key);
            outcomes.push({ type: typeOf(item), outcome: 'dead-lettered', code: item.error.code });
            withLogContext(logContextOf(item), () => this.logger.error(`dead-lettered a record that is no valid event (${item.error.code})`));
            continue;
          }
          const context = new EventContext(item.event, item.record, scope, now, this.options.source);
          if (!isolate) {
            try {
              await timed(item, context);
            } catch (error) {
              if (classifyFailure(error).kind === 'transient') throw error;
              throw new RedoIsolated();
            }
            counts.handled += 1;
            outcomes.push({ type: item.event.type, outcome: 'handled' });
            continue;
          }
          const settled = this.failures.get(item.key)?.deadLetter;
          if (settled) {
            // decided in an earlier run of this transaction that did not commit
            scope.append(this.deadLetter(item.record, settled.code, settled.reason));
            dead.push(item.key);
            exhausted.push(item.key);
            outcomes.push({ type: item.event.type, outcome: 'dead-lettered', code: settled.code });
            continue;
          }
          const mark = scope.mark();
          await scope.query('SAVEPOINT handler');
          try {
            await timed(item, context);
            await scope.flush(); // this message's events: a failure to write them is this message's
            await scope.query('RELEASE SAVEPOINT handler');
            this.failures.delete(item.key);
            counts.handled += 1;
            outcomes.push({ type: item.event.type, outcome: 'handled' });
          } catch (error) {
            const failure = classifyFailure(error);
            if (failure.kind === 'transient') throw error;
            // Throws if the database went away: then it is an outage, and nothing is counted against the message.
            await scope.query('ROLLBACK TO SAVEPOINT handler');
            scope.rewind(mark);
            let reason = failure.reason;
            if (failure.kind === 'deterministic') {
              const tries = (this.failures.get(item.key)?.tries ?? 0) + 1;
              this.stats.failedAttempts += 1;
              if (tries < this.options.maxAttempts) {
                if (this.failures.size >= MAX_TRACKED_FAILURES) this.failures.clear();
                this.failures.set(item.key, { tries });
                withLogContext(logContextOf(item), () =>
                  this.logger.warn(`${describeEvent(item.event)} failed (${failure.code}, try ${tries}/${this.options.maxAttempts}): ${reason}`),
                );
                throw new RetryMessage(index);
              }
              reason = `${reason} (failed ${tries} times)`;
              // kept until the dead letter commits: a redo of this transaction dead-letters it without running it again
              this.failures.set(item.key, { tries, deadLetter: { code: failure.code, reason } });
              exhausted.push(item.key);
            }
            scope.append(this.deadLetter(item.record, failure.code, reason));
            dead.push(item.key);
            outcomes.push({ type: item.event.type, outcome: 'dead-lettered', code: failure.code });
            withLogContext(logContextOf(item), () => this.logger.error(`dead-lettered ${describeEvent(item.event)} (${failure.code}): ${reason}`));
          }
        }
        if (dead.length) {
          await scope.query(`UPDATE inbox SET outcome = 'dead-lettered' WHERE consumer = $1 AND message_id = ANY($2::text[])`, [this.options.groupId, dead]);
        }
        counts.deadLettered = dead.length;
      });
    } catch (error) {
      if (error instanceof RetryMessage) return { at: error.index };
      throw error;
    }
    for (const key of exhausted) this.failures.delete(key);
    this.stats.handled += counts.handled;
    this.stats.duplicates += counts.duplicates;
    this.stats.deadLettered += counts.deadLettered;
    for (const { type, outcome, code } of outcomes) {
      this.observer.onConsumed?.({ type, outcome });
      if (outcome === 'dead-lettered') this.observer.onDeadLettered?.({ type, code: code ?? 'unknown' });
    }
    return 'committed';
  }

  /** Consumer group; also the inbox's consumer name. */
  get groupId(): string {
    return this.options.groupId;
  }

  get deadLetterTopic(): string {
    return this.options.deadLetterTopic;
  }

  /**
   * Handles one record again, on demand (an operator's redrive of a dead letter): `record` is the message
   * as this consumer first read it. In one transaction, like a message of a batch: the inbox entry that
   * says it was dead-lettered is reset, the message is claimed and handled (one try; a failure
   * dead-letters it again), and the caller's `begin` (false: give up, nothing changes) and `end` run in it,
   * so the redrive is recorded if and only if its effects commit. An entry that says anything but
   * dead-lettered is left alone: `already-handled`. Only this consumer's group handles it; the Kafka
   * offsets of no group move. Transient failures (the database away) are thrown: nothing is recorded.
   */
  async redrive(
    record: ConsumedRecord,
    hooks: { begin?: (scope: TransactionScope) => Promise<boolean>; end?: (scope: TransactionScope, outcome: RedriveOutcome) => Promise<void> } = {},
  ): Promise<RedriveOutcome | 'skipped'> {
    const item = this.classifyRecord(record);
    const key = item.kind === 'skip' ? undefined : item.key;
    const counts = { handled: 0, deadLettered: 0 };
    try {
      const outcome = await inTransaction(this.pool, this.outbox, async (scope): Promise<RedriveOutcome> => {
        if (hooks.begin && !(await hooks.begin(scope))) throw new RedriveSkipped();
        let outcome: RedriveOutcome;
        const [entry] = key
          ? await scope.query<{ outcome: string }>(`SELECT outcome FROM inbox WHERE consumer = $1 AND message_id = $2 FOR UPDATE`, [this.options.groupId, key])
          : [];
        if (item.kind === 'skip' || (entry && entry.outcome !== 'dead-lettered')) {
          outcome = 'already-handled';
        } else {
          if (entry) await scope.query(`DELETE FROM inbox WHERE consumer = $1 AND message_id = $2`, [this.options.groupId, item.key]);
          await this.claim(scope, [item]);
          if (item.kind === 'poison') {
            scope.append(this.deadLetter(item.record, item.error.code, `${item.error.toString()} (redriven)`));
            outcome = 'dead-lettered-again';
          } else {
            const context = new EventContext(item.event, item.record, scope, new Date(), this.options.source);
            const mark = scope.mark();
            await scope.query('SAVEPOINT handler');
            try {
              await this.dispatcher.dispatch(item.event, context);
              await scope.flush();
              await scope.query('RELEASE SAVEPOINT handler');
              outcome = 'handled';
            } catch (error) {
              const failure = classifyFailure(error);
              if (failure.kind === 'transient') throw error;
              await scope.query('ROLLBACK TO SAVEPOINT handler');
              scope.rewind(mark);
              scope.append(this.deadLetter(item.record, failure.code, `${failure.reason} (redriven)`));
              outcome = 'dead-lettered-again';
              this.logger.error(`redriven ${describeEvent(item.event)} dead-lettered again (${failure.code}): ${failure.reason}`);
            }
          }
          if (outcome === 'dead-lettered-again')
            await scope.query(`UPDATE inbox SET outcome = 'dead-lettered' WHERE consumer = $1 AND message_id = $2`, [this.options.groupId, item.key]);
          counts.handled = outcome === 'handled' ? 1 : 0;
          counts.deadLettered = outcome === 'dead-lettered-again' ? 1 : 0;
        }
        await hooks.end?.(scope, outcome);
        return outcome;
      });
      this.stats.handled += counts.handled;
      this.stats.deadLettered += counts.deadLettered;
      return outcome;
    } catch (error) {
      if (error instanceof RedriveSkipped) return 'skipped';
      throw error;
    }
  }

  /** Inserts the ids into the inbox; returns those not seen before. */
  private async claim(scope: TransactionScope, items: Exclude<Item<E>, { kind: 'skip' }>[]): Promise<Set<string>> {
    const rows = await scope.query<{ message_id: string }>(
      `INSERT INTO inbox (consumer, message_id, topic, partition, "offset")
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[], $5::bigint[])
       ON CONFLICT DO NOTHING RETURNING message_id`,
      [
        this.options.groupId,
        items.map((i) => i.key),
        items.map((i) => i.record.topic),
        items.map((i) => i.record.partition),
        items.map((i) => i.record.offset),
      ],
    );
    return new Set(rows.map((r) => r.message_id));
  }

  private deadLetter(record: ConsumedRecord, code: string, reason: string): OutboxRecord {
    // The record's own headers are copied as they came; text PostgreSQL cannot store is replaced.
    const headers = Object.fromEntries(Object.entries(record.headers).map(([name, value]) => [storableText(name), storableText(value)]));
    return {
      topic: this.options.deadLetterTopic,
      key: record.key === null ? null : storableText(record.key),
      payload: record.value,
      headers: {
        ...headers,
        [DLQ_HEADERS.reason]: storableText(reason.slice(0, 4000)),
        [DLQ_HEADERS.code]: code,
        [DLQ_HEADERS.topic]: record.topic,
        [DLQ_HEADERS.partition]: String(record.partition),
        [DLQ_HEADERS.offset]: record.offset,
        [DLQ_HEADERS.consumer]: this.options.groupId,
        [DLQ_HEADERS.time]: new Date().toISOString(),
      },
    };
  }
}

/** The messages of an error and its causes (kafkajs wraps the broker's error in KafkaJSNumberOfRetriesExceeded). */
function errorChainText(error: unknown): string {
  const texts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth += 1) {
    const e = current as { message?: unknown; cause?: unknown; originalError?: unknown };
    if (typeof e.message === 'string') texts.push(e.message);
    current = e.originalError ?? e.cause;
  }
  return texts.join(' / ');
}
