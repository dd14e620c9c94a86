import { Module, type DynamicModule } from '@nestjs/common';
import { offerEventCodec } from '@mkt/events';
import { MessagingModule } from '@mkt/messaging';
import type { OfferApiConfig } from './config';
import { CommandHandler } from './handlers/command.handler';
import { OperatorTools } from './handlers/operator';
import { ProjectionHandler } from './handlers/projection.handler';
import { ProjectionRebuilder } from './handlers/rebuild';
import { AccessGuard, OFFER_API_CONFIG, TokenVerifier } from './http/auth';
import { CatalogController } from './http/catalog.controller';
import { CommandsController } from './http/commands.controller';
import { OffersController } from './http/offers.controller';
import { OperatorController } from './http/operator.controller';
import { StatusController } from './http/status.controller';
import { OfferApiTables1733200000000 } from './persistence/migrations/1733200000000-offer-api-tables';

@Module({})
export class AppModule {
  static register(config: OfferApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        MessagingModule.forRoot({ codec: offerEventCodec,
          service: config.service,
          migrations: [OfferApiTables1733200000000],
          kafka: config.kafka,
          database: config.database,
          consumer: config.consumer,
          relay: config.relay,
        }),
      ],
      controllers: [ProjectionHandler, OffersController, CommandsController, StatusController, CatalogController, OperatorController],
      providers: [{ provide: OFFER_API_CONFIG, useValue: config }, TokenVerifier, AccessGuard, CommandHandler, ProjectionRebuilder, OperatorTools],
    };
  }
}
