import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { causedBy, fromDraft, type OfferEvent, type OfferEventOf } from '@mkt/events';
import { EventContext } from '@mkt/messaging';
import type { PackagingConfig } from '../config';
import { decideGoLiveRequested, decideImagesReplicated, decideOfferSubmitted, decidePublishCanceled, packagingSnapshot } from '../domain';
import { lockAttemptState, storeSnapshot } from '../persistence/packaging-store';
import { PACKAGING_CONFIG } from '../tokens';
import { applyDecision, type DecisionTarget } from './apply-decision';

/** Thin adapters: lock the offer's attempt, ask the domain, carry out its decision in the consumer's transaction. */
@Controller()
export class PackagingEventHandlers {
  private readonly logger = new Logger(PackagingEventHandlers.name);

  constructor(@Inject(PACKAGING_CONFIG) private readonly config: PackagingConfig) {}

  private target(event: OfferEvent, ctx: EventContext): DecisionTarget {
    return {
      tx: ctx.tx,
      subject: event.subject,
      emit: (drafts) => ctx.tx.emit(...drafts.map((draft) => fromDraft(draft, causedBy(event), { source: ctx.source, now: () => ctx.now }))),
      jobPayload: { correlationId: event.correlationId, causationId: event.id },
    };
  }

  @EventPattern('OfferSubmitted')
  async onOfferSubmitted(@Payload() event: OfferEventOf<'OfferSubmitted'>, @Ctx() ctx: EventContext): Promise<void> {
    const { publisherId, offerId, offer } = event.data;
    const recorded = await lockAttemptState(ctx.tx, event.subject);
    const decision = decideOfferSubmitted(recorded, event.attempt, { subject: event.subject, publisherId, offerId });
    await applyDecision(
      decision,
      {
        ...this.target(event, ctx),
        storeSnapshot: () =>
          storeSnapshot(ctx.tx, { subject: event.subject, attempt: event.attempt, publisherId, offerId, offer: packagingSnapshot(offer), submittedAt: new Date(event.time) }),
      },
      this.logger,
    );
  }

  @EventPattern('ImagesReplicated')
  async onImagesReplicated(@Payload() event: OfferEventOf<'ImagesReplicated'>, @Ctx() ctx: EventContext): Promise<void> {
    const recorded = await lockAttemptState(ctx.tx, event.subject);
    await applyDecision(decideImagesReplicated(recorded, event.attempt, ctx.now, this.config.durations), this.target(event, ctx), this.logger);
  }

  @EventPattern('GoLiveRequested')
  async onGoLiveRequested(@Payload() event: OfferEventOf<'GoLiveRequested'>, @Ctx() ctx: EventContext): Promise<void> {
    const recorded = await lockAttemptState(ctx.tx, event.subject);
    await applyDecision(decideGoLiveRequested(recorded, event.attempt, ctx.now, this.config.durations), this.target(event, ctx), this.logger);
  }

  @EventPattern('PublishCanceled')
  async onPublishCanceled(@Payload() event: OfferEventOf<'PublishCanceled'>, @Ctx() ctx: EventContext): Promise<void> {
    const recorded = await lockAttemptState(ctx.tx, event.subject);
    await applyDecision(decidePublishCanceled(recorded, event.attempt), this.target(event, ctx), this.logger);
  }
}
