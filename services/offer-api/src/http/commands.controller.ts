import { Body, Controller, Get, Headers, Inject, Param, ParseUUIDPipe, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { parseNotificationEmails } from '../domain/commands';
import { CommandHandler, operationBody, type OperationRow } from '../handlers/command.handler';
import { findOffer, findStatusView } from '../persistence/offers';
import { Access, AccessGuard, ApiVersioned, CurrentPrincipal, type Principal } from './auth';
import { idempotencyKey, PublisherRoute, send } from './common';
import { CancelRequestDto, ErrorDto, GoLiveRequestDto, OperationDto, OperationListDto, PublishRequestDto } from './dto';
import { ApiError, notFound } from './errors';

const IDEMPOTENCY_HEADER = { name: 'Idempotency-Key', required: false, description: 'A retried request with the same key gets the first response again' };
const ACCEPTED = { status: 202, description: 'Accepted; poll the Operation-Location', type: OperationDto };
const REFUSED = { status: 409, description: 'The offer is not in a state that allows this command (the reason says why)', type: ErrorDto };

@ApiTags('commands')
@PublisherRoute()
@Controller('api/publishers/:publisherId/offers/:offerId')
@UseGuards(AccessGuard)
@ApiVersioned()
export class CommandsController {
  constructor(
    @Inject(CommandHandler) private readonly commands: CommandHandler,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  @Post('publish')
  @Access('write')
  @ApiOperation({ summary: 'Start a publishing attempt (step 1: validate prerequisites)' })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiResponse(ACCEPTED)
  @ApiResponse(REFUSED)
  async publish(
    @Param('publisherId') publisherId: string,
    @Param('offerId') offerId: string,
    @Body() body: PublishRequestDto,
    @CurrentPrincipal() principal: Principal,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const notificationEmails = parseNotificationEmails(body.metadata['notification-emails']);
    const response = await this.commands.execute(
      publisherId,
      offerId,
      { kind: 'publish', requestedBy: principal.sub, notificationEmails, language: body.language },
      idempotencyKey(key),
    );
    return send(reply, response);
  }

  @Post('golive')
  @Access('write')
  @ApiOperation({ summary: 'Publisher sign-off: put the previewed offer live' })
  @ApiBody({ type: GoLiveRequestDto, required: false })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiResponse(ACCEPTED)
  @ApiResponse(REFUSED)
  async goLive(
    @Param('publisherId') publisherId: string,
    @Param('offerId') offerId: string,
    @Body() _body: GoLiveRequestDto,
    @CurrentPrincipal() principal: Principal,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return send(reply, await this.commands.execute(publisherId, offerId, { kind: 'golive', requestedBy: principal.sub }, idempotencyKey(key)));
  }

  @Post('cancel')
  @Access('write')
  @ApiOperation({ summary: 'Cancel the attempt at publisher sign-off; the offer goes back to step 1' })
  @ApiBody({ type: CancelRequestDto, required: false })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiResponse(ACCEPTED)
  @ApiResponse(REFUSED)
  async cancel(
    @Param('publisherId') publisherId: string,
    @Param('offerId') offerId: string,
    @Body() body: CancelRequestDto,
    @CurrentPrincipal() principal: Principal,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return send(reply, await this.commands.execute(publisherId, offerId, { kind: 'cancel', requestedBy: principal.sub, reason: body.reason }, idempotencyKey(key)));
  }

  @Get('operations')
  @Access('read')
  @ApiOperation({ summary: "The offer's operations, newest first" })
  @ApiResponse({ status: 200, type: OperationListDto })
  async operations(@Param('publisherId') publisherId: string, @Param('offerId') offerId: string) {
    if (!(await findOffer(this.dataSource, publisherId, offerId))) throw notFound();
    const rows = (await this.dataSource.query(
      `SELECT * FROM operations WHERE publisher_id = $1 AND offer_id = $2 ORDER BY created_at DESC, operation_id LIMIT 200`,
      [publisherId, offerId],
    )) as OperationRow[];
    const view = await findStatusView(this.dataSource, publisherId, offerId);
    return { value: rows.map((row) => operationBody(row, view)) };
  }

  @Get('operations/:operationId')
  @Access('read')
  @ApiOperation({ summary: 'One operation (the Operation-Location of a command)' })
  @ApiResponse({ status: 200, type: OperationDto })
  async operation(
    @Param('publisherId') publisherId: string,
    @Param('offerId') offerId: string,
    @Param('operationId', new ParseUUIDPipe({ exceptionFactory: () => new ApiError(400, 'invalid-id', 'operationId must be a UUID', { fields: [{ field: 'operationId', problems: ['must be a UUID'] }] }) }))
    operationId: string,
  ) {
    if (!(await findOffer(this.dataSource, publisherId, offerId))) throw notFound();
    const [row] = (await this.dataSource.query(`SELECT * FROM operations WHERE publisher_id = $1 AND offer_id = $2 AND operation_id = $3`, [
      publisherId,
      offerId,
      operationId,
    ])) as OperationRow[];
    if (!row) throw notFound('operation');
    return operationBody(row, await findStatusView(this.dataSource, publisherId, offerId));
  }
}
