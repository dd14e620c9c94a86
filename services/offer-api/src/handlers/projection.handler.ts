import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { OFFER_EVENT_TYPES, type OfferEvent } from '@mkt/events';
import { EventContext, PermanentEventError } from '@mkt/messaging';
import { applyToProjection, LIVE_TABLES, type ProjectionTables } from '../persistence/projection';

/** An offer event the projection can place: its subject must be `publisherId/offerId`. */
export function assertProjectable(event: OfferEvent): void {
  const [publisherId, offerId, ...rest] = event.subject.split('/');
  if (rest.length > 0 || !publisherId || !offerId || publisherId.length > 200 || offerId.length > 200) {
    throw new PermanentEventError(`subject "${event.subject.slice(0, 200)}" is not publisherId/offerId`, 'invalid-subject');
  }
}

export async function projectEvent(tables: ProjectionTables, event: OfferEvent, context: EventContext): Promise<void> {
  assertProjectable(event);
  await applyToProjection(context.tx, tables, event, { partition: context.record.partition, offset: context.record.offset });
}

/** The projection: every event of the catalog, into the status view, the history and the pages. */
@Controller()
export class ProjectionHandler {
  @EventPattern([...OFFER_EVENT_TYPES])
  async onOfferEvent(@Payload() event: OfferEvent, @Ctx() context: EventContext): Promise<void> {
    await projectEvent(LIVE_TABLES, event, context);
  }
}
