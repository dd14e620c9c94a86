import { Logger } from '@nestjs/common';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { databaseSettingsFromEnv, envInt, envString, kafkaSettingsFromEnv, type DatabaseSettings, type KafkaSettings } from './config';
import { countRequests, DEFAULT_CONSUMER_OPTIONS, InboxConsumer, type Dispatcher, type InboxConsumerOptions } from './consumer';
import { openDatabase, type OpenDatabaseOptions } from './database';
import { createIdempotentProducer, createKafka, duringStartup, ensureMessagingTopics } from './kafka';
import type { EventCodec, MessagingEvent } from './codec';
import { classifyFailure } from './errors';
import { ObserverHub } from './observe';
import { DEFAULT_RELAY_OPTIONS, OutboxRelay, type RelayOptions } from './relay';
import { whenAvailable } from './retry';
import type { OperatorOptions } from './operator/options';
import { UnitOfWork } from './unit-of-work';

export interface MessagingOptions<E extends MessagingEvent = MessagingEvent> {
  /** Service name: names its database, consumer group and CloudEvents source. */
  service: string;
  /** How the service's events are read and written (ours: the event catalog's codec, in libs/events). */
  codec: EventCodec<E, MessagingEvent>;
  kafka?: Partial<KafkaSettings>;
  database?: Partial<DatabaseSettings>;
  migrations?: OpenDatabaseOptions['migrations'];
  entities?: OpenDatabaseOptions['entities'];
  consumer?: Partial<InboxConsumerOptions>;
  relay?: Partial<RelayOptions>;
  /** The service's operator endpoints: token settings, simulated back ends (see OperatorController). */
  operator?: OperatorOptions;
}

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Everything a service needs to take part in the log: its database (with outbox and inbox), the Kafka
 * client, the idempotent producer and the outbox relay; consumers and job workers register here so that
 * shutdown stops them in order (consumers and workers, then the relay after draining, then connections).
 */
export class MessagingRuntime<E extends MessagingEvent = MessagingEvent> {
  private readonly logger = new Logger(MessagingRuntime.name);
  private readonly processors: Stoppable[] = [];
  private readonly consumers: InboxConsumer<E>[] = [];
  private stopped = false;
  private probeAdmin?: Promise<Admin>;

  private constructor(
    readonly options: MessagingOptions<E>,
    readonly kafkaSettings: KafkaSettings,
    readonly kafka: Kafka,
    readonly dataSource: DataSource,
    readonly unitOfWork: UnitOfWork,
    readonly relay: OutboxRelay,
    /** Where consumers, the relay and job workers report what they do (metrics add themselves here). */
    readonly observers: ObserverHub,
  ) {}

  static async create<E extends MessagingEvent>(options: MessagingOptions<E>): Promise<MessagingRuntime<E>> {
    const kafkaSettings = { ...kafkaSettingsFromEnv(options.service), ...options.kafka };
    const databaseSettings = { ...databaseSettingsFromEnv(options.service), ...options.database };
    const kafka = createKafka(kafkaSettings);
    // Started while the broker or PostgreSQL is away (a restart, an outage): wait for them, do not exit.
    const waiting = {
      deadlineMs: envInt('STARTUP_WAIT_MS', 120_000, { min: 0 }),
      isTransient: (error: unknown) => classifyFailure(error).kind === 'transient',
      log: (message: string) => new Logger(MessagingRuntime.name).warn(message),
    };
    await duringStartup(kafka, () => whenAvailable('Kafka', () => ensureMessagingTopics(kafka, kafkaSettings), waiting));
    const dataSource = await whenAvailable(
      'PostgreSQL',
      () =>
        openDatabase({ ...databaseSettings, migrations: options.migrations, entities: options.entities, applicationName: `marketplace-${options.service}` }),
      waiting,
    );
    const producer = createIdempotentProducer(kafka);
    if (process.env.KAFKA_REQUEST_STATS === 'true') countRequests(producer as never, `producer ${options.service}`);
    await duringStartup(kafka, () => producer.connect());
    const relayOptions: RelayOptions = {
      batchSize: envInt('RELAY_BATCH_SIZE', DEFAULT_RELAY_OPTIONS.batchSize, { min: 1 }),
      lingerMs: envInt('RELAY_LINGER_MS', DEFAULT_RELAY_OPTIONS.lingerMs, { min: 0 }),
      pollIntervalMs: envInt('RELAY_POLL_INTERVAL_MS', DEFAULT_RELAY_OPTIONS.pollIntervalMs, { min: 10 }),
      retainPublishedMs: envInt('OUTBOX_RETAIN_PUBLISHED_MS', DEFAULT_RELAY_OPTIONS.retainPublishedMs, { min: 0 }),
      maxRequestBytes: envInt('RELAY_MAX_REQUEST_BYTES', DEFAULT_RELAY_OPTIONS.maxRequestBytes, { min: 1024 }),
      ...options.relay,
    };
    const observers = new ObserverHub();
    const relay = new OutboxRelay(dataSource, producer, relayOptions, () => createIdempotentProducer(kafka), observers);
    const unitOfWork = new UnitOfWork(dataSource, { topic: kafkaSettings.eventsTopic, encode: (event) => options.codec.encode(event) });
    return new MessagingRuntime(options, kafkaSettings, kafka, dataSource, unitOfWork, relay, observers);
  }

