import { ValidationPipe } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiExceptionFilter, flattenValidationErrors, validationFailed } from './errors';
import { JsonObjectBodyPipe } from './pipes';
import { setupOpenApi } from './openapi';

/**
 * HTTP settings of the API: strict body validation (unknown fields are refused, not dropped), our error
 * shape for every 4xx including Fastify's own (bad JSON, body too large), and the OpenAPI document.
 */
export function configureHttp(app: NestFastifyApplication): void {
  app.useGlobalPipes(
    new JsonObjectBodyPipe(),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => validationFailed(flattenValidationErrors(errors), 'the request body is invalid'),
    }),
  );
  app.useGlobalFilters(new ApiExceptionFilter());
  // JSON only: other bodies are refused with 415 instead of reaching validation as strings
  app.getHttpAdapter().getInstance().removeContentTypeParser(['text/plain']);
  setupOpenApi(app);
}
