import type { Kafka } from 'kafkajs';
import { testKafka, waitFor, type WaitOptions } from './helpers';

/** Sum over partitions of (end offset - committed offset) for a consumer group; 0 means caught up. */
export async function groupLag(groupId: string, topic: string, kafka: Kafka = testKafka()): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const committedByPartition = new Map(committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
    return ends.reduce((lag, end) => {
      const done = committedByPartition.get(end.partition) ?? -1;
      return lag + Number(end.high) - Math.max(done, Number(end.low));
    }, 0);
  } finally {
    await admin.disconnect();
  }
}

/** Sum of committed offsets of a group on a topic (messages it has acknowledged). */
export async function committedCount(groupId: string, topic: string, kafka: Kafka = testKafka()): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (committed[0]?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

export async function topicMessageCount(topic: string, kafka: Kafka = testKafka()): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    return ends.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

export async function waitForGroupCaughtUp(groupId: string, topic: string, options?: WaitOptions): Promise<void> {
  await waitFor(`consumer group ${groupId} to commit everything on ${topic}`, async () => (await groupLag(groupId, topic)) === 0, {
    timeoutMs: 60_000,
    intervalMs: 200,
    ...options,
  });
}
