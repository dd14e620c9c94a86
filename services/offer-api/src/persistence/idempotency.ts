import type { Tx } from '@mkt/messaging';

export type IdempotencyClaim<T> = { kind: 'new' } | { kind: 'replay'; outcome: T } | { kind: 'mismatch' };

/**
 * Claims an Idempotency-Key inside the command's transaction. A concurrent request with the same key
 * waits on the primary key until this transaction ends, then replays the outcome it stored.
 */
export async function claimIdempotencyKey<T>(tx: Tx, scope: string, key: string, fingerprint: string): Promise<IdempotencyClaim<T>> {
  const inserted = await tx.query(`INSERT INTO idempotency_keys (scope, key, fingerprint) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING key`, [
    scope,
    key,
    fingerprint,
  ]);
  if (inserted.length > 0) return { kind: 'new' };
  const [row] = await tx.query<{ fingerprint: string; outcome: T | null }>(`SELECT fingerprint, outcome FROM idempotency_keys WHERE scope = $1 AND key = $2`, [
    scope,
    key,
  ]);
  if (!row || row.fingerprint !== fingerprint || row.outcome === null) return { kind: 'mismatch' };
  return { kind: 'replay', outcome: row.outcome };
}

export async function storeIdempotentOutcome(tx: Tx, scope: string, key: string, outcome: unknown): Promise<void> {
  await tx.query(`UPDATE idempotency_keys SET outcome = $3 WHERE scope = $1 AND key = $2`, [scope, key, JSON.stringify(outcome)]);
}
