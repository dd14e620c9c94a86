import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Operation } from '../domain/operations';
import { RESPONSE_TEXT_VERSION, responseJson, statusLanguage, statusResponse, type ResponseText, type StatusResponse } from '../domain/status-response';
import { findPreviewPage } from '../persistence/catalog';
import { historyAfter, type HistoryRow } from '../persistence/history';
import { findOffer, findOfferWithView, findStatusResponse, findStatusView, listOffersForOperators } from '../persistence/offers';
import { OFFER_STATUSES, type OfferStatus } from '../domain/status-view';
import { findOperation, listOperations } from '../persistence/operations';
import { operationOf } from './commands';
import { StatusTextCache } from './status-text-cache';
import { liveOf } from './drafts';
import { invalidInput, notFound } from './errors';

/** One event of an offer's history; operators also see its log position and the data as stored. */
export interface HistoryEntry {
  id: string;
  type: string;
  schemaVersion: number;
  attempt: number;
  time: string;
  source: string;
  correlationId: string;
  causationId: string | null;
  outcome: string;
  data: Record<string, unknown>;
  partition?: number;
  offset?: string;
}

/** History as publishers see it; the rendered page is left out (it is served by /preview). */
function historyEntry(row: HistoryRow, withPosition: boolean): HistoryEntry {
  const data =
    row.type === 'PreviewReady' && typeof row.data.productPageHtml === 'string'
      ? { ...row.data, productPageHtml: `(${row.data.productPageHtml.length} characters)` }
      : row.data;
  return {
    id: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    attempt: row.attempt,
    time: new Date(row.time).toISOString(),
    source: row.source,
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    outcome: row.outcome,
    data: withPosition ? row.data : data,
    ...(withPosition ? { partition: row.partition, offset: row.offset } : {}),
  };
}

const MAX_OFFSET = 2n ** 63n - 1n;

/** A history cursor: `<partition>:<offset>` of the last event of the previous page. */
function historyCursor(after: string | undefined): [number, string] {
  if (after === undefined) return [-1, '-1'];
  const match = /^(\d{1,6}):(\d{1,19})$/.exec(after);
  // a Kafka offset is a PostgreSQL bigint: larger is no cursor we gave out (and no query to run)
  if (!match || BigInt(match[2]) > MAX_OFFSET)
    throw invalidInput('invalid cursor', [{ field: 'after', problems: ['after must be <partition>:<offset> from a nextLink'] }]);
  return [Number(match[1]), match[2]];
}

/**
 * Who asks for a preview, as their verified token says: the publisher it belongs to, or a customer with
 * the subscriptions it proves. Nobody else sees a preview (operators neither: it is the publisher's page).
 */
export interface PreviewViewer {
  publisherId?: string;
  subscriptions?: string[];
}

/** An offer as operators list it across publishers. */
export interface OperatorOffer {
  publisherId: string;
  offerId: string;
  title: string | null;
  attempt: number;
  status: string;
  currentStep: string | null;
  lastEventTime: string | null;
  updatedAt: string;
  /** The live version (what the `live` filter selects), whatever the latest attempt is doing. */
  live: { attempt: number; time: string | null } | null;
}

