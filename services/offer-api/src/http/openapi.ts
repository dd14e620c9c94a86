import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyPluginCallback } from 'fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { asyncApiDocument, OfferDraft, schemasFromValidation } from '@mkt/events';
import { API_VERSION } from '../config';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('offer-api')
    .setDescription(
      'Drafts, publishing commands, status view, event history, preview and public catalog of marketplace VM offers. ' +
        `Publisher routes follow the Cloud Partner Portal API (api-version=${API_VERSION}).`,
    )
    .setVersion(API_VERSION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...(schemasFromValidation(OfferDraft) as Record<string, object>) },
  };
  return document;
}

/** Where offer-api serves the AsyncAPI document of the event catalog, beside the OpenAPI document. */
export const ASYNCAPI_PATH = '/api/asyncapi.json';

/**
 * Serves the document at /api/docs-json and Swagger UI at /api/docs, and the event catalog's AsyncAPI
 * document (generated from libs/events) at /api/asyncapi.json. @fastify/static is installed in this
 * workspace only, where Nest's adapter (hoisted to the root) cannot require it: the UI's static files are
 * registered with this workspace's copy instead.
 */
export function setupOpenApi(app: NestFastifyApplication): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fastifyStatic = require('@fastify/static') as FastifyPluginCallback<Record<string, unknown>>;
  const adapter = app.getHttpAdapter() as unknown as { useStaticAssets(options: Record<string, unknown>): unknown };
  const original = adapter.useStaticAssets;
  adapter.useStaticAssets = (options) => app.register(fastifyStatic, options);
  try {
    SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app), { jsonDocumentUrl: 'api/docs-json' });
  } finally {
    adapter.useStaticAssets = original;
  }
  const asyncApi = JSON.stringify(asyncApiDocument());
  app
    .getHttpAdapter()
    .getInstance()
    .get(ASYNCAPI_PATH, (_request, reply) => reply.type('application/json; charset=utf-8').send(asyncApi));
}
