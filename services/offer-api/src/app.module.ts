import { Module, type DynamicModule } from '@nestjs/common';
import { offerEventCodec } from '@mkt/events';
import { MessagingModule } from '@mkt/messaging';
import { SecretsModule } from '@mkt/secrets';
import { Catalog } from './application/catalog';
import { OfferCommands } from './application/commands';
import { DraftSecrets } from './application/draft-secrets';
import { OfferDrafts } from './application/drafts';
import { OperatorTools } from './application/operator';
import { OfferQueries } from './application/queries';
import { ProjectionRebuilder } from './application/rebuild';
import { StaleViews } from './application/stale-views';
import { OFFER_API_CONFIG, type OfferApiConfig } from './config';
import { AccessGuard } from './http/auth';
import { RequestRateLimiter } from './http/rate-limit';
import { CatalogController } from './http/catalog.controller';
import { CommandsController } from './http/commands.controller';
import { OffersController } from './http/offers.controller';
import { OperatorController } from './http/operator.controller';
import { StatusController } from './http/status.controller';
import { PortalController } from './http/portal.controller';
import { StatusStreams } from './application/status-streams';
import { StatusTextCache } from './application/status-text-cache';
import { OfferApiTables1733200000000 } from './persistence/migrations/1733200000000-offer-api-tables';
import { IdempotencyOutcomes1733200100000 } from './persistence/migrations/1733200100000-idempotency-outcomes';
import { PublisherQuotas1733200200000 } from './persistence/migrations/1733200200000-publisher-quotas';
import { RebuildProgress1733200300000 } from './persistence/migrations/1733200300000-rebuild-progress';
import { ViewVersionLive1733200400000 } from './persistence/migrations/1733200400000-view-version-live';
import { ResponseText1733200500000 } from './persistence/migrations/1733200500000-response-text';
import { ProjectionHandler } from './projection/projection.handler';

@Module({})
export class AppModule {
  static register(config: OfferApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        MessagingModule.forRoot({
          codec: offerEventCodec,
          service: config.service,
          migrations: [
            OfferApiTables1733200000000,
            IdempotencyOutcomes1733200100000,
            PublisherQuotas1733200200000,
            RebuildProgress1733200300000,
            ViewVersionLive1733200400000,
            ResponseText1733200500000,
          ],
          kafka: config.kafka,
          database: config.database,
          consumer: config.consumer,
          relay: config.relay,
          operator: { auth: config.auth },
        }),
        SecretsModule.forRoot(config.secrets),
      ],
      controllers: [ProjectionHandler, OffersController, CommandsController, StatusController, CatalogController, OperatorController, PortalController],
      providers: [
        { provide: OFFER_API_CONFIG, useValue: config },
        AccessGuard,
        StatusTextCache,
        RequestRateLimiter,
        DraftSecrets,
        OfferDrafts,
        OfferCommands,
        OfferQueries,
        Catalog,
        ProjectionRebuilder,
        StaleViews,
        OperatorTools,
        StatusStreams,
      ],
    };
  }
}
