import { ValidationPipe } from '@nestjs/common';
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OFFER_API_CONFIG, type OfferApiConfig } from '../config';
import { ApiError, ApiExceptionFilter, flattenValidationErrors, validationFailed, type ErrorBody, type FieldError } from './errors';
import { RequestInputPipe } from './pipes';
import { RequestRateLimiter } from './rate-limit';
import { setupOpenApi } from './openapi';
import { servePortal } from './portal';

/**
 * HTTP settings of the API: requests per caller and second limited first, JSON bodies only, checked for what cannot be stored before strict validation
 * (unknown fields are refused, not dropped), our error shape for every 4xx including Fastify's own (bad
 * JSON, body too large, undecodable URLs), the OpenAPI document, and the portal at / (http/portal.ts).
 */
export function configureHttp(app: NestFastifyApplication): void {
  const config = app.get<OfferApiConfig>(OFFER_API_CONFIG);
  app.useGlobalPipes(
    new RequestInputPipe(config.maxJsonDepth),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => validationFailed(flattenValidationErrors(errors), 'the request body is invalid'),
    }),
  );
  app.useGlobalFilters(new ApiExceptionFilter());
  const fastify = app.getHttpAdapter().getInstance();
  app.get(RequestRateLimiter).install(fastify);
  // JSON only: other bodies are refused with 415 instead of reaching validation as strings or form fields
  fastify.removeContentTypeParser(['text/plain']);
  fastify.addHook('onRequest', (request, _reply, done) =>
    done(unsupportedBody(request) as (Error & { code: string; name: string; statusCode?: number }) | undefined),
  );
  handleUndecodableUrls(fastify);
  answerMalformedHttp(app.getHttpServer() as Server);
  setupOpenApi(app);
  servePortal(app);
}

function rawErrorResponse(status: number, code: string, message: string, close: boolean): string {
  const body = JSON.stringify({ statusCode: status, code, message } satisfies ErrorBody);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n${close ? 'connection: close\r\n' : ''}\r\n${body}`
  );
}

/**
 * What Node's HTTP server answers before Fastify sees a request, in our error shape: requests that are
 * not HTTP (a NUL or line break in a header, headers too large), and an Expect header we do not meet
 * (Node's own 417 leaves the unread body on a kept-alive connection, to be parsed as the next request).
 */
function answerMalformedHttp(server: Server): void {
  server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
    const body = JSON.stringify({ statusCode: 417, code: 'expectation-failed', message: 'the only Expect this API meets is 100-continue' } satisfies ErrorBody);
    response.writeHead(417, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
    response.end(body);
  });
  server.removeAllListeners('clientError');
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    if (socket.writable) {
      if (error.code === 'HPE_HEADER_OVERFLOW') socket.write(rawErrorResponse(431, 'headers-too-large', 'the request headers are too large', true));
      else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') socket.write(rawErrorResponse(408, 'request-timeout', 'the request took too long to arrive', true));
      else socket.write(rawErrorResponse(400, 'malformed-request', 'the request is not valid HTTP/1.1 (for example a control character in a header)', true));
    }
    socket.destroy(error);
  });
}

/** A body that is not JSON in UTF-8 (Nest also parses forms, which no route takes): 415. */
function unsupportedBody(request: FastifyRequest): ApiError | undefined {
  const length = request.headers['content-length'];
  const hasBody = request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!hasBody) return undefined;
  const [mediaType, ...parameters] = (request.headers['content-type'] ?? '').split(';').map((part) => part.trim().toLowerCase());
  const charset = parameters
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"|"$/g, '');
  if (mediaType === 'application/json' && (charset === undefined || charset === 'utf-8')) return undefined;
  return new ApiError(415, 'unsupported-media-type', 'send the body as JSON (Content-Type: application/json, in UTF-8)', {
    fields: [{ field: 'Content-Type', problems: ['must be application/json (charset utf-8 if given)'] }],
  });
}

/**
 * URLs whose path parameters cannot be decoded (`%ED%A0%80`: an unpaired surrogate has no UTF-8 form) or
 * are longer than the router takes never reach a route; Fastify answers them itself, in its own shape,
 * unless `frameworkErrors` is set. Nest creates the Fastify instance, so that option is set on the
 * instance's options here; the parameter is named from the routes' templates.
 */
function handleUndecodableUrls(fastify: FastifyInstance): void {
  const templates: string[][] = [];
  fastify.addHook('onRoute', (route) => {
    templates.push(route.url.split('/'));
  });
  const optionsSymbol = Object.getOwnPropertySymbols(fastify).find((symbol) => symbol.description === 'fastify.options');
  const options = optionsSymbol ? (fastify as unknown as Record<symbol, Record<string, unknown>>)[optionsSymbol] : undefined;
  if (!options) return;
  options.frameworkErrors = (error: Error & { code?: string; statusCode?: number }, request: FastifyRequest, reply: FastifyReply) => {
    if (error.code !== 'FST_ERR_BAD_URL' && error.code !== 'FST_ERR_MAX_PARAM_LENGTH') {
      const status = error.statusCode ?? 500;
      void reply.status(status).send({ statusCode: status, code: 'error', message: error.message } satisfies ErrorBody);
      return;
    }
    const path = (request.raw.url ?? '').split('?')[0];
    const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
    const fields = undecodableParameters(templates, path, tooLong);
    const body: ErrorBody = tooLong
      ? { statusCode: 400, code: 'invalid-id', message: 'a path parameter is too long', fields }
      : { statusCode: 400, code: 'invalid-url', message: 'the URL path is not valid percent-encoded UTF-8', fields };
    void reply.status(400).header('content-type', 'application/json; charset=utf-8').send(body);
  };
}

function undecodableParameters(templates: string[][], path: string, tooLong: boolean): FieldError[] {
  const segments = path.split('/');
  const bad = (segment: string): boolean => {
    if (tooLong) return segment.length > 100;
    try {
      decodeURIComponent(segment);
      return false;
    } catch {
      return true;
    }
  };
  const problem = tooLong ? 'is too long' : 'is not valid percent-encoded UTF-8';
  for (const template of templates) {
    if (template.length !== segments.length || !template.every((part, i) => part.startsWith(':') || part === segments[i])) continue;
    const names = template.flatMap((part, i) => (part.startsWith(':') && bad(segments[i]) ? [part.slice(1)] : []));
    if (names.length) return names.map((field) => ({ field, problems: [`${field} ${problem}`] }));
  }
  return [{ field: '(path)', problems: [`the path ${problem}`] }];
}
