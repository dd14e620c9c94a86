import { Module, type DynamicModule } from '@nestjs/common';
import { offerEventCodec } from '@mkt/events';
import { JOB_MIGRATIONS, MessagingModule } from '@mkt/messaging';
import type { NotificationConfig } from './config';
import { MailWorker } from './handlers/mail.worker';
import { OfferEventsController } from './handlers/offer-events.controller';
import { NOTIFICATION_CONFIG } from './handlers/tokens';
import { loadTemplateSources, MailRenderer } from './mail/renderer';
import { SmtpMailer } from './mail/smtp';
import { OperatorMailsController } from './http/operator-mails.controller';
import { MailJobs1733300000000, MailResends1765300000000, NotificationTables1733200000000 } from './persistence/migrations';

@Module({})
export class AppModule {
  static register(config: NotificationConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        MessagingModule.forRoot({
          codec: offerEventCodec,
          ...config.messaging,
          service: 'notification',
          migrations: [...JOB_MIGRATIONS, NotificationTables1733200000000, MailJobs1733300000000, MailResends1765300000000],
        }),
      ],
      controllers: [OfferEventsController, OperatorMailsController],
      providers: [
        { provide: NOTIFICATION_CONFIG, useValue: config },
        // compiled (and every language checked for completeness) once, at start-up
        { provide: MailRenderer, useFactory: () => new MailRenderer(loadTemplateSources()) },
        { provide: SmtpMailer, useFactory: () => new SmtpMailer(config.smtp) },
        MailWorker,
      ],
    };
  }
}
