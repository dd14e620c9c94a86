import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import type { OfferApiConfig } from '../config';
import { isSlug } from '../domain/drafts';
import type { LiveVersion } from '../domain/status-view';
import { OFFER_API_CONFIG } from './auth';
import { pageLimit, queryString } from './common';
import { CatalogPageDto, ErrorDto } from './dto';
import { ApiError, notFound } from './errors';
import { PAGE_HEADERS } from './status.controller';

/** The public marketplace catalog: live offers and their product pages, no authentication. */
@ApiTags('catalog')
@Controller('api/catalog/offers')
export class CatalogController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(OFFER_API_CONFIG) private readonly config: OfferApiConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Live offers (paged by publisher and offer id)' })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'after', required: false, description: '<publisherId>/<offerId> the previous page ended with' })
  @ApiResponse({ status: 200, type: CatalogPageDto })
  @ApiResponse({ status: 400, type: ErrorDto })
  async list(@Query('limit') rawLimit?: string, @Query('after') after?: string) {
    const limit = pageLimit(rawLimit, this.config);
    const [afterPublisher, afterOffer] = after === undefined ? ['', ''] : after.split('/');
    if (after !== undefined && (!isSlug(afterPublisher ?? '') || !isSlug(afterOffer ?? ''))) {
      throw new ApiError(400, 'validation-failed', 'invalid cursor', { fields: [{ field: 'after', problems: ['after must be <publisherId>/<offerId>'] }] });
    }
    const rows = (await this.dataSource.query(
      `SELECT v.publisher_id, v.offer_id, v.view->'live' AS live FROM offer_status_view v
        WHERE v.live_attempt IS NOT NULL AND (v.publisher_id, v.offer_id) > ($1, $2)
        ORDER BY v.publisher_id, v.offer_id LIMIT $3`,
      [afterPublisher, afterOffer, limit + 1],
    )) as Array<{ publisher_id: string; offer_id: string; live: LiveVersion }>;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      value: page.map((row) => ({
        publisherId: row.publisher_id,
        offerId: row.offer_id,
        title: row.live.title,
        summary: row.live.summary,
        catalogUrl: row.live.catalogUrl,
        pageLink: `/api/catalog/offers/${row.publisher_id}/${row.offer_id}`,
        liveSince: row.live.time,
      })),
      nextLink: rows.length > limit && last ? `/api/catalog/offers?${queryString({ limit, after: `${last.publisher_id}/${last.offer_id}` })}` : null,
    };
  }

  @Get(':publisherId/:offerId')
  @ApiOperation({ summary: 'The product page of a live offer' })
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, description: 'The product page (HTML)' })
  @ApiResponse({ status: 404, type: ErrorDto })
  async page(@Param('publisherId') publisherId: string, @Param('offerId') offerId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    if (!isSlug(publisherId) || !isSlug(offerId)) throw notFound();
    const [row] = (await this.dataSource.query(`SELECT html FROM offer_pages WHERE publisher_id = $1 AND offer_id = $2 AND kind = 'live'`, [
      publisherId,
      offerId,
    ])) as Array<{ html: string }>;
    if (!row) throw notFound();
    void reply.headers(PAGE_HEADERS);
    return row.html;
  }
}
