import { Module, type DynamicModule } from '@nestjs/common';
import { offerEventCodec } from '@mkt/events';
import { MessagingModule } from '@mkt/messaging';
import { PROVISIONING_CONFIG, type ProvisioningConfig } from './config';
import { provisioningFaults } from './faults';
import { OfferEventsHandler } from './handlers/offer-events.handler';
import { ReplicationWorker } from './handlers/replication.worker';
import { PROVISIONING_MIGRATIONS } from './persistence/migrations';

@Module({})
export class AppModule {
  static register(config: ProvisioningConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        MessagingModule.forRoot({
          codec: offerEventCodec,
          service: 'provisioning',
          migrations: PROVISIONING_MIGRATIONS,
          ...config.messaging,
          operator: { faults: provisioningFaults(config) },
        }),
      ],
      controllers: [OfferEventsHandler],
      providers: [{ provide: PROVISIONING_CONFIG, useValue: config }, ReplicationWorker],
    };
  }
}
