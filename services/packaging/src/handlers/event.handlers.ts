import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { OfferEventOf } from '@mkt/events';
import { EventContext } from '@mkt/messaging';
import { handleEvent } from '@mkt/stages';
import type { PackagingConfig } from '../config';
import { PACKAGING_CONFIG } from '../tokens';
import { packagingStage } from './stage';

/** Thin adapters: the packaging decider decides in the consumer's transaction. */
@Controller()
export class PackagingEventHandlers {
  private readonly stage;

  constructor(@Inject(PACKAGING_CONFIG) config: PackagingConfig) {
    this.stage = packagingStage(config);
  }

  @EventPattern('OfferSubmitted')
  async onOfferSubmitted(@Payload() event: OfferEventOf<'OfferSubmitted'>, @Ctx() ctx: EventContext): Promise<void> {
    await handleEvent(this.stage, event, ctx);
  }

  @EventPattern('ImagesReplicated')
  async onImagesReplicated(@Payload() event: OfferEventOf<'ImagesReplicated'>, @Ctx() ctx: EventContext): Promise<void> {
    await handleEvent(this.stage, event, ctx);
  }

  @EventPattern('GoLiveRequested')
  async onGoLiveRequested(@Payload() event: OfferEventOf<'GoLiveRequested'>, @Ctx() ctx: EventContext): Promise<void> {
    await handleEvent(this.stage, event, ctx);
  }

  @EventPattern('PublishCanceled')
  async onPublishCanceled(@Payload() event: OfferEventOf<'PublishCanceled'>, @Ctx() ctx: EventContext): Promise<void> {
    await handleEvent(this.stage, event, ctx);
  }
}
