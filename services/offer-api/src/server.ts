import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { bootstrapService } from '@mkt/observability';
import { AppModule } from './app.module';
import type { OfferApiConfig } from './config';
import { configureHttp } from './http/setup';

/** Starts offer-api (used by main.ts, the integration tests and the benchmark). */
export function startOfferApi(config: OfferApiConfig): Promise<NestFastifyApplication> {
  return bootstrapService(AppModule.register(config), {
    name: config.service,
    port: config.port,
    bodyLimit: config.bodyLimitBytes,
    configure: (app) => configureHttp(app),
  });
}
