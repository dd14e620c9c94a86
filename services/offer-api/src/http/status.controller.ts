import { Controller, Get, Headers, Inject, Param, Query, Req, Res, UseGuards } from '@nestjs/common';
import { negotiateLanguage, SUPPORTED_LANGUAGES } from '@mkt/messages';
import { ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { StatusStreams } from '../application/status-streams';
import { OfferQueries } from '../application/queries';
import { OFFER_API_CONFIG, type OfferApiConfig } from '../config';
import { Access, AccessGuard, ApiVersioned, CurrentPrincipal, type Principal } from './auth';
import { pageLimit, PublisherRoute, withApiVersion } from './common';
import { HistoryPageDto, StatusDto } from './dto';

/** Headers of served product pages: the HTML was sanitised by packaging; this keeps scripts out regardless. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};

@ApiTags('status')
@PublisherRoute()
@Controller('api/publishers/:publisherId/offers/:offerId')
@UseGuards(AccessGuard)
@ApiVersioned()
export class StatusController {
  constructor(
    @Inject(OfferQueries) private readonly queries: OfferQueries,
    @Inject(OFFER_API_CONFIG) private readonly config: OfferApiConfig,
    @Inject(StatusStreams) private readonly streams: StatusStreams,
  ) {}

  @Get('status')
  @Access('read')
  @ApiOperation({
    summary: 'The status view: the seven steps of the latest attempt (Cloud Partner Portal shape)',
    description: `Step messages are in the language of Accept-Language (${SUPPORTED_LANGUAGES.join(', ')}), else in the attempt's notification language; Content-Language names it.`,
  })
  @ApiResponse({ status: 200, type: StatusDto })
  async status(
    @Param('publisherId') publisherId: string,
    @Param('offerId') offerId: string,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { json, language } = await this.queries.statusText(publisherId, offerId, negotiateLanguage(acceptLanguage));
    // a string with a JSON content type is sent as it is (no serialisation: it is the stored response text)
    void reply.header('content-language', language).header('vary', 'Accept-Language').type('application/json; charset=utf-8');
    return json;
  }

  @Get('status/stream')
  @Access('read')
  @ApiOperation({
    summary: 'The status view as server-sent events: one `status` event now and one after each change the projection makes (any instance)',
    description: 'text/event-stream; authenticate with the Authorization header (read it with fetch, not EventSource). Comments keep the connection open.',
  })
  @ApiProduces('text/event-stream')
  async stream(
    @Param('publisherId') publisherId: string,
    @Param('offerId') offerId: string,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const asked = negotiateLanguage(acceptLanguage);
    const read = async () => (await this.queries.statusIn(publisherId, offerId, asked)).response;
    const first = await read(); // a missing offer is a 404 like GET status
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    let sequence = 0;
    let last = '';
    const send = (status: unknown) => {
      const data = JSON.stringify(status);
      if (data === last) return;
      last = data;
      sequence += 1;
      raw.write(`event: status\nid: ${sequence}\ndata: ${data}\n\n`);
    };
    send(first);
    // one read at a time; changes during a read cause one more read after it
    let reading = false;
    let again = false;
    let closed = false;
    const reread = async (): Promise<void> => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      try {
        do {
          again = false;
          const status = await read().catch(() => undefined);
          if (!closed && status) send(status);
        } while (again && !closed);
      } finally {
        reading = false;
      }
    };
    const unwatch = this.streams.watch(publisherId, offerId, () => void reread());
    void reread(); // a change between the first read and the watch
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
    request.raw.once('close', () => {
      closed = true;
      clearInterval(keepAlive);
      unwatch();
    });
  }

  @Get('events')
  @Access('read')
  @ApiOperation({ summary: "The offer's event history, in log order (paged)" })
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
    const { entries, next } = await this.queries.history(publisherId, offerId, { limit, after }, { asOperator: false });
    return {
      value: entries,
      nextLink: next ? withApiVersion(`/api/publishers/${publisherId}/offers/${offerId}/events`, { limit, after: next }) : null,
    };
  }

  @Get('preview')
  @Access('preview')
  @ApiOperation({
    summary: "The product page in preview: for the offer's publisher and for customers whose token proves a subscription on the offer's allow-list",
  })
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, description: 'The product page (HTML)' })
  async preview(
    @Param('publisherId') publisherId: string,
    @Param('offerId') offerId: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const html = await this.queries.preview(publisherId, offerId, { publisherId: principal.publisherId, subscriptions: principal.subscriptions });
    void reply.headers(PAGE_HEADERS);
    return html;
  }
}
