import { Module, type DynamicModule } from '@nestjs/common';
import { offerEventCodec } from '@mkt/events';
import { MessagingModule } from '@mkt/messaging';
import { SecretsModule } from '@mkt/secrets';
import { STAGE_MIGRATIONS } from '@mkt/stages';
import { SERVICE_NAME, type CertificationConfig } from './config';
import { certificationFaults } from './faults';
import { CertificationWorker } from './handlers/certification.worker';
import { OfferEventsController } from './handlers/offer-events.controller';
import { CERTIFICATION_CONFIG } from './handlers/tokens';
import { CertificationTables1733200000000 } from './persistence/1733200000000-certification-tables';

@Module({})
export class AppModule {
  static register(config: CertificationConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        MessagingModule.forRoot({
          codec: offerEventCodec,
          service: SERVICE_NAME,
          migrations: [...STAGE_MIGRATIONS, CertificationTables1733200000000],
          ...config.messaging,
          operator: { faults: certificationFaults(config) },
        }),
        SecretsModule.forRoot(config.secrets),
      ],
      controllers: [OfferEventsController],
      providers: [{ provide: CERTIFICATION_CONFIG, useValue: config }, CertificationWorker],
    };
  }
}
