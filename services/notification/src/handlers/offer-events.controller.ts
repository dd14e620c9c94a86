import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { OfferEventOf } from '@mkt/events';
import { EventContext } from '@mkt/messaging';
import { handleEvent } from '@mkt/stages';
import type { NotificationConfig } from '../config';
import { MailRenderer } from '../mail/renderer';
import { notificationStage } from './stage';
import { NOTIFICATION_CONFIG } from './tokens';

/**
 * Turns offer events into queued e-mails, in the consumer's transaction: the mails are recorded here
 * (rendered, one row and one send-mail job per recipient) and sent by the MailWorker; nothing talks SMTP
 * inside a consumer.
 */
@Controller()
export class OfferEventsController {
  private readonly stage;

  constructor(@Inject(NOTIFICATION_CONFIG) config: NotificationConfig, @Inject(MailRenderer) renderer: MailRenderer) {
    this.stage = notificationStage(config, renderer);
  }

  @EventPattern('OfferSubmitted')
  async onSubmitted(@Payload() event: OfferEventOf<'OfferSubmitted'>, @Ctx() ctx: EventContext) {
    await handleEvent(this.stage, event, ctx);
  }

  @EventPattern('PrerequisitesRejected')
  async onPrerequisitesRejected(@Payload() event: OfferEventOf<'PrerequisitesRejected'>, @Ctx() ctx: EventContext) {
    await handleEvent(this.stage, event, ctx);
  }

  @EventPattern('CertificationFailed')
  async onCertificationFailed(@Payload() event: OfferEventOf<'CertificationFailed'>, @Ctx() ctx: EventContext) {
    await handleEvent(this.stage, event, ctx);
  }

  @EventPattern('ReplicationFailed')
  async onReplicationFailed(@Payload() event: OfferEventOf<'ReplicationFailed'>, @Ctx() ctx: EventContext) {
    await handleEvent(this.stage, event, ctx);
  }

  @EventPattern('PackagingFailed')
  async onPackagingFailed(@Payload() event: OfferEventOf<'PackagingFailed'>, @Ctx() ctx: EventContext) {
    await handleEvent(this.stage, event, ctx);
  }

  @EventPattern('GoLiveFailed')
  async onGoLiveFailed(@Payload() event: OfferEventOf<'GoLiveFailed'>, @Ctx() ctx: EventContext) {
    await handleEvent(this.stage, event, ctx);
  }

  @EventPattern('PreviewReady')
  async onPreviewReady(@Payload() event: OfferEventOf<'PreviewReady'>, @Ctx() ctx: EventContext) {
    await handleEvent(this.stage, event, ctx);
  }

  @EventPattern('WentLive')
  async onWentLive(@Payload() event: OfferEventOf<'WentLive'>, @Ctx() ctx: EventContext) {
    await handleEvent(this.stage, event, ctx);
  }

  @EventPattern('PublishCanceled')
  async onPublishCanceled(@Payload() event: OfferEventOf<'PublishCanceled'>, @Ctx() ctx: EventContext) {
    await handleEvent(this.stage, event, ctx);
  }
}
