import { BaseRpcContext } from '@nestjs/microservices';
import { causedBy, createOfferEvent, type Envelope, type OfferEvent, type OfferEventData, type OfferEventDraft, type OfferEventType } from '@mkt/events';
import type { Tx } from './unit-of-work';

/** Where a consumed message came from. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  value: Buffer | null;
}

/**
 * What a handler gets besides the event (`@Ctx()`): the open transaction, in which it changes its state
 * and emits events, and the time of processing (pass it to pure domain code instead of reading a clock).
 */
export class EventContext extends BaseRpcContext<[ConsumedRecord]> {
  constructor(
    readonly event: OfferEvent,
    readonly record: ConsumedRecord,
    readonly tx: Tx,
    readonly now: Date,
    /** CloudEvents source of the events this service emits. */
    readonly source: string,
  ) {
    super([record]);
  }

  /** Emits an event caused by the one being handled (same offer, attempt and correlation). */
  emit<T extends OfferEventType>(type: T, data: OfferEventData<T>): Envelope<T, OfferEventData<T>> {
    const event = createOfferEvent(type, data, causedBy(this.event), { source: this.source, now: () => this.now });
    this.tx.emit(event);
    return event;
  }

  /** Emits what a `decide` function returned. */
  emitAll(drafts: readonly OfferEventDraft[]): Envelope[] {
    return drafts.map((draft) => this.emit(draft.type, draft.data as never));
  }
}
