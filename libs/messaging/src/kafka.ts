import { Logger } from '@nestjs/common';
import { Kafka, logLevel, Partitioners, type Admin, type Producer, type LogEntry } from 'kafkajs';
import { envString, type KafkaSettings } from './config';

const LEVELS: Record<string, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

function kafkaLogCreator() {
  const logger = new Logger('kafkajs');
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      const text = `${message} ${JSON.stringify(extra)}`;
      if (level === logLevel.ERROR) logger.error(text);
      else if (level === logLevel.WARN) logger.warn(text);
      else if (level === logLevel.INFO) logger.log(text);
      else logger.debug(text);
    };
}

export function createKafka(settings: Pick<KafkaSettings, 'brokers' | 'clientId' | 'socketFactory'>): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    ...(settings.socketFactory ? { socketFactory: settings.socketFactory } : {}),
    logLevel: LEVELS[envString('KAFKA_LOG_LEVEL', 'warn').toLowerCase()] ?? logLevel.WARN,
    logCreator: kafkaLogCreator(),
    // Keep trying while the broker is down rather than giving up after a few seconds.
    retry: { initialRetryTime: 200, maxRetryTime: 10_000, retries: 20 },
    connectionTimeout: 5_000,
  });
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
