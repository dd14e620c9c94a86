import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyPluginCallback } from 'fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import { OfferDraft } from '@mkt/events';
import { API_VERSION } from '../config';

// class-transformer exposes its @Type() registry only through this internal module
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');

type Schema = Record<string, unknown>;
type ClassType = new () => object;

/**
 * JSON schemas generated from class-validator metadata, for the catalog's classes that carry no
 * @nestjs/swagger decorators (OfferDraft and what it nests): one source for validation and documentation.
 */
export function schemasFromValidation(root: ClassType): Record<string, Schema> {
  const schemas: Record<string, Schema> = {};
  const storage = getMetadataStorage();
  const visit = (cls: ClassType): string => {
    const name = cls.name;
    if (schemas[name]) return name;
    const properties: Record<string, Schema> = {};
    const optional = new Set<string>();
    schemas[name] = { type: 'object', additionalProperties: false, properties };
    for (const meta of storage.getTargetValidationMetadatas(cls, '', true, false)) {
      const property = (properties[meta.propertyName] ??= {});
      const target: Schema = meta.each ? (((property.items as Schema | undefined) ?? (property.items = {})) as Schema) : property;
      const [constraint] = meta.constraints ?? [];
      if (meta.type === 'conditionalValidation') optional.add(meta.propertyName);
      if (meta.type === 'nestedValidation') {
        const nested = defaultMetadataStorage.findTypeMetadata(cls, meta.propertyName)?.typeFunction() as ClassType | undefined;
        if (nested) {
          const ref = { $ref: `#/components/schemas/${visit(nested)}` };
          if (property.type === 'array' || Reflect.getMetadata('design:type', cls.prototype, meta.propertyName) === Array) {
            property.type = 'array';
            property.items = { ...((property.items as Schema | undefined) ?? {}), ...ref };
          } else Object.assign(property, ref);
        }
        continue;
      }
      switch (meta.name) {
        case 'isString':
          target.type = 'string';
          break;
        case 'isInt':
          target.type = 'integer';
          break;
        case 'isNumber':
          target.type = 'number';
          break;
        case 'isBoolean':
          target.type = 'boolean';
          break;
        case 'isObject':
          target.type ??= 'object';
          break;
        case 'isArray':
          property.type = 'array';
          property.items ??= {};
          break;
        case 'isIn':
          target.enum = constraint;
          break;
        case 'isEmail':
          target.type = 'string';
          target.format = 'email';
          break;
        case 'maxLength':
          target.maxLength = constraint;
          break;
        case 'minLength':
          target.minLength = constraint;
          break;
        case 'max':
          target.maximum = constraint;
          break;
        case 'min':
          target.minimum = constraint;
          break;
        case 'arrayMaxSize':
          property.maxItems = constraint;
          break;
        case 'arrayMinSize':
          property.minItems = constraint;
          break;
        default:
          break;
      }
    }
    // a $ref with siblings is ignored by OpenAPI 3.0 tools: keep references bare
    for (const property of Object.values(properties)) if (property.$ref) for (const key of Object.keys(property)) if (key !== '$ref') delete property[key];
    const required = Object.keys(properties).filter((p) => !optional.has(p));
    if (required.length) schemas[name].required = required;
    return name;
  };
  visit(root);
  return schemas;
}

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

/**
 * Serves the document at /api/docs-json and Swagger UI at /api/docs. @fastify/static is installed in this
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
}
