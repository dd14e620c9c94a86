import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { OFFER_EVENT_TYPES, type OfferEvent } from '@mkt/events';
import { EventContext, PermanentEventError } from '@mkt/messaging';
import { projectableSubject } from '../domain/status-view';
import { applyToProjection, LIVE_TABLES } from '../persistence/projection';
import { notifyStatusChanged } from '../persistence/status-notifications';

/** The projection: every event of the catalog, into the status view, the history and the pages; NOTIFY for the status streams. */
@Controller()
export class ProjectionHandler {
  @EventPattern([...OFFER_EVENT_TYPES])
  async onOfferEvent(@Payload() event: OfferEvent, @Ctx() context: EventContext): Promise<void> {
    if (!projectableSubject(event.subject)) {
      throw new PermanentEventError(`subject "${event.subject.slice(0, 200)}" is not publisherId/offerId`, 'invalid-subject');
    }
    const subject = projectableSubject(event.subject)!;
    const outcome = await applyToProjection(context.tx, LIVE_TABLES, event, { partition: context.record.partition, offset: context.record.offset });
    // heard by every instance's status streams once this transaction commits
    if (outcome !== 'duplicate') await notifyStatusChanged(context.tx, subject.publisherId, subject.offerId);
  }
}
