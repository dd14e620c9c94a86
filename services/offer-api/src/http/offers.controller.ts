import { Body, Controller, Delete, Get, Headers, Inject, Param, Put, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { negotiateLanguage, render } from '@mkt/messages';
import { PREREQUISITE_RULES, validateSubmission } from '@mkt/prerequisites';
import { developmentModeFromEnv } from '@mkt/messaging';
import { OfferDrafts } from '../application/drafts';
import { parseNotificationEmails } from '../domain/commands';
import { API_VERSION, OFFER_API_CONFIG, type OfferApiConfig } from '../config';
import { etagOf, isSlug } from '../domain/drafts';
import { OFFER_STATUSES, type OfferStatus } from '../domain/status-view';
import { Access, AccessGuard, ApiVersioned } from './auth';
import { entityTagsHeader, pageLimit, PublisherRoute, withApiVersion } from './common';
import { ErrorDto, OfferDraftDto, OfferDto, OfferListDto } from './dto';
import { ApiError } from './errors';

/** The write-only fields, as the OpenAPI document tells clients (docs/secrets.md). */
const SECRET_FIELDS_DOC =
  'Secrets are write-only: leadDestination.https.authorization, the AccountKey (or SharedAccessSignature) of ' +
  'leadDestination.azureTable.connectionString and the sig parameter of every disk URL are kept in the secret store; ' +
  'reads show `secret-ref.<id>` in their place, never the value. Send a field back with its reference to keep its ' +
  'secret, with a new value to replace it (the old one is destroyed), or without it to remove it.';

function requireJsonObject(request: FastifyRequest): void {
  const body = request.body;
  if (body === undefined || body === null) throw new ApiError(400, 'body-required', 'send the offer draft as a JSON object (Content-Type: application/json)');
  if (typeof body !== 'object' || Array.isArray(body))
    throw new ApiError(400, 'validation-failed', 'the body must be a JSON object', { fields: [{ field: '(body)', problems: ['must be a JSON object'] }] });
}

@ApiTags('offers')
@PublisherRoute()
@Controller('api/publishers/:publisherId/offers')
@UseGuards(AccessGuard)
@ApiVersioned()
export class OffersController {
  constructor(
    @Inject(OfferDrafts) private readonly drafts: OfferDrafts,
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
      ...(status !== undefined && !OFFER_STATUSES.includes(status as OfferStatus)
        ? [{ field: 'status', problems: [`status must be one of ${OFFER_STATUSES.join(', ')}`] }]
        : []),
      ...(after !== undefined && !isSlug(after) ? [{ field: 'after', problems: ['after must be an offer id'] }] : []),
    ];
    if (fields.length) throw new ApiError(400, 'validation-failed', 'invalid query', { fields });
    const { offers, more } = await this.drafts.list(publisherId, { after, limit, status });
    const base = `/api/publishers/${publisherId}/offers`;
    return {
      value: offers.map((offer) => ({
        id: offer.id,
        title: offer.title,
        version: offer.version,
        status: offer.status,
        currentStep: offer.currentStep,
        attempt: offer.attempt,
        statusLink: withApiVersion(`${base}/${offer.id}/status`),
        changedTime: offer.changedTime,
        lastEventTime: offer.lastEventTime,
        live: offer.live,
      })),
      nextLink: more ? withApiVersion(base, { status, limit, after: offers[offers.length - 1].id }) : null,
    };
  }

  @Put(':offerId')
  @Access('write')
  @ApiOperation({
    summary: 'Create (If-None-Match: * or no precondition) or update (If-Match: <ETag>) the offer draft',
    description: SECRET_FIELDS_DOC,
  })
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
    // the DTO as plain JSON: what is stored and checked against the limits
    const stored = JSON.parse(JSON.stringify(draft)) as OfferDraftDto;
    const { offer, created } = await this.drafts.save(publisherId, offerId, stored, preconditions);
    void reply.status(created ? 201 : 200).header('etag', etagOf(offer.version));
    if (created) void reply.header('location', `/api/publishers/${publisherId}/offers/${offerId}?api-version=${API_VERSION}`);
    return offer;
  }

  @Get(':offerId')
  @Access('read')
  @ApiOperation({ summary: 'The offer draft, its version (ETag) and status' })
  @ApiResponse({ status: 200, type: OfferDto })
  async get(@Param('publisherId') publisherId: string, @Param('offerId') offerId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const offer = await this.drafts.get(publisherId, offerId);
    void reply.header('etag', etagOf(offer.version));
    return offer;
  }

  @Get(':offerId/check')
  @Access('read')
  @ApiOperation({
    summary: 'The warnings the validation stage would give the draft now: its prerequisite rules (libs/events), field by field',
    description:
      'With `notificationEmails` (comma-separated, as the Publish dialog sends them) the e-mail rules are checked too; without it they are left out.',
  })
  @ApiQuery({ name: 'notificationEmails', required: false })
  async check(
    @Param('publisherId') publisherId: string,
    @Param('offerId') offerId: string,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Query('notificationEmails') emails?: string,
  ) {
    const offer = await this.drafts.get(publisherId, offerId);
    const rules = emails === undefined ? PREREQUISITE_RULES.filter((rule) => !rule.path.startsWith('notificationEmails')) : PREREQUISITE_RULES;
    const notificationEmails = emails === undefined ? [] : parseNotificationEmails(emails);
    const report = validateSubmission({ offer: offer.draft, notificationEmails }, rules, { allowPrivateNetwork: developmentModeFromEnv() });
    // each warning in the reader's language (Accept-Language; English otherwise), its code and parameters beside it
    const language = negotiateLanguage(acceptLanguage) ?? 'en';
    const problems = report.problems.map((problem) => ({ ...problem, message: render(problem.messageCode, problem.params, language) }));
    return { version: offer.version, rulesChecked: report.rulesChecked, problems };
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
    await this.drafts.delete(publisherId, offerId, match);
    void reply.status(204);
  }
}
