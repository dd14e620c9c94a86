import { Body, Controller, Delete, Get, Headers, Inject, Param, Put, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { UnitOfWork } from '@mkt/messaging';
import { API_VERSION, type OfferApiConfig } from '../config';
import { displayedStatus } from '../domain/status-response';
import { decideDelete, decidePut, etagOf, isSlug } from '../domain/drafts';
import { exceededDraftLimits } from '../domain/limits';
import { OFFER_STATUSES, type OfferStatus, type StatusView } from '../domain/status-view';
import { deleteNeverPublishedOffer, findOffer, findOfferWithView, insertOffer, listOffers, updateOfferDraft, type OfferRow } from '../persistence/offers';
import { Access, AccessGuard, ApiVersioned, OFFER_API_CONFIG } from './auth';
import { entityTagsHeader, pageLimit, PublisherRoute, withApiVersion } from './common';
import { ErrorDto, OfferDraftDto, OfferDto, OfferListDto } from './dto';
import { ApiError, draftTooLarge, notFound } from './errors';

function offerBody(row: OfferRow, view: StatusView | null | undefined) {
  return {
    id: row.offer_id,
    publisherId: row.publisher_id,
    version: row.version,
    status: displayedStatus(row, view ?? undefined),
    attempt: row.attempt,
    draft: row.draft,
    createdTime: new Date(row.created_at).toISOString(),
    changedTime: new Date(row.updated_at).toISOString(),
  };
}

function requireJsonObject(request: FastifyRequest): void {
  const body = request.body;
  if (body === undefined || body === null) throw new ApiError(400, 'body-required', 'send the offer draft as a JSON object (Content-Type: application/json)');
  if (typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'validation-failed', 'the body must be a JSON object', { fields: [{ field: '(body)', problems: ['must be a JSON object'] }] });
}

@ApiTags('offers')
@PublisherRoute()
@Controller('api/publishers/:publisherId/offers')
@UseGuards(AccessGuard)
@ApiVersioned()
export class OffersController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @Inject(OFFER_API_CONFIG) private readonly config: OfferApiConfig,
  ) {}

  @Get()
  @Access('read')
  @ApiOperation({ summary: 'All offers of the publisher with their current status (paged by offer id)' })
  @ApiQuery({ name: 'status', required: false, enum: OFFER_STATUSES })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'after', required: false, description: 'Offer id the previous page ended with' })
  @ApiResponse({ status: 200, type: OfferListDto })
  async list(@Param('publisherId') publisherId: string, @Query('status') status?: string, @Query('limit') rawLimit?: string, @Query('after') after?: string) {
    const limit = pageLimit(rawLimit, this.config);
    const fields = [
      ...(status !== undefined && !OFFER_STATUSES.includes(status as OfferStatus) ? [{ field: 'status', problems: [`status must be one of ${OFFER_STATUSES.join(', ')}`] }] : []),
      ...(after !== undefined && !isSlug(after) ? [{ field: 'after', problems: ['after must be an offer id'] }] : []),
    ];
    if (fields.length) throw new ApiError(400, 'validation-failed', 'invalid query', { fields });
    const rows = await listOffers(this.dataSource, publisherId, { after, limit: limit + 1, status });
    const page = rows.slice(0, limit);
    const base = `/api/publishers/${publisherId}/offers`;
    return {
      value: page.map((row) => ({
        id: row.offer_id,
        title: row.title ?? undefined,
        version: row.version,
        status: row.status,
        currentStep: row.current_step,
        attempt: row.attempt,
        statusLink: withApiVersion(`${base}/${row.offer_id}/status`),
        changedTime: new Date(row.updated_at).toISOString(),
        lastEventTime: row.last_event_time,
      })),
      nextLink: rows.length > limit ? withApiVersion(base, { status, limit, after: page[page.length - 1].offer_id }) : null,
    };
  }

  @Put(':offerId')
  @Access('write')
  @ApiOperation({ summary: 'Create (If-None-Match: * or no precondition) or update (If-Match: <ETag>) the offer draft' })
  @ApiBody({ schema: { $ref: '#/components/schemas/OfferDraft' } })
  @ApiHeader({ name: 'If-Match', required: false, description: 'Required to update an existing offer' })
  @ApiHeader({ name: 'If-None-Match', required: false, description: '* to create only' })
  @ApiResponse({ status: 200, description: 'Updated', type: OfferDto })
  @ApiResponse({ status: 201, description: 'Created', type: OfferDto })
  @ApiResponse({ status: 412, description: 'The ETag does not match', type: ErrorDto })
  @ApiResponse({ status: 413, description: 'The body, or the draft as a whole, is too large (the limit is named)', type: ErrorDto })
  @ApiResponse({ status: 428, description: 'If-Match missing on update', type: ErrorDto })
  async put(
    @Param('publisherId') publisherId: string,
    @Param('offerId') offerId: string,
    @Body() draft: OfferDraftDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    requireJsonObject(request);
    const preconditions = { match: entityTagsHeader('If-Match', ifMatch), noneMatch: entityTagsHeader('If-None-Match', ifNoneMatch) };
    const stored = JSON.parse(JSON.stringify(draft)) as OfferDraftDto;
    const exceeded = exceededDraftLimits(stored, this.config.draftLimits);
    if (exceeded.length) throw draftTooLarge(exceeded, 413, 'the draft is too large');
    const { row, created } = await this.unitOfWork.run(async (tx) => {
      const current = await findOffer(tx, publisherId, offerId, { lock: true });
      const decision = decidePut(current, preconditions.match, preconditions.noneMatch);
      if (decision.action === 'refuse') throw new ApiError(decision.status, decision.code, decision.message);
      const written =
        decision.action === 'create'
          ? await insertOffer(tx, publisherId, offerId, stored)
          : await updateOfferDraft(tx, publisherId, offerId, stored, decision.expectedVersion);
      // lost a race with a concurrent create or update: the caller's precondition no longer holds
      if (!written) throw new ApiError(412, 'precondition-failed', 'the offer was changed concurrently; read it again');
      return { row: written, created: decision.action === 'create' };
    });
    const view = await findOfferWithView(this.dataSource, publisherId, offerId);
    void reply.status(created ? 201 : 200).header('etag', etagOf(row.version));
    if (created) void reply.header('location', `/api/publishers/${publisherId}/offers/${offerId}?api-version=${API_VERSION}`);
    return offerBody(row, view?.view);
  }

  @Get(':offerId')
  @Access('read')
  @ApiOperation({ summary: 'The offer draft, its version (ETag) and status' })
  @ApiResponse({ status: 200, type: OfferDto })
  async get(@Param('publisherId') publisherId: string, @Param('offerId') offerId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const row = await findOffer(this.dataSource, publisherId, offerId);
    if (!row) throw notFound();
    const view = await findOfferWithView(this.dataSource, publisherId, offerId);
    void reply.header('etag', etagOf(row.version));
    return offerBody(row, view?.view);
  }

  @Delete(':offerId')
  @Access('write')
  @ApiOperation({ summary: 'Delete a draft that was never published' })
  @ApiHeader({ name: 'If-Match', required: false })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiResponse({ status: 409, description: 'The offer has been published', type: ErrorDto })
  async delete(
    @Param('publisherId') publisherId: string,
    @Param('offerId') offerId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const match = entityTagsHeader('If-Match', ifMatch);
    await this.unitOfWork.run(async (tx) => {
      const current = await findOffer(tx, publisherId, offerId, { lock: true });
      if (!current) throw notFound();
      const decision = decideDelete(current, match);
      if (!decision.ok) throw new ApiError(decision.status, decision.code, decision.message);
      if (!(await deleteNeverPublishedOffer(tx, publisherId, offerId, current.version))) throw new ApiError(409, 'conflict', 'the offer changed while deleting it');
    });
    void reply.status(204);
  }
}
