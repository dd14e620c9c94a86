import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MessagingRuntime, readDeadLetters, UnitOfWork, type DeadLetterRecord } from '@mkt/messaging';
import type { StatusView } from '../domain/status-view';
import { LIVE_TABLES, projectionChecksum, reprojectOffer, type ProjectionChecksum } from '../persistence/projection';

/** A dead letter as operators list it: where it is, why it is there, and the start of its payload. */
export type DeadLetter = Pick<
  DeadLetterRecord,
  'partition' | 'offset' | 'key' | 'reason' | 'code' | 'consumer' | 'originalTopic' | 'originalPartition' | 'originalOffset' | 'time'
> & { eventId: string | null; type: string | null; payload: string | null };

/** What operators use to diagnose: per-offer replay of the stored history, the dead-letter topic, the checksum. */
@Injectable()
export class OperatorTools {
  constructor(
    @Inject(UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  /**
   * Recomputes one offer's view, history outcomes and pages from its stored events with the same code the
   * consumer uses, and reports whether the stored view differed.
   */
  async replayOffer(publisherId: string, offerId: string): Promise<{ events: number; changed: boolean; before: StatusView | null; after: StatusView | null }> {
    const { events, before, after } = await this.unitOfWork.run((tx) => reprojectOffer(tx, LIVE_TABLES, publisherId, offerId));
    return { events, changed: JSON.stringify(before) !== JSON.stringify(after), before, after };
  }

  /** The newest `limit` records of the dead-letter topic, oldest first. */
  deadLetters(limit: number): Promise<DeadLetter[]> {
    return readDeadLetters(this.runtime.kafka, {
      topic: this.runtime.kafkaSettings.deadLetterTopic,
      limit,
      groupPrefix: `${this.runtime.consumerOptions().groupId}-dlq-reader`,
      decode: (letter): DeadLetter => ({
        partition: letter.partition,
        offset: letter.offset,
        key: letter.key,
        eventId: letter.headers.ce_id ?? null,
        type: letter.headers.ce_type ?? null,
        reason: letter.reason,
        code: letter.code,
        consumer: letter.consumer,
        originalTopic: letter.originalTopic,
        originalPartition: letter.originalPartition,
        originalOffset: letter.originalOffset,
        time: letter.time,
        payload: letter.value ? letter.value.toString().slice(0, 2000) : null,
      }),
    });
  }

  checksum(): Promise<ProjectionChecksum> {
    return projectionChecksum(this.dataSource);
  }
}
