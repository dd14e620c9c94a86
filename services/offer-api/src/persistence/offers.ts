import type { OfferDraft } from '@mkt/events';
import type { Tx } from '@mkt/messaging';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { CommandPhase } from '../domain/commands';
import type { StatusView } from '../domain/status-view';

export interface OfferRow {
  publisher_id: string;
  offer_id: string;
  draft: OfferDraft;
  version: number;
  attempt: number;
  phase: CommandPhase;
  correlation_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export type Queryable = Pick<DataSource, 'query'> | Tx;

const OFFER_COLUMNS = 'publisher_id, offer_id, draft, version, attempt, phase, correlation_id, created_at, updated_at';

export async function findOffer(on: Queryable, publisherId: string, offerId: string, { lock = false } = {}): Promise<OfferRow | undefined> {
  const rows = (await on.query(`SELECT ${OFFER_COLUMNS} FROM offers WHERE publisher_id = $1 AND offer_id = $2${lock ? ' FOR UPDATE' : ''}`, [
    publisherId,
    offerId,
  ])) as OfferRow[];
  return rows[0];
}

export async function insertOffer(tx: Tx, publisherId: string, offerId: string, draft: OfferDraft): Promise<OfferRow | undefined> {
  const rows = await tx.query<OfferRow>(
    `INSERT INTO offers (publisher_id, offer_id, draft, title) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING ${OFFER_COLUMNS}`,
    [publisherId, offerId, JSON.stringify(draft), draft.title ?? null],
  );
  return rows[0];
}

/** Conditional update: only when the version is still the one the caller's ETag named. */
export async function updateOfferDraft(
  tx: Tx,
  publisherId: string,
  offerId: string,
  draft: OfferDraft,
  expectedVersion: number,
): Promise<OfferRow | undefined> {
  const rows = await tx.query<OfferRow>(
    `UPDATE offers SET draft = $3, title = $5, version = version + 1, updated_at = now()
      WHERE publisher_id = $1 AND offer_id = $2 AND version = $4 RETURNING ${OFFER_COLUMNS}`,
    [publisherId, offerId, JSON.stringify(draft), expectedVersion, draft.title ?? null],
  );
  return rows[0];
}

export async function deleteNeverPublishedOffer(tx: Tx, publisherId: string, offerId: string, version: number): Promise<boolean> {
  const rows = await tx.query(`DELETE FROM offers WHERE publisher_id = $1 AND offer_id = $2 AND attempt = 0 AND version = $3 RETURNING offer_id`, [
    publisherId,
    offerId,
    version,
  ]);
  return rows.length > 0;
}

export async function saveCommandState(
  tx: Tx,
  publisherId: string,
  offerId: string,
  state: { attempt: number; phase: CommandPhase; correlationId: string | null },
): Promise<void> {
  await tx.query(`UPDATE offers SET attempt = $3, phase = $4, correlation_id = $5 WHERE publisher_id = $1 AND offer_id = $2`, [
    publisherId,
    offerId,
    state.attempt,
    state.phase,
    state.correlationId,
  ]);
}

export async function findStatusView(on: Queryable, publisherId: string, offerId: string): Promise<StatusView | undefined> {
  const rows = (await on.query(`SELECT view FROM offer_status_view WHERE publisher_id = $1 AND offer_id = $2`, [publisherId, offerId])) as Array<{
    view: StatusView;
  }>;
  return rows[0]?.view;
}

/**
 * The pg pool under TypeORM's DataSource, for the hottest reads (GET status is polled by every portal
 * page and script): one pooled query without a TypeORM QueryRunner around it.
 */
export function pgPool(dataSource: DataSource): Pick<Pool, 'query'> | undefined {
  return (dataSource.driver as unknown as { master?: Pool }).master;
}

/** A query of a hot read: on the pg pool itself when `on` is the DataSource, else (a transaction) on `on`. */
async function hotQuery(on: Queryable, sql: string, params: unknown[]): Promise<unknown[]> {
  const pool = 'driver' in on ? pgPool(on as DataSource) : undefined;
  return pool ? (await pool.query(sql, params)).rows : ((await on.query(sql, params)) as unknown[]);
}

/** The offer's command state and its projected view in one round trip. */
export async function findOfferWithView(
  on: Queryable,
  publisherId: string,
  offerId: string,
): Promise<{ attempt: number; phase: CommandPhase; view: StatusView | null } | undefined> {
  const rows = (await hotQuery(
    on,
    `SELECT o.attempt, o.phase, v.view FROM offers o
       LEFT JOIN offer_status_view v ON v.publisher_id = o.publisher_id AND v.offer_id = o.offer_id
      WHERE o.publisher_id = $1 AND o.offer_id = $2`,
    [publisherId, offerId],
  )) as Array<{ attempt: number; phase: CommandPhase; view: StatusView | null }>;
  return rows[0];
}

/**
 * What GET status sends, in one round trip: the stored response text when it is still right for the
 * offer (the view is of its latest attempt, rendered with `version`, in `language` or none was asked),
 * else the view to render it from (null when nothing is projected yet); undefined when there is no offer.
 */
export async function findStatusResponse(
  on: Queryable,
  publisherId: string,
  offerId: string,
  language: string | undefined,
  version: string,
): Promise<{ attempt: number; responseJson: string | null; responseLanguage: string | null; view: StatusView | null } | undefined> {
  const sql = `SELECT o.attempt, CASE WHEN f.fresh THEN v.response_json END AS "responseJson", v.response_language AS "responseLanguage",
                      CASE WHEN f.fresh THEN NULL ELSE v.view END AS view
                 FROM offers o
                 LEFT JOIN offer_status_view v ON v.publisher_id = o.publisher_id AND v.offer_id = o.offer_id
                 CROSS JOIN LATERAL (SELECT coalesce(v.attempt = o.attempt AND v.response_version = $3 AND ($4::text IS NULL OR v.response_language = $4)
                                                     AND v.response_json IS NOT NULL, false) AS fresh) f
                WHERE o.publisher_id = $1 AND o.offer_id = $2`;
  const rows = await hotQuery(on, sql, [publisherId, offerId, version, language ?? null]);
  return (rows as Array<{ attempt: number; responseJson: string | null; responseLanguage: string | null; view: StatusView | null }>)[0];
}

export interface OfferListRow {
  offer_id: string;
  version: number;
  attempt: number;
  title: string | null;
  status: string;
  current_step: string | null;
  updated_at: Date;
  last_event_time: string | null;
  /** The live version, whatever the latest attempt is doing. */
  live_attempt: number | null;
  live_time: string | null;
}

/** SQL for the status an offer shows in "All offers" (the same rule as displayedStatus in the domain). */
const LIST_STATUS = `CASE
  WHEN o.attempt = 0 THEN 'neverPublished'
  WHEN v.attempt IS NULL OR v.attempt < o.attempt THEN 'notStarted'
  ELSE v.status END`;

const LIST_COLUMNS = `o.offer_id, o.version, o.attempt, o.title, ${LIST_STATUS} AS status,
  CASE WHEN v.attempt = o.attempt THEN v.current_step END AS current_step, o.updated_at, v.last_event_time, v.live_attempt, v.live_time`;

/**
 * One page of a publisher's offers in id order, after `after` (keyset paging), optionally of one status.
 * Each filter walks an index in id order (projected statuses: the view's (publisher, status, offer)
 * index), so a page costs the same wherever it starts.
 */
export async function listOffers(on: Queryable, publisherId: string, options: { after?: string; limit: number; status?: string }): Promise<OfferListRow[]> {
  const params: unknown[] = [publisherId, options.after ?? '', options.limit];
  const join = 'LEFT JOIN offer_status_view v ON v.publisher_id = o.publisher_id AND v.offer_id = o.offer_id';
  let sql: string;
  if (!options.status) {
    sql = `SELECT ${LIST_COLUMNS} FROM offers o ${join} WHERE o.publisher_id = $1 AND o.offer_id > $2 ORDER BY o.offer_id LIMIT $3`;
  } else if (options.status === 'neverPublished') {
    sql = `SELECT ${LIST_COLUMNS} FROM offers o ${join} WHERE o.publisher_id = $1 AND o.offer_id > $2 AND o.attempt = 0 ORDER BY o.offer_id LIMIT $3`;
  } else if (options.status === 'notStarted') {
    sql = `SELECT ${LIST_COLUMNS} FROM offers o ${join}
            WHERE o.publisher_id = $1 AND o.offer_id > $2 AND o.attempt > 0 AND (v.attempt IS NULL OR v.attempt < o.attempt)
            ORDER BY o.offer_id LIMIT $3`;
  } else {
    params.push(options.status);
    sql = `SELECT ${LIST_COLUMNS} FROM offer_status_view v
             JOIN offers o ON o.publisher_id = v.publisher_id AND o.offer_id = v.offer_id
            WHERE v.publisher_id = $1 AND v.status = $4 AND v.offer_id > $2 AND o.attempt > 0 AND v.attempt >= o.attempt
            ORDER BY v.offer_id LIMIT $3`;
  }
  return (await on.query(sql, params)) as OfferListRow[];
}

export interface OperatorOfferRow extends OfferListRow {
  publisher_id: string;
}

/**
 * Offers of every publisher for operators, in (publisher, offer) order after `after` (keyset paging):
 * of one displayed status (or `live`: an attempt is live), with an event since `since` (ISO text, as the
 * view keeps it).
 */
export async function listOffersForOperators(
  on: Queryable,
  options: { after?: { publisherId: string; offerId: string }; status?: string; since?: string; limit: number },
): Promise<OperatorOfferRow[]> {
  // every parameter is referenced (typed), whichever the filter: PostgreSQL refuses a parameter it cannot type
  const statusFilter = options.status === 'live' ? `v.live_attempt IS NOT NULL AND $3::text IS NULL` : `($3::text IS NULL OR ${LIST_STATUS} = $3)`;
  const sql = `SELECT o.publisher_id, ${LIST_COLUMNS}
     FROM offers o LEFT JOIN offer_status_view v ON v.publisher_id = o.publisher_id AND v.offer_id = o.offer_id
     WHERE (o.publisher_id, o.offer_id) > ($1, $2) AND ${statusFilter} AND ($4::text IS NULL OR v.last_event_time >= $4)
     ORDER BY o.publisher_id, o.offer_id LIMIT $5`;
  const params = [
    options.after?.publisherId ?? '',
    options.after?.offerId ?? '',
    options.status === 'live' ? null : (options.status ?? null),
    options.since ?? null,
    options.limit,
  ];
  return (await on.query(sql, params)) as OperatorOfferRow[];
}
