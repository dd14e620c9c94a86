import { Module, type DynamicModule } from '@nestjs/common';
import { offerEventCodec } from '@mkt/events';
import { MessagingModule } from '@mkt/messaging';
import { SecretsModule } from '@mkt/secrets';
import { STAGE_MIGRATIONS } from '@mkt/stages';
import { defaultLeadSender, type LeadSender } from './adapters/lead-senders';
import { PACKAGING_SERVICE, type PackagingConfig } from './config';
import { PackagingEventHandlers } from './handlers/event.handlers';
import { PackagingJobs } from './handlers/packaging.jobs';
import { PackagingTables1733200000000 } from './persistence/1733200000000-packaging-tables';
import { LEAD_SENDER, PACKAGING_CONFIG } from './tokens';
import { packagingFaults } from './faults';

/** Steps 4, 5 and 7: product page and test lead, preview, go-live. */
@Module({})
export class AppModule {
  static register(config: PackagingConfig, overrides: { leadSender?: LeadSender } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        MessagingModule.forRoot({
          codec: offerEventCodec,
          ...config.messaging,
          service: PACKAGING_SERVICE,
          migrations: [...STAGE_MIGRATIONS, PackagingTables1733200000000],
          operator: { ...config.messaging?.operator, faults: packagingFaults(config) },
        }),
        SecretsModule.forRoot(config.secrets),
      ],
      controllers: [PackagingEventHandlers],
      providers: [
        { provide: PACKAGING_CONFIG, useValue: config },
        { provide: LEAD_SENDER, useValue: overrides.leadSender ?? defaultLeadSender },
        PackagingJobs,
      ],
    };
  }
}
