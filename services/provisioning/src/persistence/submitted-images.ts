import type { Tx } from '@mkt/messaging';
import type { ReplicationImage } from '../domain/replication';

/** Keeps the images of the offer's new attempt; older attempts' images are no longer needed. */
export async function saveSubmittedImages(tx: Tx, subject: string, attempt: number, images: readonly ReplicationImage[]): Promise<void> {
  await tx.query('DELETE FROM submitted_images WHERE subject = $1 AND attempt < $2', [subject, attempt]);
  await tx.query(
    `INSERT INTO submitted_images (subject, attempt, images) VALUES ($1, $2, $3)
     ON CONFLICT (subject, attempt) DO NOTHING`,
    [subject, attempt, JSON.stringify(images)],
  );
}

export async function loadSubmittedImages(tx: Tx, subject: string, attempt: number): Promise<ReplicationImage[] | undefined> {
  const rows = await tx.query<{ images: ReplicationImage[] }>('SELECT images FROM submitted_images WHERE subject = $1 AND attempt = $2', [subject, attempt]);
  return rows[0]?.images;
}
