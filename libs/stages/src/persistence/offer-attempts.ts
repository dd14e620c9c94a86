import type { Tx } from '@mkt/messaging';
import { readAttemptRecord, type AttemptRecord } from '../attempts';
import type { StateStore } from '../executor';

/** Reads and locks the offer's attempt row, or undefined when the service has not seen the offer yet. */
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

/** The state store of a stage that keeps `offer_attempts` rows with one of `states`. */
export function attemptStore<S extends string>(states: readonly S[], stage: string): StateStore<AttemptRecord<S> | undefined> {
  return {
    lock: async (tx, subject) => readAttemptRecord(await lockAttempt(tx, subject), states, stage),
    save: (tx, subject, record) => (record ? saveAttempt(tx, subject, record) : Promise.resolve()),
  };
}
