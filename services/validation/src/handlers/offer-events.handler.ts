import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { OfferEventOf } from '@mkt/events';
import { cancelJobs, enqueueJob, EventContext, lockAttempt, saveAttempt } from '@mkt/messaging';
import { VALIDATION_CONFIG, type ValidationConfig } from '../config';
import { decideOnCanceled, decideOnSubmitted } from '../domain/attempts';
import { VALIDATE_JOB, type ValidateJobPayload } from './jobs';

/** Adapters from the offer-event log to the domain decisions; the judging itself runs as a durable job. */
@Controller()
export class OfferEventsHandler {
  constructor(@Inject(VALIDATION_CONFIG) private readonly config: ValidationConfig) {}

  @EventPattern('OfferSubmitted')
  async onSubmitted(@Payload() event: OfferEventOf<'OfferSubmitted'>, @Ctx() ctx: EventContext): Promise<void> {
    const recorded = await lockAttempt(ctx.tx, event.subject);
    const decision = decideOnSubmitted(recorded, event.attempt, ctx.now, this.config.validationDurationMs);
    if (decision.kind === 'ignore') return;
    await cancelJobs(ctx.tx, event.subject, { beforeAttempt: decision.cancelJobsBefore });
    await saveAttempt(ctx.tx, event.subject, decision.record);
    const payload: ValidateJobPayload = {
      submission: { offer: event.data.offer, notificationEmails: event.data.notificationEmails },
      correlationId: event.correlationId,
      causationId: event.id,
    };
    await enqueueJob(ctx.tx, { kind: VALIDATE_JOB, subject: event.subject, attempt: event.attempt, payload, runAfter: decision.runAfter });
  }

  @EventPattern('PublishCanceled')
  async onCanceled(@Payload() event: OfferEventOf<'PublishCanceled'>, @Ctx() ctx: EventContext): Promise<void> {
    const decision = decideOnCanceled(await lockAttempt(ctx.tx, event.subject), event.attempt);
    if (decision.kind === 'ignore') return;
    await cancelJobs(ctx.tx, event.subject, { upToAttempt: decision.cancelJobsUpTo });
    await saveAttempt(ctx.tx, event.subject, decision.record);
  }
}
