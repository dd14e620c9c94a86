import type { Tx } from '@mkt/messaging';
import type { PublisherUsage, RecentPublishes } from '../domain/quotas';

/**
 * Serialises the quota-counted writes of one publisher (creating drafts, publishing) across every
 * instance until the transaction ends: two instances cannot both see room for the last draft.
 */
export async function lockPublisherQuotas(tx: Tx, publisherId: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('offer-api/quotas/' || $1, 0))`, [publisherId]);
}

export async function publisherUsage(tx: Tx, publisherId: string): Promise<PublisherUsage> {
  const [row] = await tx.query<{ drafts: number; draft_bytes: string }>(
    `SELECT count(*)::int AS drafts, coalesce(sum(draft_bytes), 0)::bigint AS draft_bytes FROM offers WHERE publisher_id = $1`,
    [publisherId],
  );
  return { drafts: row.drafts, draftBytes: Number(row.draft_bytes) };
}

/** Publishes the publisher started within the last `windowMs` (by the database clock, which every instance shares). */
export async function recentPublishes(tx: Tx, publisherId: string, windowMs: number): Promise<RecentPublishes & { now: Date }> {
  const [row] = await tx.query<{ count: number; oldest: Date | null; now: Date }>(
    `SELECT count(*)::int AS count, min(created_at) AS oldest, now() AS now FROM operations
      WHERE publisher_id = $1 AND command = 'publish' AND created_at > now() - $2 * interval '1 millisecond'`,
    [publisherId, windowMs],
  );
  return { count: row.count, oldest: row.oldest ? new Date(row.oldest) : null, now: new Date(row.now) };
}
