import { Body, Controller, Get, Headers, Inject, Param, ParseUUIDPipe, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { OfferCommands, type CommandResult } from '../application/commands';
import { OfferQueries } from '../application/queries';
import { API_VERSION } from '../config';
import { parseNotificationEmails } from '../domain/commands';
import type { Operation } from '../domain/operations';
import { Access, AccessGuard, ApiVersioned, CurrentPrincipal, type Principal } from './auth';
import { idempotencyKey, PublisherRoute } from './common';
import { CancelRequestDto, ErrorDto, GoLiveRequestDto, OperationDto, OperationListDto, PublishRequestDto } from './dto';
import { ApiError, type ErrorBody } from './errors';

const IDEMPOTENCY_HEADER = { name: 'Idempotency-Key', required: false, description: 'A retried request with the same key gets the first response again' };
const ACCEPTED = { status: 202, description: 'Accepted; poll the Operation-Location', type: OperationDto };
const REFUSED = { status: 409, description: 'The offer is not in a state that allows this command (the reason says why)', type: ErrorDto };

export function operationLocation(operation: Operation): string {
  return `/api/publishers/${operation.publisherId}/offers/${operation.offerId}/operations/${operation.id}?api-version=${API_VERSION}`;
}

/** The operation as a response body (its own order, also when replayed from storage). */
function operationBody(operation: Operation): Operation {
  const { id, command, publisherId, offerId, attempt, status, eventId, requestedBy, createdTime } = operation;
  return { id, command, publisherId, offerId, attempt, status, eventId, requestedBy, createdTime };
}

/** Accepted: 202 with the Operation-Location to poll; refused: 409 saying where the offer is. Replays say so. */
function sendCommandResult(reply: FastifyReply, { outcome, replayed }: CommandResult): Operation | ErrorBody {
  const body =
    outcome.kind === 'accepted' ? operationBody(outcome.operation) : { statusCode: 409, code: outcome.code, message: outcome.reason, state: outcome.state };
  void reply.status(outcome.kind === 'accepted' ? 202 : 409);
  if (outcome.kind === 'accepted') void reply.header('operation-location', operationLocation(outcome.operation));
  if (replayed) void reply.header('idempotent-replayed', 'true');
  return body;
}

@ApiTags('commands')
@PublisherRoute()
@Controller('api/publishers/:publisherId/offers/:offerId')
@UseGuards(AccessGuard)
@ApiVersioned()
export class CommandsController {
  constructor(
    @Inject(OfferCommands) private readonly commands: OfferCommands,
    @Inject(OfferQueries) private readonly queries: OfferQueries,
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
    const result = await this.commands.execute(
      publisherId,
      offerId,
      { kind: 'publish', requestedBy: principal.sub, notificationEmails, language: body.language },
      idempotencyKey(key),
    );
    return sendCommandResult(reply, result);
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
    return sendCommandResult(reply, await this.commands.execute(publisherId, offerId, { kind: 'golive', requestedBy: principal.sub }, idempotencyKey(key)));
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
    return sendCommandResult(
      reply,
      await this.commands.execute(publisherId, offerId, { kind: 'cancel', requestedBy: principal.sub, reason: body.reason }, idempotencyKey(key)),
    );
  }

  @Get('operations')
  @Access('read')
  @ApiOperation({ summary: "The offer's operations, newest first" })
  @ApiResponse({ status: 200, type: OperationListDto })
  async operations(@Param('publisherId') publisherId: string, @Param('offerId') offerId: string) {
    return { value: (await this.queries.operations(publisherId, offerId)).map(operationBody) };
  }

  @Get('operations/:operationId')
  @Access('read')
  @ApiOperation({ summary: 'One operation (the Operation-Location of a command)' })
  @ApiResponse({ status: 200, type: OperationDto })
  async operation(
    @Param('publisherId') publisherId: string,
    @Param('offerId') offerId: string,
    @Param(
      'operationId',
      new ParseUUIDPipe({
        exceptionFactory: () =>
          new ApiError(400, 'invalid-id', 'operationId must be a UUID', { fields: [{ field: 'operationId', problems: ['must be a UUID'] }] }),
      }),
    )
    operationId: string,
  ) {
    return operationBody(await this.queries.operation(publisherId, offerId, operationId));
  }
}
