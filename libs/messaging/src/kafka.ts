import { Logger } from '@nestjs/common';
import { Kafka, logLevel, Partitioners, type Admin, type Producer, type LogEntry } from 'kafkajs';
import { envInt, envString, type KafkaSettings } from './config';

const LEVELS: Record<string, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

/**
 * What kafkajs reports, and retries, while a fresh broker elects partition leaders and loads the group
 * coordinator: start-up noise, not a fault, as long as it passes.
 */
const STARTUP_RETRIABLE = [
  /group coordinator is not available/i,
  /coordinator is loading/i,
  /not the correct coordinator/i,
  /not the leader for that topic-partition/i,
  /no leader for this topic-partition/i,
  /leadership election/i,
];

export function isStartupRetriable(text: string): boolean {
  return STARTUP_RETRIABLE.some((pattern) => pattern.test(text));
}

/**
 * When a Kafka client is starting: the first `graceMs` after it was created, and while a start-up step
 * (topics, producer connect, a consumer joining its group) runs through `duringStartup`.
 */
export class StartupPhase {
  private readonly until: number;
  private steps = 0;

  constructor(graceMs: number, now = Date.now()) {
    this.until = now + graceMs;
  }

  get active(): boolean {
    return this.steps > 0 || Date.now() < this.until;
  }

  async during<T>(work: () => Promise<T>): Promise<T> {
    this.steps += 1;
    try {
      return await work();
    } finally {
      this.steps -= 1;
    }
  }
}

type KafkaLogger = Pick<Logger, 'error' | 'warn' | 'log' | 'debug'>;

/** kafkajs logs through Nest's logger; the broker's start-up retries go to debug while the client starts. */
export function kafkaLogCreator(phase: Pick<StartupPhase, 'active'>, logger: KafkaLogger = new Logger('kafkajs')) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      const text = `${message} ${JSON.stringify(extra)}`;
      const quiet = level <= logLevel.WARN && phase.active && isStartupRetriable(text);
      if (quiet) logger.debug(`${text} (retried while the broker starts)`);
      else if (level === logLevel.ERROR) logger.error(text);
      else if (level === logLevel.WARN) logger.warn(text);
      else if (level === logLevel.INFO) logger.log(text);
      else logger.debug(text);
    };
}

const PHASES = new WeakMap<Kafka, StartupPhase>();

/** Runs a start-up step of the client: the broker's start-up retries meanwhile are logged at debug only. */
export function duringStartup<T>(kafka: Kafka, work: () => Promise<T>): Promise<T> {
  const phase = PHASES.get(kafka);
  return phase ? phase.during(work) : work();
}

export function createKafka(settings: Pick<KafkaSettings, 'brokers' | 'clientId' | 'socketFactory'>): Kafka {
  const phase = new StartupPhase(envInt('KAFKA_STARTUP_QUIET_MS', 30_000, { min: 0 }));
  const kafka = new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    ...(settings.socketFactory ? { socketFactory: settings.socketFactory } : {}),
    logLevel: LEVELS[envString('KAFKA_LOG_LEVEL', 'warn').toLowerCase()] ?? logLevel.WARN,
    logCreator: kafkaLogCreator(phase),
    // Keep trying while the broker is down rather than giving up after a few seconds.
    retry: { initialRetryTime: 200, maxRetryTime: 10_000, retries: 20 },
    connectionTimeout: 5_000,
  });
  PHASES.set(kafka, phase);
  return kafka;
}

/** Idempotent producer, acks from all in-sync replicas, Java-compatible partitioning of keys. */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    // Unlimited retries keep the idempotence guarantee (kafkajs warns otherwise); the relay loop waits.
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5_000 },
  });
}

export interface TopicSpec {
  topic: string;
  partitions: number;
}

/**
 * The largest record the topics take (4 MiB), set on the topic so that it holds whatever the broker's
 * default; the event budget (EVENT_MAX_BYTES, 1 MiB) and the relay's request size (3 MiB) stay under it.
 */
export const TOPIC_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Unlimited retention: the event log is the source of truth that operators replay. */
const KEEP_FOREVER = [
  { name: 'retention.ms', value: '-1' },
  { name: 'retention.bytes', value: '-1' },
  { name: 'max.message.bytes', value: String(TOPIC_MAX_MESSAGE_BYTES) },
];

/**
 * Creates the topics if they do not exist (safe to call from every instance at start-up). An existing
 * topic is left as it is: adding partitions would move keys and break per-key order.
 */
export async function ensureTopics(admin: Admin, topics: TopicSpec[], logger = new Logger('topics')): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length) {
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor: -1, configEntries: KEEP_FOREVER })),
      });
      logger.log(`created topics ${missing.map((t) => `${t.topic} (${t.partitions} partitions)`).join(', ')}`);
    } catch (error) {
      // Another instance won the race; anything else is real.
      const type = (error as { type?: string }).type;
      const nested = (error as { errors?: Array<{ type?: string }> }).errors ?? [];
      const raced = type === 'TOPIC_ALREADY_EXISTS' || (nested.length > 0 && nested.every((e) => e.type === 'TOPIC_ALREADY_EXISTS'));
      if (!raced) throw error;
    }
  }
  const metadata = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
  for (const spec of topics) {
    const found = metadata.topics.find((t) => t.name === spec.topic);
    if (found && found.partitions.length !== spec.partitions) {
      logger.warn(`topic ${spec.topic} has ${found.partitions.length} partitions, configured ${spec.partitions}; left unchanged`);
    }
  }
}

export async function ensureMessagingTopics(kafka: Kafka, settings: KafkaSettings): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [
      { topic: settings.eventsTopic, partitions: settings.partitions },
      { topic: settings.deadLetterTopic, partitions: settings.partitions },
    ]);
  } finally {
    await admin.disconnect();
  }
}
