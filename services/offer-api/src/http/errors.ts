import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import type { ValidationError } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApplicationError, type RefusalKind } from '../application/errors';
import type { JsonInspection } from '../domain/limits';

export interface FieldError {
  /** Path into the request, e.g. `plans[0].imageVersions[1].osDiskUrl`. */
  field: string;
  problems: string[];
}

/** The body of every error response: a stable code, a message, and for validation each failing field. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  fields?: FieldError[];
  [extra: string]: unknown;
}

export class ApiError extends HttpException {
  constructor(status: number, code: string, message: string, extra: Omit<Partial<ErrorBody>, 'statusCode' | 'code' | 'message'> = {}) {
    super({ statusCode: status, code, message, ...extra } satisfies ErrorBody, status);
  }
}

const STATUS_OF_REFUSAL: Record<RefusalKind, number> = {
  'invalid-input': 400,
  'not-found': 404,
  conflict: 409,
  'precondition-failed': 412,
  'too-large': 413,
  unprocessable: 422,
  'precondition-required': 428,
  'too-many-requests': 429,
};

/** A use case's refusal as an error response: its kind's status, then code, message and details. */
export function refusalBody(error: ApplicationError): ErrorBody {
  return { statusCode: STATUS_OF_REFUSAL[error.kind], code: error.code, message: error.message, ...error.details };
}

/** What domain/limits.ts found in a request: 400, naming each field (or where the nesting went too deep). */
export function refusedInput(inspection: Exclude<JsonInspection, { ok: true }>, maxDepth: number, message = 'the request body is invalid'): ApiError {
  if ('tooDeep' in inspection) {
    return new ApiError(400, 'too-deep', `the request body is nested more than ${maxDepth} levels deep`, {
      fields: [{ field: inspection.tooDeep, problems: [`nesting deeper than ${maxDepth} levels (objects and arrays) is not accepted`] }],
    });
  }
  return validationFailed(inspection.fields, message);
}

export function validationFailed(fields: FieldError[], message = 'the request is invalid'): ApiError {
  return new ApiError(400, 'validation-failed', message, { fields });
}

/** class-validator errors as field paths: arrays as `[i]`, nested objects with dots. */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const isIndex = /^\d+$/.test(error.property);
    const field = prefix ? (isIndex ? `${prefix}[${error.property}]` : `${prefix}.${error.property}`) : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

const STATUS_CODES: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  409: 'conflict',
  412: 'precondition-failed',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  422: 'unprocessable',
  428: 'precondition-required',
  429: 'too-many-requests',
};

/**
 * Every HTTP error leaves as an ErrorBody; anything unexpected is a logged 500 without internals.
 * Offer-event handlers share the global filters (inheritAppConfig), so RPC errors keep Nest's default
 * handling, which preserves PermanentEventError for the dead-letter path.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('offer-api');
  private readonly rpc = new BaseRpcExceptionFilter();

  catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType() !== 'http') return this.rpc.catch(exception, host);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const body = this.toBody(exception, request);
    if (body.statusCode === 401) void reply.header('www-authenticate', 'Bearer');
    if (body.statusCode === 429 && typeof body.retryAfterSeconds === 'number') void reply.header('retry-after', String(body.retryAfterSeconds));
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  private toBody(exception: unknown, request: FastifyRequest): ErrorBody {
    if (exception instanceof ApplicationError) return refusalBody(exception);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (typeof response === 'object' && response !== null && 'code' in response) return response as ErrorBody;
      // Fastify's body parser errors reach us as HttpExceptions carrying Fastify's message
      if (status === 400 && typeof response === 'string' && /JSON/.test(response)) {
        return { statusCode: 400, code: 'invalid-json', message: `the request body is not valid JSON (${response})` };
      }
      const message = typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? exception.message);
      return { statusCode: status, code: STATUS_CODES[status] ?? 'error', message: Array.isArray(message) ? message.join('; ') : String(message) };
    }
    this.logger.error(`${request.method} ${request.url} failed: ${(exception as Error)?.stack ?? String(exception)}`);
    return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, code: 'internal-error', message: 'internal error' };
  }
}
