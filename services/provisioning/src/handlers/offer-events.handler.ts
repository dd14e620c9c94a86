import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { OfferEventOf } from '@mkt/events';
import { cancelJobs, enqueueJob, EventContext, lockAttempt, PermanentEventError, saveAttempt } from '@mkt/messaging';
import { PROVISIONING_CONFIG, type ProvisioningConfig } from '../config';
import { decideOnCanceled, decideOnCertified, decideOnSubmitted } from '../domain/attempts';
import { REGION_NAMES } from '../domain/regions';
import { imagesOf } from '../domain/replication';
import { loadSubmittedImages, saveSubmittedImages } from '../persistence/submitted-images';
import { REPLICATE_JOB, type ReplicateJobPayload } from './jobs';

/** Adapters from the offer-event log to the domain decisions; replication itself runs as a durable job. */
@Controller()
export class OfferEventsHandler {
  constructor(@Inject(PROVISIONING_CONFIG) private readonly config: ProvisioningConfig) {}

  @EventPattern('OfferSubmitted')
  async onSubmitted(@Payload() event: OfferEventOf<'OfferSubmitted'>, @Ctx() ctx: EventContext): Promise<void> {
    const decision = decideOnSubmitted(await lockAttempt(ctx.tx, event.subject), event.attempt);
    if (decision.kind === 'ignore') return;
    await cancelJobs(ctx.tx, event.subject, { beforeAttempt: decision.cancelJobsBefore });
    await saveSubmittedImages(ctx.tx, event.subject, event.attempt, imagesOf(event.data.offer));
    await saveAttempt(ctx.tx, event.subject, decision.record);
  }

  @EventPattern('CertificationPassed')
  async onCertified(@Payload() event: OfferEventOf<'CertificationPassed'>, @Ctx() ctx: EventContext): Promise<void> {
    const decision = decideOnCertified(await lockAttempt(ctx.tx, event.subject), event.attempt, ctx.now, this.config.provisioningDurationMs);
    if (decision.kind === 'ignore') return;
    if (decision.kind === 'unknown-attempt') throw new PermanentEventError(decision.reason, 'unknown-attempt');
    const images = await loadSubmittedImages(ctx.tx, event.subject, event.attempt);
    if (!images) throw new PermanentEventError(`no images recorded for attempt ${event.attempt}`, 'unknown-attempt');
    const payload: ReplicateJobPayload = { images, regions: [...REGION_NAMES], correlationId: event.correlationId, causationId: event.id };
    await enqueueJob(ctx.tx, { kind: REPLICATE_JOB, subject: event.subject, attempt: event.attempt, payload, runAfter: decision.runAfter });
    await saveAttempt(ctx.tx, event.subject, decision.record);
  }

  @EventPattern('PublishCanceled')
  async onCanceled(@Payload() event: OfferEventOf<'PublishCanceled'>, @Ctx() ctx: EventContext): Promise<void> {
    const decision = decideOnCanceled(await lockAttempt(ctx.tx, event.subject), event.attempt);
    if (decision.kind === 'ignore') return;
    await cancelJobs(ctx.tx, event.subject, { upToAttempt: decision.cancelJobsUpTo });
    await saveAttempt(ctx.tx, event.subject, decision.record);
  }
}
