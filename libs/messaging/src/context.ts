import { BaseRpcContext } from '@nestjs/microservices';
import type { MessagingEvent } from './codec';
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
 * and emits events (`tx.emit`), the time of processing (pass it to pure domain code instead of reading a
 * clock), and the CloudEvents source of what it emits.
 */
export class EventContext<E extends MessagingEvent = MessagingEvent> extends BaseRpcContext<[ConsumedRecord]> {
  constructor(
    readonly event: E,
    readonly record: ConsumedRecord,
    readonly tx: Tx,
    readonly now: Date,
    readonly source: string,
  ) {
    super([record]);
  }
}
