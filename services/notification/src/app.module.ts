import { Module, type DynamicModule } from '@nestjs/common';
import { offerEventCodec } from '@mkt/events';
import { MessagingModule } from '@mkt/messaging';
import type { NotificationConfig } from './config';
import { MailSender } from './handlers/mail-sender';
import { OfferEventsController } from './handlers/offer-events.controller';
import { NOTIFICATION_CONFIG } from './handlers/tokens';
import { loadTemplateSources, MailRenderer } from './mail/renderer';
import { SmtpMailer } from './mail/smtp';
import { NotificationTables1733200000000 } from './persistence/migrations';

@Module({})
export class AppModule {
  static register(config: NotificationConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [MessagingModule.forRoot({ codec: offerEventCodec, ...config.messaging, service: 'notification', migrations: [NotificationTables1733200000000] })],
      controllers: [OfferEventsController],
      providers: [
        { provide: NOTIFICATION_CONFIG, useValue: config },
        // compiled (and every language checked for completeness) once, at start-up
        { provide: MailRenderer, useFactory: () => new MailRenderer(loadTemplateSources()) },
        { provide: SmtpMailer, useFactory: () => new SmtpMailer(config.smtp) },
        MailSender,
      ],
    };
  }
}
