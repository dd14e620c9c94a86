import type { Tx } from '@mkt/messaging';

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export type IdempotencyClaim = { kind: 'new' } | { kind: 'replay'; response: StoredResponse } | { kind: 'mismatch' };

/**
 * Claims an Idempotency-Key inside the command's transaction. A concurrent request with the same key
 * waits on the primary key until this transaction ends, then replays what it stored.
 */
export async function claimIdempotencyKey(tx: Tx, scope: string, key: string, fingerprint: string): Promise<IdempotencyClaim> {
  const inserted = await tx.query(
    `INSERT INTO idempotency_keys (scope, key, fingerprint) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING key`,
    [scope, key, fingerprint],
  );
  if (inserted.length > 0) return { kind: 'new' };
  const [row] = await tx.query<{ fingerprint: string; status: number | null; headers: Record<string, string> | null; body: unknown }>(
    `SELECT fingerprint, status, headers, body FROM idempotency_keys WHERE scope = $1 AND key = $2`,
    [scope, key],
  );
  if (!row || row.fingerprint !== fingerprint || row.status === null) return { kind: 'mismatch' };
  return { kind: 'replay', response: { status: row.status, headers: row.headers ?? {}, body: row.body } };
}

export async function storeIdempotentResponse(tx: Tx, scope: string, key: string, response: StoredResponse): Promise<void> {
  await tx.query(`UPDATE idempotency_keys SET status = $3, headers = $4, body = $5 WHERE scope = $1 AND key = $2`, [
    scope,
    key,
    response.status,
    JSON.stringify(response.headers),
    JSON.stringify(response.body),
  ]);
}