  /**
   * Whether the broker answers now: a metadata request (describeCluster) on an admin client kept for
   * probes, without retries, bounded by `timeoutMs`. Rejects with the reason when it does not answer.
   */
  async probeBroker(timeoutMs = 3_000): Promise<{ brokers: number; controller: number | null }> {
    const attempt = async () => {
      this.probeAdmin ??= (async () => {
        const admin = this.kafka.admin({ retry: { retries: 0, initialRetryTime: 100, maxRetryTime: 500 } });
        await admin.connect();
        return admin;
      })();
      const admin = await this.probeAdmin;
      const cluster = await admin.describeCluster();
      return { brokers: cluster.brokers.length, controller: cluster.controller };
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`the broker did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([attempt(), timeout]);
    } catch (error) {
      // a fresh client next time: a broken connection is not reused
      const admin = this.probeAdmin;
      this.probeAdmin = undefined;
      void admin?.then((a) => a.disconnect()).catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The consumers created here, for readiness (each must be running). */
  get consumersCreated(): readonly InboxConsumer<E>[] {
    return this.consumers;
  }

  get producer(): Producer {
    return this.relay.currentProducer;
  }

  get source(): string {
    return `/marketplace/${this.options.service}`;
  }

  consumerOptions(overrides: Partial<InboxConsumerOptions> = {}): InboxConsumerOptions {
    return {
      ...DEFAULT_CONSUMER_OPTIONS,
      partitionsConsumedConcurrently: envInt('CONSUMER_CONCURRENCY', DEFAULT_CONSUMER_OPTIONS.partitionsConsumedConcurrently, { min: 1 }),
      maxMessagesPerTransaction: envInt('CONSUMER_MAX_BATCH', DEFAULT_CONSUMER_OPTIONS.maxMessagesPerTransaction, { min: 1 }),
      maxAttempts: envInt('CONSUMER_MAX_ATTEMPTS', DEFAULT_CONSUMER_OPTIONS.maxAttempts, { min: 1 }),
      sessionTimeoutMs: envInt('CONSUMER_SESSION_TIMEOUT_MS', DEFAULT_CONSUMER_OPTIONS.sessionTimeoutMs, { min: 6_000 }),
      fetchMinBytes: envInt('CONSUMER_FETCH_MIN_BYTES', DEFAULT_CONSUMER_OPTIONS.fetchMinBytes, { min: 1 }),
      fetchMaxWaitMs: envInt('CONSUMER_FETCH_MAX_WAIT_MS', DEFAULT_CONSUMER_OPTIONS.fetchMaxWaitMs, { min: 1 }),
      commitIntervalMs: envInt('CONSUMER_COMMIT_INTERVAL_MS', DEFAULT_CONSUMER_OPTIONS.commitIntervalMs, { min: 0 }),
      groupId: envString('CONSUMER_GROUP', `marketplace-${this.options.service}`),
      topics: [this.kafkaSettings.eventsTopic],
      source: this.source,
      outboxTopic: this.kafkaSettings.eventsTopic,
      deadLetterTopic: this.kafkaSettings.deadLetterTopic,
      ...this.options.consumer,
      ...overrides,
    };
  }

  createConsumer(dispatcher: Dispatcher<E>, overrides: Partial<InboxConsumerOptions> = {}): InboxConsumer<E> {
    const consumer = new InboxConsumer<E>(this.kafka, this.dataSource, this.options.codec, dispatcher, this.consumerOptions(overrides), this.observers);
    this.processors.push(consumer);
    this.consumers.push(consumer);
    return consumer;
  }

  /** Job workers and other loops that must stop before the relay does. */
  register(processor: Stoppable): void {
    this.processors.push(processor);
  }

  startRelay(): void {
    this.relay.start();
  }

  /** Stops consuming and working, then publishes what is left in the outbox. */
  async stopProcessing(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.processors.map((p) => p.stop().catch((e) => this.logger.error(`stop failed: ${(e as Error).message}`))));
    await this.relay.stop();
  }

  async close(): Promise<void> {
    await this.stopProcessing();
    const admin = this.probeAdmin;
    this.probeAdmin = undefined;
    await admin?.then((a) => a.disconnect()).catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
