import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { OfferEventOf } from '@mkt/events';
import { EventContext } from '@mkt/messaging';
import { handleEvent } from '@mkt/stages';
import type { CertificationConfig } from '../config';
import { certificationStage } from './stage';
import { CERTIFICATION_CONFIG } from './tokens';

/** Records attempts and their image lists, and starts (or stops) the certification job: the decider decides. */
@Controller()
export class OfferEventsController {
  private readonly stage;

  constructor(@Inject(CERTIFICATION_CONFIG) config: CertificationConfig) {
    this.stage = certificationStage(config);
  }

  @EventPattern('OfferSubmitted')
  async onOfferSubmitted(@Payload() event: OfferEventOf<'OfferSubmitted'>, @Ctx() ctx: EventContext): Promise<void> {
    await handleEvent(this.stage, event, ctx);
  }

  @EventPattern('PrerequisitesValidated')
  async onPrerequisitesValidated(@Payload() event: OfferEventOf<'PrerequisitesValidated'>, @Ctx() ctx: EventContext): Promise<void> {
    await handleEvent(this.stage, event, ctx);
  }

  @EventPattern('PublishCanceled')
  async onPublishCanceled(@Payload() event: OfferEventOf<'PublishCanceled'>, @Ctx() ctx: EventContext): Promise<void> {
    await handleEvent(this.stage, event, ctx);
  }
}
