import type { OfferEvent } from '@mkt/events';
import type { Queryable } from './offers';
import type { ProjectionTables } from './projection';

/** One event of an offer as the projection recorded it, with its log position and outcome. */
export interface HistoryRow {
  event_id: string;
  type: string;
  schema_version: number;
  attempt: number;
  time: Date;
  source: string;
  correlation_id: string;
  causation_id: string | null;
  data: Record<string, unknown>;
  partition: number;
  offset: string;
  outcome: string;
}

const HISTORY_COLUMNS =
  'h.event_id, h.type, h.schema_version, h.attempt, h.time, h.source, h.correlation_id, h.causation_id, h.data, h.partition, h."offset"::text AS "offset", h.outcome';

/** The stored event as it was on the log. */
export function historyEvent(row: HistoryRow, subject: string): OfferEvent {
  return {
    id: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    source: row.source,
    time: new Date(row.time).toISOString(),
    subject,
    attempt: row.attempt,
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    data: row.data,
  } as unknown as OfferEvent;
}

/** Up to `limit` events of the offer in log order after the position `after` (`[-1, '-1']` from the start). */
export async function historyAfter(on: Queryable, publisherId: string, offerId: string, after: [number, string], limit: number): Promise<HistoryRow[]> {
  return (await on.query(
    `SELECT ${HISTORY_COLUMNS} FROM offer_event_history h
      WHERE h.publisher_id = $1 AND h.offer_id = $2 AND (h.partition, h."offset") > ($3::int, $4::bigint)
      ORDER BY h.partition, h."offset" LIMIT $5`,
    [publisherId, offerId, after[0], after[1], limit],
  )) as HistoryRow[];
}

/** Every stored event of the offer in log order. */
export async function offerHistory(on: Queryable, tables: ProjectionTables, publisherId: string, offerId: string): Promise<HistoryRow[]> {
  return (await on.query(`SELECT ${HISTORY_COLUMNS} FROM ${tables.history} h WHERE h.publisher_id = $1 AND h.offer_id = $2 ORDER BY h.partition, h."offset"`, [
    publisherId,
    offerId,
  ])) as HistoryRow[];
}
