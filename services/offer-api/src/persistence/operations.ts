import type { Tx } from '@mkt/messaging';
import type { CommandKind } from '../domain/commands';
import type { Queryable } from './offers';

export interface OperationRow {
  operation_id: string;
  publisher_id: string;
  offer_id: string;
  command: CommandKind;
  attempt: number;
  event_id: string;
  requested_by: string;
  created_at: Date | string;
}

export async function insertOperation(
  tx: Tx,
  operation: { operationId: string; publisherId: string; offerId: string; command: CommandKind; attempt: number; eventId: string; requestedBy: string },
): Promise<OperationRow> {
  const [row] = await tx.query<OperationRow>(
    `INSERT INTO operations (operation_id, publisher_id, offer_id, command, attempt, event_id, requested_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [operation.operationId, operation.publisherId, operation.offerId, operation.command, operation.attempt, operation.eventId, operation.requestedBy],
  );
  return row;
}

/** The offer's latest operations, newest first. */
export async function listOperations(on: Queryable, publisherId: string, offerId: string, limit = 200): Promise<OperationRow[]> {
  return (await on.query(`SELECT * FROM operations WHERE publisher_id = $1 AND offer_id = $2 ORDER BY created_at DESC, operation_id LIMIT $3`, [
    publisherId,
    offerId,
    limit,
  ])) as OperationRow[];
}

export async function findOperation(on: Queryable, publisherId: string, offerId: string, operationId: string): Promise<OperationRow | undefined> {
  const rows = (await on.query(`SELECT * FROM operations WHERE publisher_id = $1 AND offer_id = $2 AND operation_id = $3`, [
    publisherId,
    offerId,
    operationId,
  ])) as OperationRow[];
  return rows[0];
}
