import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { OfferEventOf } from '@mkt/events';
import { EventContext } from '@mkt/messaging';
import { handleEvent } from '@mkt/stages';
import { PROVISIONING_CONFIG, type ProvisioningConfig } from '../config';
import { provisioningStage } from './stage';

/** Adapters from the offer-event log to the provisioning decider; replication itself runs as a durable job. */
@Controller()
export class OfferEventsHandler {
  private readonly stage;

  constructor(@Inject(PROVISIONING_CONFIG) config: ProvisioningConfig) {
    this.stage = provisioningStage(config);
  }

  @EventPattern('OfferSubmitted')
  async onSubmitted(@Payload() event: OfferEventOf<'OfferSubmitted'>, @Ctx() ctx: EventContext): Promise<void> {
    await handleEvent(this.stage, event, ctx);
  }

  @EventPattern('CertificationPassed')
  async onCertified(@Payload() event: OfferEventOf<'CertificationPassed'>, @Ctx() ctx: EventContext): Promise<void> {
    await handleEvent(this.stage, event, ctx);
  }

  @EventPattern('PublishCanceled')
  async onCanceled(@Payload() event: OfferEventOf<'PublishCanceled'>, @Ctx() ctx: EventContext): Promise<void> {
    await handleEvent(this.stage, event, ctx);
  }
}
