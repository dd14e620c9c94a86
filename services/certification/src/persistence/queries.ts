import type { Tx } from '@mkt/messaging';
import type { CheckResult, ImageList } from '../domain';

export async function saveImageList(tx: Tx, subject: string, attempt: number, images: ImageList): Promise<void> {
  await tx.query(`INSERT INTO attempt_images (subject, attempt, images) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
    subject,
    attempt,
    JSON.stringify(images),
  ]);
}

export async function loadImageList(tx: Tx, subject: string, attempt: number): Promise<ImageList | undefined> {
  const rows = await tx.query<{ images: ImageList }>('SELECT images FROM attempt_images WHERE subject = $1 AND attempt = $2', [subject, attempt]);
  return rows[0]?.images;
}

/** A superseded attempt's images are never read again. */
export async function forgetImageListsBefore(tx: Tx, subject: string, attempt: number): Promise<void> {
  await tx.query('DELETE FROM attempt_images WHERE subject = $1 AND attempt < $2', [subject, attempt]);
}

export async function recordResult(
  tx: Tx,
  result: { subject: string; attempt: number; outcome: 'passed' | 'failed'; checks: readonly CheckResult[]; eventId: string },
): Promise<void> {
  await tx.query(`INSERT INTO certification_results (subject, attempt, outcome, checks, event_id) VALUES ($1, $2, $3, $4, $5)`, [
    result.subject,
    result.attempt,
    result.outcome,
    JSON.stringify(result.checks),
    result.eventId,
  ]);
}
