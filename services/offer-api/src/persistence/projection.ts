import { parseOfferSubject, unhandledEvent, type OfferEvent } from '@mkt/events';
import { classifyFailure, type Tx } from '@mkt/messaging';
import type { DataSource } from 'typeorm';
import { responseText, RESPONSE_TEXT_VERSION } from '../domain/status-response';
import { currentStep, evolve, initialStatusView, VIEW_VERSION, type StatusView } from '../domain/status-view';
import { historyEvent, offerHistory } from './history';
import { createProjectionTables } from './migrations/1733200000000-offer-api-tables';
import { addViewColumns } from './migrations/1733200400000-view-version-live';
import { addResponseTextColumns } from './migrations/1733200500000-response-text';
import { notifyAllStatusesChanged } from './status-notifications';

/** One set of projection tables: the live one, or the shadow set a rebuild fills. */
export interface ProjectionTables {
  view: string;
  history: string;
  pages: string;
}

export const LIVE_TABLES: ProjectionTables = { view: 'offer_status_view', history: 'offer_event_history', pages: 'offer_pages' };
export const REBUILD_PREFIX = 'rebuild_';
export const SHADOW_TABLES: ProjectionTables = {
  view: REBUILD_PREFIX + LIVE_TABLES.view,
  history: REBUILD_PREFIX + LIVE_TABLES.history,
  pages: REBUILD_PREFIX + LIVE_TABLES.pages,
};

export interface LogPosition {
  partition: number;
  offset: string;
}

export type ApplyOutcome = 'applied' | 'ignored' | 'duplicate';

/** An event with the log position it was read at. */
export interface PositionedEvent {
  event: OfferEvent;
  position: LogPosition;
}

interface ViewRow {
  view: StatusView;
  last_partition: number;
  last_offset: string;
}

/**
 * Applies one event to the projection, in the consumer's transaction: the status view row (locked),
 * the event history and the product pages. The event's log position is stored with the view, so an
 * event at or before it is never applied again (the inbox drops redeliveries by id; the position
 * covers a rebuild swapped in ahead of the live consumer).
 */
