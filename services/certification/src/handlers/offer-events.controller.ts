import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { OfferEventOf } from '@mkt/events';
import { cancelJobs, enqueueJob, EventContext, lockAttempt, PermanentEventError, saveAttempt } from '@mkt/messaging';
import { CERTIFY_JOB_KIND, type CertificationConfig } from '../config';
import { imageListOf, onOfferSubmitted, onPrerequisitesValidated, onPublishCanceled, parseAttemptSeen } from '../domain';
import { forgetImageListsBefore, loadImageList, saveImageList } from '../persistence/queries';
import type { CertifyJobPayload } from './certification.worker';
import { CERTIFICATION_CONFIG } from './tokens';

/** Records attempts and their image lists, and starts (or stops) the certification job. */
@Controller()
export class OfferEventsController {
  private readonly logger = new Logger(OfferEventsController.name);

  constructor(@Inject(CERTIFICATION_CONFIG) private readonly config: CertificationConfig) {}

  @EventPattern('OfferSubmitted')
  async onOfferSubmitted(@Payload() event: OfferEventOf<'OfferSubmitted'>, @Ctx() ctx: EventContext): Promise<void> {
    const seen = parseAttemptSeen(await lockAttempt(ctx.tx, event.subject));
    const decision = onOfferSubmitted(seen, event.attempt);
    if (decision.kind === 'ignore') return this.ignore(event, decision.reason);
    const canceled = await cancelJobs(ctx.tx, event.subject, { beforeAttempt: decision.cancelBefore });
    if (canceled) this.logger.log(`${event.subject}: attempt ${event.attempt} supersedes ${canceled} running certification(s)`);
    await forgetImageListsBefore(ctx.tx, event.subject, event.attempt);
    await saveImageList(ctx.tx, event.subject, event.attempt, imageListOf(event.data.offer));
    await saveAttempt(ctx.tx, event.subject, decision.next);
  }

  @EventPattern('PrerequisitesValidated')
  async onPrerequisitesValidated(@Payload() event: OfferEventOf<'PrerequisitesValidated'>, @Ctx() ctx: EventContext): Promise<void> {
    const seen = parseAttemptSeen(await lockAttempt(ctx.tx, event.subject));
    const decision = onPrerequisitesValidated(seen, event.attempt, ctx.now, this.config.durationMs);
    if (decision.kind === 'ignore') return this.ignore(event, decision.reason);
    if (decision.kind === 'reject') throw new PermanentEventError(decision.reason, 'attempt-not-submitted');
    const images = await loadImageList(ctx.tx, event.subject, event.attempt);
    if (!images) throw new PermanentEventError(`no image list recorded for attempt ${event.attempt}`, 'attempt-not-submitted');
    const payload: CertifyJobPayload = { correlationId: event.correlationId, causationId: event.id, images };
    await enqueueJob(ctx.tx, { kind: CERTIFY_JOB_KIND, subject: event.subject, attempt: event.attempt, payload, runAfter: decision.runAfter });
    await saveAttempt(ctx.tx, event.subject, decision.next);
  }

  @EventPattern('PublishCanceled')
  async onPublishCanceled(@Payload() event: OfferEventOf<'PublishCanceled'>, @Ctx() ctx: EventContext): Promise<void> {
    const seen = parseAttemptSeen(await lockAttempt(ctx.tx, event.subject));
    const decision = onPublishCanceled(seen, event.attempt);
    if (decision.kind === 'ignore') return this.ignore(event, decision.reason);
    await cancelJobs(ctx.tx, event.subject, { upToAttempt: decision.cancelUpTo });
    await saveAttempt(ctx.tx, event.subject, decision.next);
  }

  private ignore(event: { type: string; subject: string }, reason: string): void {
    this.logger.debug(`${event.type} of ${event.subject} ignored: ${reason}`);
  }
}
