import { Controller, Get, Inject, Param, ParseUUIDPipe, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { OperatorTools } from '../application/operator';
import { OfferQueries } from '../application/queries';
import { ProjectionRebuilder } from '../application/rebuild';
import { OFFER_API_CONFIG, type OfferApiConfig } from '../config';
import { OFFER_STATUSES } from '../domain/status-view';
import { Access, AccessGuard } from './auth';
import { pageLimit, queryString } from './common';
import { ErrorDto, HistoryPageDto } from './dto';
import { notFound } from '../application/errors';
import { ApiError } from './errors';

@ApiTags('operator')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorDto })
@ApiResponse({ status: 403, description: 'Not an operator', type: ErrorDto })
// Dead letters, parked outbox rows, lag and faults: libs/messaging's OperatorController, at /api/operator as well as /operator.
@Controller('api/operator')
@UseGuards(AccessGuard)
@Access('operator')
export class OperatorController {
  constructor(
    @Inject(OfferQueries) private readonly queries: OfferQueries,
    @Inject(OperatorTools) private readonly tools: OperatorTools,
    @Inject(ProjectionRebuilder) private readonly rebuilder: ProjectionRebuilder,
    @Inject(OFFER_API_CONFIG) private readonly config: OfferApiConfig,
  ) {}

  @Get('offers')
  @ApiOperation({ summary: 'Offers of every publisher with their status (from the projection), paged by <publisherId>/<offerId>' })
  @ApiQuery({ name: 'status', required: false, enum: [...OFFER_STATUSES, 'live'] })
  @ApiQuery({ name: 'since', required: false, description: 'only offers with an event at or after this ISO 8601 time' })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'after', required: false })
  async offers(@Query('status') status?: string, @Query('since') since?: string, @Query('limit') rawLimit?: string, @Query('after') after?: string) {
    const limit = pageLimit(rawLimit, this.config);
    const { offers, next } = await this.queries.operatorOffers({ status, since, after, limit });
    return { value: offers, nextLink: next ? `/api/operator/offers?${queryString({ status, since, limit, after: next })}` : null };
  }

  @Get('offers/:publisherId/:offerId/events')
  @ApiOperation({ summary: "Inspect an offer's events as consumed: log positions, schema versions, outcome (applied / ignored)" })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'after', required: false })
  @ApiResponse({ status: 200, type: HistoryPageDto })
  async events(
    @Param('publisherId') publisherId: string,
    @Param('offerId') offerId: string,
    @Query('limit') rawLimit?: string,
    @Query('after') after?: string,
  ) {
    const limit = pageLimit(rawLimit, this.config);
    const { entries, next } = await this.queries.history(publisherId, offerId, { limit, after }, { asOperator: true });
    return {
      value: entries,
      nextLink: next ? `/api/operator/offers/${publisherId}/${offerId}/events?${queryString({ limit, after: next })}` : null,
    };
  }

  @Post('offers/:publisherId/:offerId/replay')
  @ApiOperation({ summary: "Replay one offer's stored events through the projection; reports whether the view changed" })
  async replay(@Param('publisherId') publisherId: string, @Param('offerId') offerId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.tools.replayOffer(publisherId, offerId);
    void reply.status(200);
    return result;
  }

  @Post('projection/rebuild')
  @ApiOperation({ summary: 'Drop the projection and replay the topic from offset 0 (fresh consumer group, swapped in when caught up)' })
  @ApiResponse({ status: 202, description: 'Started; poll the Location' })
  @ApiResponse({ status: 409, description: 'A rebuild is already running', type: ErrorDto })
  async rebuild(@Res({ passthrough: true }) reply: FastifyReply) {
    const id = await this.rebuilder.start();
    if (!id) throw new ApiError(409, 'rebuild-running', 'a projection rebuild is already running');
    void reply.status(202).header('location', `/api/operator/projection/rebuilds/${id}`);
    return { id, state: 'running' };
  }

  @Get('projection/rebuilds/:id')
  @ApiOperation({ summary: 'State and report of a projection rebuild' })
  async rebuildState(@Param('id', new ParseUUIDPipe({ exceptionFactory: () => new ApiError(400, 'invalid-id', 'id must be a UUID') })) id: string) {
    const rebuild = await this.rebuilder.find(id);
    if (!rebuild) throw notFound('rebuild');
    return rebuild;
  }

  @Get('projection/checksum')
  @ApiOperation({ summary: 'Row counts and a checksum of the projection tables (compare before and after a rebuild)' })
  async checksum() {
    return this.tools.checksum();
  }
}