export async function applyToProjection(tx: Tx, tables: ProjectionTables, event: OfferEvent, position: LogPosition): Promise<ApplyOutcome> {
  const { publisherId, offerId } = parseOfferSubject(event.subject);
  const [row] = await tx.query<ViewRow>(`SELECT view, last_partition, last_offset FROM ${tables.view} WHERE publisher_id = $1 AND offer_id = $2 FOR UPDATE`, [
    publisherId,
    offerId,
  ]);
  if (row && row.last_partition === position.partition && BigInt(row.last_offset) >= BigInt(position.offset)) return 'duplicate';
  const before = row?.view ?? initialStatusView(publisherId, offerId);
  const after = evolve(before, event);
  const outcome: ApplyOutcome = after === before ? 'ignored' : 'applied';

  const stored = await tx.query(
    `INSERT INTO ${tables.history}
       (event_id, publisher_id, offer_id, type, schema_version, attempt, time, source, correlation_id, causation_id, data, partition, "offset", outcome)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    [
      event.id,
      publisherId,
      offerId,
      event.type,
      event.schemaVersion,
      event.attempt,
      event.time,
      event.source,
      event.correlationId,
      event.causationId,
      JSON.stringify(event.data),
      position.partition,
      position.offset,
      outcome,
    ],
  );
  if (stored.length === 0) return 'duplicate';

  const text = responseText(after);
  await tx.query(
    `INSERT INTO ${tables.view}
       (publisher_id, offer_id, attempt, status, live_attempt, current_step, last_event_time, view, last_partition, last_offset, last_event_id,
        live_time, view_version, response_json, response_language, response_version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
     ON CONFLICT (publisher_id, offer_id) DO UPDATE SET attempt = EXCLUDED.attempt, status = EXCLUDED.status,
       live_attempt = EXCLUDED.live_attempt, current_step = EXCLUDED.current_step, last_event_time = EXCLUDED.last_event_time,
       live_time = EXCLUDED.live_time,
       -- a row folded by an older version stays marked as such (only a rebuild folds it all again)
       view_version = LEAST(${tables.view}.view_version, EXCLUDED.view_version),
       view = EXCLUDED.view, last_partition = EXCLUDED.last_partition, last_offset = EXCLUDED.last_offset, last_event_id = EXCLUDED.last_event_id,
       response_json = EXCLUDED.response_json, response_language = EXCLUDED.response_language, response_version = EXCLUDED.response_version`,
    [
      publisherId,
      offerId,
      after.attempt,
      after.status,
      after.live?.attempt ?? null,
      currentStep(after)?.id ?? null,
      after.lastEventTime,
      JSON.stringify(after),
      position.partition,
      position.offset,
      event.id,
      after.live?.time ?? null,
      VIEW_VERSION,
      text.json,
      text.language,
      RESPONSE_TEXT_VERSION,
    ],
  );
  if (outcome === 'applied') await updatePages(tx, tables, publisherId, offerId, event);
  return outcome;
}

/** The product pages follow the view: preview while the attempt has one, live from WentLive on. */
async function updatePages(tx: Tx, tables: ProjectionTables, publisherId: string, offerId: string, event: OfferEvent): Promise<void> {
  switch (event.type) {
    case 'PreviewReady':
      await tx.query(
        `INSERT INTO ${tables.pages} (publisher_id, offer_id, kind, attempt, html, hash) VALUES ($1, $2, 'preview', $3, $4, $5)
         ON CONFLICT (publisher_id, offer_id, kind) DO UPDATE SET attempt = EXCLUDED.attempt, html = EXCLUDED.html, hash = EXCLUDED.hash`,
        [publisherId, offerId, event.attempt, event.data.productPageHtml, event.data.productPageHash],
      );
      break;
    case 'WentLive':
      await tx.query(
        `INSERT INTO ${tables.pages} (publisher_id, offer_id, kind, attempt, html, hash)
         SELECT publisher_id, offer_id, 'live', attempt, html, hash FROM ${tables.pages}
          WHERE publisher_id = $1 AND offer_id = $2 AND kind = 'preview' AND attempt = $3
         ON CONFLICT (publisher_id, offer_id, kind) DO UPDATE SET attempt = EXCLUDED.attempt, html = EXCLUDED.html, hash = EXCLUDED.hash`,
        [publisherId, offerId, event.attempt],
      );
      break;
    case 'OfferSubmitted':
    case 'PublishCanceled':
      await tx.query(`DELETE FROM ${tables.pages} WHERE publisher_id = $1 AND offer_id = $2 AND kind = 'preview'`, [publisherId, offerId]);
      break;
    // no product page changes on these
    case 'PrerequisitesValidated':
    case 'PrerequisitesRejected':
    case 'CertificationStarted':
    case 'CertificationPassed':
    case 'CertificationFailed':
    case 'ReplicationStarted':
    case 'ImageReplicationProgressed':
    case 'ImagesReplicated':
    case 'ReplicationFailed':
    case 'PackagingStarted':
    case 'PackagingFailed':
    case 'GoLiveRequested':
    case 'GoLiveFailed':
    case 'NotificationSent':
    case 'NotificationFailed':
      break;
    default:
      unhandledEvent(event, 'product pages');
  }
}

export interface ProjectionChecksum {
  views: number;
  events: number;
  pages: number;
  /** md5 over every row of the three tables, in key order. */
  checksum: string;
}

export async function projectionChecksum(on: Pick<DataSource, 'query'> | Tx, tables: ProjectionTables = LIVE_TABLES): Promise<ProjectionChecksum> {
  const [row] = (await on.query(
    `SELECT
       (SELECT count(*)::int FROM ${tables.view}) AS views,
       (SELECT count(*)::int FROM ${tables.history}) AS events,
       (SELECT count(*)::int FROM ${tables.pages}) AS pages,
       md5(
         coalesce((SELECT string_agg(md5(t::text), '' ORDER BY publisher_id, offer_id) FROM ${tables.view} t), '') ||
         coalesce((SELECT string_agg(md5(t::text), '' ORDER BY event_id) FROM ${tables.history} t), '') ||
         coalesce((SELECT string_agg(md5(t::text), '' ORDER BY publisher_id, offer_id, kind) FROM ${tables.pages} t), '')
       ) AS checksum`,
  )) as ProjectionChecksum[];
  return row;
}

/** Highest log offset applied per partition (from the history, which records every event once). */
export async function appliedPositions(on: Pick<DataSource, 'query'> | Tx, tables: ProjectionTables): Promise<Map<number, bigint>> {
  const rows = (await on.query(`SELECT partition, max("offset")::text AS "offset" FROM ${tables.history} GROUP BY partition`)) as Array<{
    partition: number;
    offset: string;
  }>;
  return new Map(rows.map((r) => [r.partition, BigInt(r.offset)]));
}

/**
 * Applies a batch of events in order, in the caller's transaction, with the same outcome as applying
 * them one by one (applyToProjection) but a fixed number of statements: the batch's views are read (and
 * locked) at once, each offer's events folded in memory, then the history rows and the final views
 * written with one statement each (their rows as one JSON document), the page changes in a few rounds.
 */
export async function applyAllToProjection(tx: Tx, tables: ProjectionTables, items: PositionedEvent[]): Promise<void> {
  if (items.length === 0) return;
  const subjects = [...new Set(items.map((item) => item.event.subject))].map((subject) => ({ subject, ...parseOfferSubject(subject) }));
  const rows = await tx.query<ViewRow & { publisher_id: string; offer_id: string }>(
    `SELECT v.publisher_id, v.offer_id, v.view, v.last_partition, v.last_offset FROM ${tables.view} v
       JOIN unnest($1::text[], $2::text[]) AS k(publisher_id, offer_id) USING (publisher_id, offer_id)
      ORDER BY v.publisher_id, v.offer_id FOR UPDATE OF v`,
    [subjects.map((s) => s.publisherId), subjects.map((s) => s.offerId)],
  );
  const known = new Set(
    (await tx.query<{ event_id: string }>(`SELECT event_id FROM ${tables.history} WHERE event_id = ANY($1::text[])`, [items.map((item) => item.event.id)])).map(
      (row) => row.event_id,
    ),
  );
  const views = new Map<string, { view: StatusView; partition: number; offset: bigint; eventId?: string; changed: boolean }>();
  for (const row of rows)
    views.set(`${row.publisher_id}/${row.offer_id}`, { view: row.view, partition: row.last_partition, offset: BigInt(row.last_offset), changed: false });
  const history: Array<{ item: PositionedEvent; outcome: ApplyOutcome }> = [];
  const pageChanges: PositionedEvent[] = [];
  for (const item of items) {
    const { event, position } = item;
    const current = views.get(event.subject);
    if (current && current.partition === position.partition && current.offset >= BigInt(position.offset)) continue;
    if (known.has(event.id)) continue;
    known.add(event.id);
    const { publisherId, offerId } = parseOfferSubject(event.subject);
    const before = current?.view ?? initialStatusView(publisherId, offerId);
    const after = evolve(before, event);
    const outcome: ApplyOutcome = after === before ? 'ignored' : 'applied';
    history.push({ item, outcome });
    views.set(event.subject, { view: after, partition: position.partition, offset: BigInt(position.offset), eventId: event.id, changed: true });
    if (outcome === 'applied') pageChanges.push(item);
  }
  if (history.length === 0) return;
  // each statement's rows as one JSON document (json_to_recordset): one JSON.stringify instead of a text
  // array literal per column, where every quote of the events' and views' JSON would be escaped
  await tx.query(
    `INSERT INTO ${tables.history}
       (event_id, publisher_id, offer_id, type, schema_version, attempt, time, source, correlation_id, causation_id, data, partition, "offset", outcome)
     SELECT event_id, publisher_id, offer_id, type, schema_version, attempt, time, source, correlation_id, causation_id, data, partition, "offset", outcome
       FROM json_to_recordset($1::json) AS r(event_id text, publisher_id text, offer_id text, type text, schema_version int, attempt int, time timestamptz,
                                            source text, correlation_id text, causation_id text, data jsonb, partition int, "offset" bigint, outcome text)
     ON CONFLICT (event_id) DO NOTHING`,
    [
      JSON.stringify(
        history.map(({ item: { event, position }, outcome }) => {
          const { publisherId, offerId } = parseOfferSubject(event.subject);
          return {
            event_id: event.id,
            publisher_id: publisherId,
            offer_id: offerId,
            type: event.type,
            schema_version: event.schemaVersion,
            attempt: event.attempt,
            time: event.time,
            source: event.source,
            correlation_id: event.correlationId,
            causation_id: event.causationId ?? null,
            data: event.data,
            partition: position.partition,
            offset: position.offset,
            outcome,
          };
        }),
      ),
    ],
  );
  const changed = [...views.entries()].filter(([, v]) => v.changed).map(([subject, v]) => ({ ...parseOfferSubject(subject), ...v }));
  await tx.query(
    `INSERT INTO ${tables.view}
       (publisher_id, offer_id, attempt, status, live_attempt, current_step, last_event_time, view, last_partition, last_offset, last_event_id,
        live_time, view_version, response_json, response_language, response_version)
     SELECT publisher_id, offer_id, attempt, status, live_attempt, current_step, last_event_time, view, last_partition, last_offset, last_event_id,
            live_time, view_version, response_json, response_language, response_version
       FROM json_to_recordset($1::json) AS r(publisher_id text, offer_id text, attempt int, status text, live_attempt int, current_step text,
                                            last_event_time text, view jsonb, last_partition int, last_offset bigint, last_event_id text,
                                            live_time text, view_version int, response_json text, response_language text, response_version text)
     ON CONFLICT (publisher_id, offer_id) DO UPDATE SET attempt = EXCLUDED.attempt, status = EXCLUDED.status,
       live_attempt = EXCLUDED.live_attempt, current_step = EXCLUDED.current_step, last_event_time = EXCLUDED.last_event_time,
       live_time = EXCLUDED.live_time,
       view_version = LEAST(${tables.view}.view_version, EXCLUDED.view_version),
       view = EXCLUDED.view, last_partition = EXCLUDED.last_partition, last_offset = EXCLUDED.last_offset, last_event_id = EXCLUDED.last_event_id,
       response_json = EXCLUDED.response_json, response_language = EXCLUDED.response_language, response_version = EXCLUDED.response_version`,
    [
      JSON.stringify(
        changed.map((v) => {
          const text = responseText(v.view);
          return {
            publisher_id: v.publisherId,
            offer_id: v.offerId,
            attempt: v.view.attempt,
            status: v.view.status,
            live_attempt: v.view.live?.attempt ?? null,
            current_step: currentStep(v.view)?.id ?? null,
            last_event_time: v.view.lastEventTime,
            view: v.view,
            last_partition: v.partition,
            last_offset: v.offset.toString(),
            last_event_id: v.eventId ?? null,
            live_time: v.view.live?.time ?? null,
            view_version: VIEW_VERSION,
            response_json: text.json,
            response_language: text.language,
            response_version: RESPONSE_TEXT_VERSION,
          };
        }),
      ),
    ],
  );
  await updatePagesInRounds(tx, tables, pageChanges);
}

/**
 * The page changes of a batch with a few statements: round k holds the k-th page-changing event of each
 * offer, so that an offer's changes keep their order while those of different offers (which touch only
 * their own rows) go together, one statement per kind of change in a round.
 */
async function updatePagesInRounds(tx: Tx, tables: ProjectionTables, items: PositionedEvent[]): Promise<void> {
  const perOffer = new Map<string, OfferEvent[]>();
  for (const { event } of items) {
    if (event.type !== 'PreviewReady' && event.type !== 'WentLive' && event.type !== 'OfferSubmitted' && event.type !== 'PublishCanceled') continue;
    const list = perOffer.get(event.subject);
    if (list) list.push(event);
    else perOffer.set(event.subject, [event]);
  }
  for (let round = 0; perOffer.size > 0; round += 1) {
    const previews: Array<Extract<OfferEvent, { type: 'PreviewReady' }>> = [];
    const lives: OfferEvent[] = [];
    const cleared: OfferEvent[] = [];
    for (const [subject, events] of perOffer) {
      const event = events[round];
      if (!event) {
        perOffer.delete(subject);
        continue;
      }
      if (event.type === 'PreviewReady') previews.push(event);
      else if (event.type === 'WentLive') lives.push(event);
      else cleared.push(event);
    }
    const keys = (events: OfferEvent[]) => {
      const parsed = events.map((event) => parseOfferSubject(event.subject));
      return [parsed.map((k) => k.publisherId), parsed.map((k) => k.offerId)];
    };
    if (cleared.length)
      await tx.query(
        `DELETE FROM ${tables.pages} p USING unnest($1::text[], $2::text[]) AS k(publisher_id, offer_id)
          WHERE p.publisher_id = k.publisher_id AND p.offer_id = k.offer_id AND p.kind = 'preview'`,
        keys(cleared),
      );
    if (previews.length)
      await tx.query(
        `INSERT INTO ${tables.pages} (publisher_id, offer_id, kind, attempt, html, hash)
         SELECT publisher_id, offer_id, 'preview', attempt, html, hash FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[])
           AS k(publisher_id, offer_id, attempt, html, hash)
         ON CONFLICT (publisher_id, offer_id, kind) DO UPDATE SET attempt = EXCLUDED.attempt, html = EXCLUDED.html, hash = EXCLUDED.hash`,
        [...keys(previews), previews.map((e) => e.attempt), previews.map((e) => e.data.productPageHtml), previews.map((e) => e.data.productPageHash)],
      );
    if (lives.length)
      await tx.query(
        `INSERT INTO ${tables.pages} (publisher_id, offer_id, kind, attempt, html, hash)
         SELECT p.publisher_id, p.offer_id, 'live', p.attempt, p.html, p.hash FROM ${tables.pages} p
           JOIN unnest($1::text[], $2::text[], $3::int[]) AS k(publisher_id, offer_id, attempt)
             ON p.publisher_id = k.publisher_id AND p.offer_id = k.offer_id AND p.attempt = k.attempt
          WHERE p.kind = 'preview'
         ON CONFLICT (publisher_id, offer_id, kind) DO UPDATE SET attempt = EXCLUDED.attempt, html = EXCLUDED.html, hash = EXCLUDED.hash`,
        [...keys(lives), lives.map((e) => e.attempt)],
      );
  }
}

/**
 * Applies each event in a savepoint of its own: one the projection cannot apply is rolled back and
 * passed to `onFailure`, the others are applied. A transient failure (the database away) is thrown.
 */
export async function applyEachToProjection(
  tx: Tx,
  tables: ProjectionTables,
  items: PositionedEvent[],
  onFailure: (item: PositionedEvent, error: unknown) => void,
): Promise<void> {
  for (const item of items) {
    await tx.query('SAVEPOINT projection_event');
    try {
      await applyToProjection(tx, tables, item.event, item.position);
      await tx.query('RELEASE SAVEPOINT projection_event');
    } catch (error) {
      if (classifyFailure(error).kind === 'transient') throw error;
      await tx.query('ROLLBACK TO SAVEPOINT projection_event');
      onFailure(item, error);
    }
  }
}

/**
 * Recomputes one offer's view, history outcomes and pages from its stored events, in the caller's
 * transaction, with the view row locked; returns the view before and after.
 */
export async function reprojectOffer(
  tx: Tx,
  tables: ProjectionTables,
  publisherId: string,
  offerId: string,
): Promise<{ events: number; before: StatusView | null; after: StatusView | null }> {
  const [current] = await tx.query<{ view: StatusView }>(`SELECT view FROM ${tables.view} WHERE publisher_id = $1 AND offer_id = $2 FOR UPDATE`, [
    publisherId,
    offerId,
  ]);
  const rows = await offerHistory(tx, tables, publisherId, offerId);
  for (const table of [tables.view, tables.history, tables.pages]) {
    await tx.query(`DELETE FROM ${table} WHERE publisher_id = $1 AND offer_id = $2`, [publisherId, offerId]);
  }
  const subject = `${publisherId}/${offerId}`;
  for (const row of rows) await applyToProjection(tx, tables, historyEvent(row, subject), { partition: row.partition, offset: row.offset });
  const [after] = await tx.query<{ view: StatusView }>(`SELECT view FROM ${tables.view} WHERE publisher_id = $1 AND offer_id = $2`, [publisherId, offerId]);
  return { events: rows.length, before: current?.view ?? null, after: after?.view ?? null };
}

/** Empty shadow tables for a rebuild (whatever an earlier one left is dropped). */
export async function recreateShadowTables(dataSource: DataSource): Promise<void> {
  await dropShadowTables(dataSource);
  await createProjectionTableSet(dataSource, REBUILD_PREFIX);
}

/** A set of projection tables named `<prefix>offer_status_view` etc., as the migrations leave the live ones. */
export async function createProjectionTableSet(on: { query(sql: string): Promise<unknown> }, prefix: string): Promise<void> {
  await createProjectionTables(on, prefix);
  await addViewColumns(on, prefix);
  await addResponseTextColumns(on, prefix);
}

/** How many stored views an older version of the fold wrote (they are right once the projection is rebuilt). */
export async function countStaleViews(on: Pick<DataSource, 'query'>): Promise<number> {
  const [row] = (await on.query(`SELECT count(*)::int AS n FROM ${LIVE_TABLES.view} WHERE view_version < $1`, [VIEW_VERSION])) as Array<{ n: number }>;
  return row.n;
}

export async function dropShadowTables(dataSource: DataSource): Promise<void> {
  await dataSource.query(`DROP TABLE IF EXISTS ${SHADOW_TABLES.view}, ${SHADOW_TABLES.history}, ${SHADOW_TABLES.pages}`);
}

/**
 * Puts the shadow in the live projection's place. The live tables are first locked against writes only
 * (EXCLUSIVE: the live consumer waits, readers go on reading the old rows); `catchUp` is given the live
 * positions (highest offset applied per partition) to bring the shadow at least that far, which is checked.
 * Only then are the tables exchanged by renaming, under ACCESS EXCLUSIVE for the few milliseconds the
 * DDL takes: a GET waits that long at most, instead of for a copy of every row.
 */
export async function swapInShadow(dataSource: DataSource, catchUp: (live: Map<number, bigint>) => Promise<void>): Promise<ProjectionChecksum> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  const tables = [
    [LIVE_TABLES.view, SHADOW_TABLES.view],
    [LIVE_TABLES.history, SHADOW_TABLES.history],
    [LIVE_TABLES.pages, SHADOW_TABLES.pages],
  ] as const;
  try {
    await runner.startTransaction();
    // the order the consumer takes them in (the view row FOR UPDATE first), so that a transaction of it already under way cannot deadlock with this one
    await runner.query(`LOCK TABLE ${tables.map(([live]) => live).join(', ')} IN EXCLUSIVE MODE`);
    const live = await appliedPositions(runner, LIVE_TABLES);
    await catchUp(live);
    const shadow = await appliedPositions(runner, SHADOW_TABLES);
    const behind = [...live].filter(([partition, offset]) => (shadow.get(partition) ?? -1n) < offset);
    if (behind.length) throw new Error(`the rebuilt projection is behind the live one on partitions ${behind.map(([p]) => p).join(', ')}`);
    const checksum = await projectionChecksum(runner, SHADOW_TABLES);
    await runner.query(`LOCK TABLE ${tables.map(([live]) => live).join(', ')} IN ACCESS EXCLUSIVE MODE`);
    for (const [target, source] of tables) {
      // the shadow's indexes (its primary key included) take the live names, which the drop frees
      const indexes = (await runner.query(`SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1`, [source])) as Array<{
        indexname: string;
      }>;
      await runner.query(`DROP TABLE ${target}`);
      await runner.query(`ALTER TABLE ${source} RENAME TO ${target}`);
      for (const { indexname } of indexes) {
        if (indexname.startsWith(REBUILD_PREFIX)) await runner.query(`ALTER INDEX "${indexname}" RENAME TO "${indexname.slice(REBUILD_PREFIX.length)}"`);
      }
    }
    // every instance drops what it kept of the old rows (StatusTextCache) when this commits
    await notifyAllStatusesChanged(runner);
    await runner.commitTransaction();
    return checksum;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}
