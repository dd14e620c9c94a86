import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Catalog } from '../application/catalog';
import { OFFER_API_CONFIG, type OfferApiConfig } from '../config';
import { isSlug } from '../domain/drafts';
import { pageLimit, queryString } from './common';
import { CatalogPageDto, ErrorDto } from './dto';
import { ApiError } from './errors';
import { PAGE_HEADERS } from './status.controller';

/** The public marketplace catalog: live offers and their product pages, no authentication. */
@ApiTags('catalog')
@Controller('api/catalog/offers')
export class CatalogController {
  constructor(
    @Inject(Catalog) private readonly catalog: Catalog,
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
    const { offers, more } = await this.catalog.liveOffers({
      limit,
      after: after === undefined ? undefined : { publisherId: afterPublisher, offerId: afterOffer },
    });
    const last = offers[offers.length - 1];
    return {
      value: offers.map((offer) => ({
        publisherId: offer.publisherId,
        offerId: offer.offerId,
        title: offer.title,
        summary: offer.summary,
        catalogUrl: offer.catalogUrl,
        pageLink: `/api/catalog/offers/${offer.publisherId}/${offer.offerId}`,
        liveSince: offer.liveSince,
      })),
      nextLink: more && last ? `/api/catalog/offers?${queryString({ limit, after: `${last.publisherId}/${last.offerId}` })}` : null,
    };
  }

  @Get(':publisherId/:offerId')
  @ApiOperation({ summary: 'The product page of a live offer' })
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, description: 'The product page (HTML)' })
  @ApiResponse({ status: 404, type: ErrorDto })
  async page(@Param('publisherId') publisherId: string, @Param('offerId') offerId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const html = await this.catalog.livePage(publisherId, offerId);
    void reply.headers(PAGE_HEADERS);
    return html;
  }
}
