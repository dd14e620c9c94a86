import { Module, type DynamicModule } from '@nestjs/common';
import { offerEventCodec } from '@mkt/events';
import { MessagingModule } from '@mkt/messaging';
import { VALIDATION_CONFIG, type ValidationConfig } from './config';
import { validationFaults } from './faults';
import { OfferEventsHandler } from './handlers/offer-events.handler';
import { ValidationWorker } from './handlers/validation.worker';
import { VALIDATION_MIGRATIONS } from './persistence/migrations';

@Module({})
export class AppModule {
  static register(config: ValidationConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        MessagingModule.forRoot({
          codec: offerEventCodec,
          service: 'validation',
          migrations: VALIDATION_MIGRATIONS,
          ...config.messaging,
          operator: { faults: validationFaults(config) },
        }),
      ],
      controllers: [OfferEventsHandler],
      providers: [{ provide: VALIDATION_CONFIG, useValue: config }, ValidationWorker],
    };
  }
}
