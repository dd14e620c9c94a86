import type { Tx } from '../unit-of-work';

/** The attempt an offer is at, as this service has seen it, and the service's own state for it. */
export interface AttemptRecord {
  attempt: number;
  state: string;
}

/**
 * Reads and locks the offer's attempt row (serialising this offer's handlers and job completions in
 * this service), or undefined when the service has not seen the offer yet.
 */
export async function lockAttempt(tx: Tx, subject: string): Promise<AttemptRecord | undefined> {
  const rows = await tx.query<AttemptRecord>('SELECT attempt, state FROM offer_attempts WHERE subject = $1 FOR UPDATE', [subject]);
  return rows[0];
}

export async function saveAttempt(tx: Tx, subject: string, record: AttemptRecord): Promise<void> {
  await tx.query(
    `INSERT INTO offer_attempts (subject, attempt, state, updated_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (subject) DO UPDATE SET attempt = EXCLUDED.attempt, state = EXCLUDED.state, updated_at = now()`,
    [subject, record.attempt, record.state],
  );
}
