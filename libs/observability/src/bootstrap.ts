import { bootstrapService as bootstrapMessagingService, type ServiceBootstrapOptions } from '@mkt/messaging';
import type { DynamicModule, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { installCorrelation } from './correlation';
import { ServiceLogger } from './logging';
import { ServiceMetrics } from './metrics';
import { ObservabilityModule, type ObservabilityOptions } from './observability.module';

/**
 * Starts a service as libs/messaging's bootstrapService does, with health, metrics and correlated logs:
 * the pino logger for every line, a correlation id per HTTP request, request durations by route.
 */
export function bootstrapService(
  module: Type<unknown> | DynamicModule,
  options: ServiceBootstrapOptions & { observability?: Partial<ObservabilityOptions> },
): Promise<NestFastifyApplication> {
  const { observability, ...rest } = options;
  return bootstrapMessagingService(module, {
    ...rest,
    imports: [...(rest.imports ?? []), ObservabilityModule.forRoot({ service: options.name, ...observability })],
    logger: (app) => app.get(ServiceLogger),
    configure: async (app) => {
      const fastify = app.getHttpAdapter().getInstance();
      installCorrelation(fastify);
      app.get(ServiceMetrics).installHttpHook(fastify);
      await rest.configure?.(app);
    },
  });
}
