import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { OfferEventOf } from '@mkt/events';
import { EventContext } from '@mkt/messaging';
import { handleEvent } from '@mkt/stages';
import { VALIDATION_CONFIG, type ValidationConfig } from '../config';
import { validationStage } from './stage';

/** Adapters from the offer-event log to the validation decider; the judging itself runs as a durable job. */
@Controller()
export class OfferEventsHandler {
  private readonly stage;

  constructor(@Inject(VALIDATION_CONFIG) config: ValidationConfig) {
    this.stage = validationStage(config);
  }

  @EventPattern('OfferSubmitted')
  async onSubmitted(@Payload() event: OfferEventOf<'OfferSubmitted'>, @Ctx() ctx: EventContext): Promise<void> {
    await handleEvent(this.stage, event, ctx);
  }

  @EventPattern('PublishCanceled')
  async onCanceled(@Payload() event: OfferEventOf<'PublishCanceled'>, @Ctx() ctx: EventContext): Promise<void> {
    await handleEvent(this.stage, event, ctx);
  }
}
