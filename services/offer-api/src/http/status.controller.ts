import { Controller, Get, Inject, Param, Query, Res, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import type { OfferApiConfig } from '../config';
import { statusResponse } from '../domain/status-response';
import type { StatusView } from '../domain/status-view';
import { HISTORY_COLUMNS, type HistoryRow } from '../handlers/operator';
import { findOffer, findOfferWithView } from '../persistence/offers';
import { Access, AccessGuard, ApiVersioned, CurrentPrincipal, OFFER_API_CONFIG, type Principal } from './auth';
import { pageLimit, PublisherRoute, withApiVersion } from './common';
import { HistoryPageDto, StatusDto } from './dto';
import { ApiError, notFound } from './errors';

/** Headers of served product pages: the HTML was sanitised by packaging; this keeps scripts out regardless. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};

/** History as publishers see it; the rendered page is left out (it is served by /preview). */
export function historyItem(row: HistoryRow, withPosition: boolean) {
  const data = row.type === 'PreviewReady' && typeof row.data.productPageHtml === 'string' ? { ...row.data, productPageHtml: `(${row.data.productPageHtml.length} characters)` } : row.data;
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

/** One page of an offer's history in log order; the cursor is `<partition>:<offset>` of the last event. */
export async function historyPage(dataSource: DataSource, publisherId: string, offerId: string, limit: number, after: string | undefined) {
  let cursor: [number, string] = [-1, '-1'];
  if (after !== undefined) {
    const match = /^(\d{1,6}):(\d{1,19})$/.exec(after);
    // a Kafka offset is a PostgreSQL bigint: larger is no cursor we gave out (and no query to run)
    if (!match || BigInt(match[2]) > MAX_OFFSET) throw new ApiError(400, 'validation-failed', 'invalid cursor', { fields: [{ field: 'after', problems: ['after must be <partition>:<offset> from a nextLink'] }] });
    cursor = [Number(match[1]), match[2]];
  }
  const rows = (await dataSource.query(
    `SELECT ${HISTORY_COLUMNS} FROM offer_event_history h
      WHERE h.publisher_id = $1 AND h.offer_id = $2 AND (h.partition, h."offset") > ($3::int, $4::bigint)
      ORDER BY h.partition, h."offset" LIMIT $5`,
    [publisherId, offerId, cursor[0], cursor[1], limit + 1],
  )) as HistoryRow[];
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, next: rows.length > limit && last ? `${last.partition}:${last.offset}` : undefined };
}

@ApiTags('status')
@PublisherRoute()
@Controller('api/publishers/:publisherId/offers/:offerId')
@UseGuards(AccessGuard)
@ApiVersioned()
export class StatusController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(OFFER_API_CONFIG) private readonly config: OfferApiConfig,
  ) {}

  @Get('status')
  @Access('read')
  @ApiOperation({ summary: 'The status view: the seven steps of the latest attempt (Cloud Partner Portal shape)' })
  @ApiResponse({ status: 200, type: StatusDto })
  async status(@Param('publisherId') publisherId: string, @Param('offerId') offerId: string) {
    const found = await findOfferWithView(this.dataSource, publisherId, offerId);
    if (!found) throw notFound();
    return statusResponse(publisherId, offerId, found, found.view ?? undefined);
  }

  @Get('events')
  @Access('read')
  @ApiOperation({ summary: "The offer's event history, in log order (paged)" })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'after', required: false })
  @ApiResponse({ status: 200, type: HistoryPageDto })
  async events(@Param('publisherId') publisherId: string, @Param('offerId') offerId: string, @Query('limit') rawLimit?: string, @Query('after') after?: string) {
    const limit = pageLimit(rawLimit, this.config);
    if (!(await findOffer(this.dataSource, publisherId, offerId))) throw notFound();
    const { rows, next } = await historyPage(this.dataSource, publisherId, offerId, limit, after);
    return {
      value: rows.map((row) => historyItem(row, false)),
      nextLink: next ? withApiVersion(`/api/publishers/${publisherId}/offers/${offerId}/events`, { limit, after: next }) : null,
    };
  }

  @Get('preview')
  @Access('preview')
  @ApiOperation({ summary: 'The product page in preview, for the subscriptions on the offer allow-list' })
  @ApiHeader({ name: 'x-ms-subscription-id', required: false, description: 'The subscription the caller acts for (or a subscriptionId token claim)' })
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, description: 'The product page (HTML)' })
  async preview(
    @Param('publisherId') publisherId: string,
    @Param('offerId') offerId: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const [row] = (await this.dataSource.query(
      `SELECT v.view, p.html FROM offer_status_view v
         JOIN offer_pages p ON p.publisher_id = v.publisher_id AND p.offer_id = v.offer_id AND p.kind = 'preview'
        WHERE v.publisher_id = $1 AND v.offer_id = $2`,
      [publisherId, offerId],
    )) as Array<{ view: StatusView; html: string }>;
    // not on the allow-list and no preview look the same: nothing to see here
    if (!row || !row.view.preview || row.view.preview.attempt !== row.view.attempt) throw notFound('preview');
    const allowed = principal.role === 'operator' || principal.subscriptionIds.some((id) => row.view.previewSubscriptionIds.some((allowedId) => allowedId.toLowerCase() === id.toLowerCase()));
    if (!allowed) throw notFound('preview');
    void reply.headers(PAGE_HEADERS);
    return row.html;
  }
}
