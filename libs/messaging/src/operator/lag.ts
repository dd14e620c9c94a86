import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { queryRows } from '../sql';

export interface PartitionLag {
  partition: number;
  /** The group's committed offset (the next it reads); null when it committed nothing on this partition. */
  committed: string | null;
  /** The partition's end offset. */
  end: string;
  lag: number;
}

export interface ConsumerLag {
  group: string;
  topic: string;
  partitions: PartitionLag[];
  lag: number;
}

export interface OutboxBacklog {
  pending: number;
  parked: number;
  oldestPendingSeconds: number | null;
}

export interface JobQueueDepth {
  kind: string;
  pending: number;
  running: number;
  oldestPendingSeconds: number | null;
}

/**
 * Lag of consumer groups per partition (the group's committed offsets against the topic's end offsets,
 * from the Kafka admin API); a partition the group never committed on counts from its first offset.
 */
export async function consumerLag(kafka: Kafka, groups: { group: string; topics: string[] }[]): Promise<ConsumerLag[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const out: ConsumerLag[] = [];
    for (const { group, topics } of groups) {
      const committed = await admin.fetchOffsets({ groupId: group, topics });
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        const mine = new Map((committed.find((c) => c.topic === topic)?.partitions ?? []).map((p) => [p.partition, p.offset]));
        const partitions = ends
          .map((p): PartitionLag => {
            const offset = mine.get(p.partition);
            const has = offset !== undefined && offset !== '-1' && offset !== '';
            const from = has ? BigInt(offset) : BigInt(p.low);
            const lag = BigInt(p.high) - from;
            return { partition: p.partition, committed: has ? offset : null, end: p.high, lag: Number(lag > 0n ? lag : 0n) };
          })
          .sort((a, b) => a.partition - b.partition);
        out.push({ group, topic, partitions, lag: partitions.reduce((sum, p) => sum + p.lag, 0) });
      }
    }
    return out;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function outboxBacklog(dataSource: DataSource): Promise<OutboxBacklog> {
  const [row] = await queryRows<{ pending: number; parked: number; oldest: number | null }>(
    dataSource,
    `SELECT count(*) FILTER (WHERE parked_at IS NULL)::int AS pending,
            count(*) FILTER (WHERE parked_at IS NOT NULL)::int AS parked,
            extract(epoch FROM now() - min(created_at) FILTER (WHERE parked_at IS NULL))::float8 AS oldest
     FROM outbox WHERE published_at IS NULL`,
  );
  return { pending: row.pending, parked: row.parked, oldestPendingSeconds: row.oldest === null ? null : Math.max(0, Math.round(row.oldest)) };
}

/** Jobs per kind waiting or running (none when the service has no job table). */
export async function jobQueueDepth(dataSource: DataSource): Promise<JobQueueDepth[]> {
  const [exists] = await queryRows<{ present: boolean }>(dataSource, `SELECT to_regclass('jobs') IS NOT NULL AS present`);
  if (!exists.present) return [];
  const rows = await queryRows<{ kind: string; pending: number; running: number; oldest: number | null }>(
    dataSource,
    `SELECT kind, count(*) FILTER (WHERE state = 'pending')::int AS pending, count(*) FILTER (WHERE state = 'running')::int AS running,
            extract(epoch FROM now() - min(created_at) FILTER (WHERE state = 'pending'))::float8 AS oldest
     FROM jobs WHERE state IN ('pending', 'running') GROUP BY kind ORDER BY kind`,
  );
  return rows.map((r) => ({
    kind: r.kind,
    pending: r.pending,
    running: r.running,
    oldestPendingSeconds: r.oldest === null ? null : Math.max(0, Math.round(r.oldest)),
  }));
}
