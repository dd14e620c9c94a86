import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { OfferEventOf } from '@mkt/events';
import { EventContext } from '@mkt/messaging';
import type { NotificationConfig } from '../config';
import { decideNotification, messageIdFor, type NotifiedEvent } from '../domain';
import { MailRenderer } from '../mail/renderer';
import { lockContacts, saveContacts } from '../persistence/attempts';
import { queueMails } from '../persistence/mails';
import { NOTIFICATION_CONFIG } from './tokens';

/**
 * Turns offer events into queued e-mails, in the consumer's transaction: the mails are recorded here
 * (rendered, one row per recipient) and sent later by the MailSender; nothing talks SMTP inside a consumer.
 */
@Controller()
export class OfferEventsController {
  private readonly logger = new Logger(OfferEventsController.name);

  constructor(
    @Inject(NOTIFICATION_CONFIG) private readonly config: NotificationConfig,
    @Inject(MailRenderer) private readonly renderer: MailRenderer,
  ) {}

  @EventPattern('OfferSubmitted')
  onSubmitted(@Payload() event: OfferEventOf<'OfferSubmitted'>, @Ctx() ctx: EventContext) {
    return this.notify(event, ctx);
  }

  @EventPattern('PrerequisitesRejected')
  onPrerequisitesRejected(@Payload() event: OfferEventOf<'PrerequisitesRejected'>, @Ctx() ctx: EventContext) {
    return this.notify(event, ctx);
  }

  @EventPattern('CertificationFailed')
  onCertificationFailed(@Payload() event: OfferEventOf<'CertificationFailed'>, @Ctx() ctx: EventContext) {
    return this.notify(event, ctx);
  }

  @EventPattern('ReplicationFailed')
  onReplicationFailed(@Payload() event: OfferEventOf<'ReplicationFailed'>, @Ctx() ctx: EventContext) {
    return this.notify(event, ctx);
  }

  @EventPattern('PackagingFailed')
  onPackagingFailed(@Payload() event: OfferEventOf<'PackagingFailed'>, @Ctx() ctx: EventContext) {
    return this.notify(event, ctx);
  }

  @EventPattern('GoLiveFailed')
  onGoLiveFailed(@Payload() event: OfferEventOf<'GoLiveFailed'>, @Ctx() ctx: EventContext) {
    return this.notify(event, ctx);
  }

  @EventPattern('PreviewReady')
  onPreviewReady(@Payload() event: OfferEventOf<'PreviewReady'>, @Ctx() ctx: EventContext) {
    return this.notify(event, ctx);
  }

  @EventPattern('WentLive')
  onWentLive(@Payload() event: OfferEventOf<'WentLive'>, @Ctx() ctx: EventContext) {
    return this.notify(event, ctx);
  }

  @EventPattern('PublishCanceled')
  onPublishCanceled(@Payload() event: OfferEventOf<'PublishCanceled'>, @Ctx() ctx: EventContext) {
    return this.notify(event, ctx);
  }

  private async notify(event: NotifiedEvent, ctx: EventContext): Promise<void> {
    const recorded = await lockContacts(ctx.tx, event.subject);
    const decision = decideNotification(event, recorded, { statusBaseUrl: this.config.statusBaseUrl, languages: this.renderer.languages });
    if (decision.save) await saveContacts(ctx.tx, event.subject, decision.save);
    if (decision.skipped) this.logger.log(`${event.type} ${event.id} (${event.subject}#${event.attempt}): no e-mail, ${decision.skipped}`);
    if (!decision.mail) return;
    const { model, recipients } = decision.mail;
    const rendered = this.renderer.render(model);
    await queueMails(
      ctx.tx,
      recipients.map((recipient) => ({
        eventId: event.id,
        recipient,
        eventType: event.type,
        subject: event.subject,
        attempt: event.attempt,
        correlationId: event.correlationId,
        language: model.language,
        messageId: messageIdFor(event.id, recipient, this.config.messageIdDomain),
        mailSubject: rendered.subject,
        html: rendered.html,
        text: rendered.text,
      })),
    );
  }
}