/** What publishers (and operators) read about an offer: status, history, preview, operations. */
@Injectable()
export class OfferQueries {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(StatusTextCache) private readonly cache: StatusTextCache,
  ) {}

  /**
   * Offers of every publisher for operators, from the projection: of one status of the status model (or
   * `live`), with events since `since`, paged by `<publisherId>/<offerId>` cursors.
   */
  async operatorOffers(query: { status?: string; since?: string; after?: string; limit: number }): Promise<{ offers: OperatorOffer[]; next?: string }> {
    const problems: Array<{ field: string; problems: string[] }> = [];
    if (query.status !== undefined && query.status !== 'live' && !OFFER_STATUSES.includes(query.status as OfferStatus))
      problems.push({ field: 'status', problems: [`status must be one of ${[...OFFER_STATUSES, 'live'].join(', ')}`] });
    let since: string | undefined;
    if (query.since !== undefined) {
      const time = new Date(query.since);
      if (!/^\d{4}-\d{2}-\d{2}/.test(query.since) || Number.isNaN(time.getTime()))
        problems.push({ field: 'since', problems: ['since must be an ISO 8601 date-time, e.g. 2025-01-31T12:00:00Z'] });
      else since = time.toISOString();
    }
    const cursor = query.after === undefined ? undefined : /^([a-z0-9-]{1,50})\/([a-z0-9-]{1,50})$/.exec(query.after);
    if (query.after !== undefined && !cursor) problems.push({ field: 'after', problems: ['after must be <publisherId>/<offerId> from a nextLink'] });
    if (problems.length) throw invalidInput('invalid query', problems);
    const rows = await listOffersForOperators(this.dataSource, {
      status: query.status,
      since,
      after: cursor ? { publisherId: cursor[1], offerId: cursor[2] } : undefined,
      limit: query.limit + 1,
    });
    const offers = rows.slice(0, query.limit).map((r): OperatorOffer => ({
      publisherId: r.publisher_id,
      offerId: r.offer_id,
      title: r.title,
      attempt: r.attempt,
      status: r.status,
      currentStep: r.current_step,
      lastEventTime: r.last_event_time,
      updatedAt: r.updated_at.toISOString(),
      live: liveOf(r),
    }));
    const last = offers[offers.length - 1];
    return { offers, next: rows.length > query.limit && last ? `${last.publisherId}/${last.offerId}` : undefined };
  }

  async status(publisherId: string, offerId: string): Promise<StatusResponse> {
    return (await this.statusIn(publisherId, offerId, undefined)).response;
  }

  /**
   * The status view with its step messages in `language` when given (a supported one, e.g. from
   * Accept-Language), else in the offer's notification language; and the language used.
   */
  async statusIn(publisherId: string, offerId: string, language: string | undefined): Promise<{ response: StatusResponse; language: string }> {
    const found = await findOfferWithView(this.dataSource, publisherId, offerId);
    if (!found) throw notFound();
    const shownIn = statusLanguage(language, found.view ?? undefined);
    return { response: statusResponse(publisherId, offerId, found, found.view ?? undefined, shownIn), language: shownIn };
  }

  /**
   * The status view as GET status sends it (JSON text): the projection's stored text when it is right for
   * the offer and the language (the common case: no read renders anything), else rendered from the view.
   * The stored texts last sent are kept in memory until their offer changes (StatusTextCache).
   */
  async statusText(publisherId: string, offerId: string, language: string | undefined): Promise<ResponseText> {
    const cached = this.cache.get(publisherId, offerId, language);
    if (cached) return cached;
    const ticket = this.cache.ticket(publisherId, offerId);
    const found = await findStatusResponse(this.dataSource, publisherId, offerId, language, RESPONSE_TEXT_VERSION);
    if (!found) throw notFound();
    if (found.responseJson !== null && found.responseLanguage !== null) {
      const text = { json: found.responseJson, language: found.responseLanguage };
      this.cache.keep(ticket, text);
      return text;
    }
    const shownIn = statusLanguage(language, found.view ?? undefined);
    return { json: responseJson(statusResponse(publisherId, offerId, found, found.view ?? undefined, shownIn)), language: shownIn };
  }

  /**
   * One page of the offer's history in log order; `next` is the cursor of the following page. Publishers
   * ask about an offer that must exist; operators also about the events of one that was deleted.
   */
  async history(
    publisherId: string,
    offerId: string,
    page: { limit: number; after?: string },
    options: { asOperator: boolean },
  ): Promise<{ entries: HistoryEntry[]; next: string | undefined }> {
    if (!options.asOperator && !(await findOffer(this.dataSource, publisherId, offerId))) throw notFound();
    const rows = await historyAfter(this.dataSource, publisherId, offerId, historyCursor(page.after), page.limit + 1);
    const entries = rows.slice(0, page.limit);
    const last = entries[entries.length - 1];
    return {
      entries: entries.map((row) => historyEntry(row, options.asOperator)),
      next: rows.length > page.limit && last ? `${last.partition}:${last.offset}` : undefined,
    };
  }

  /**
   * The product page in preview of the current attempt. Not allowed and no preview are the same answer
   * after the same single query, whoever asks; the allow-list itself never leaves the server.
   */
  async preview(publisherId: string, offerId: string, viewer: PreviewViewer): Promise<string> {
    const found = await findPreviewPage(this.dataSource, publisherId, offerId);
    const current = found?.view.preview != null && found.view.preview.attempt === found.view.attempt;
    const allowList = new Set((found?.view.previewSubscriptionIds ?? []).map((id) => id.toLowerCase()));
    const allowed = viewer.publisherId === publisherId || (viewer.subscriptions ?? []).some((id) => allowList.has(id));
    if (!found || !current || !allowed) throw notFound('preview');
    return found.html;
  }

  /** The offer's operations, newest first. */
  async operations(publisherId: string, offerId: string): Promise<Operation[]> {
    if (!(await findOffer(this.dataSource, publisherId, offerId))) throw notFound();
    const rows = await listOperations(this.dataSource, publisherId, offerId);
    const view = await findStatusView(this.dataSource, publisherId, offerId);
    return rows.map((row) => operationOf(row, view));
  }

  async operation(publisherId: string, offerId: string, operationId: string): Promise<Operation> {
    if (!(await findOffer(this.dataSource, publisherId, offerId))) throw notFound();
    const row = await findOperation(this.dataSource, publisherId, offerId, operationId);
    if (!row) throw notFound('operation');
    return operationOf(row, await findStatusView(this.dataSource, publisherId, offerId));
  }
}
