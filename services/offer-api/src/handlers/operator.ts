import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { OfferEvent } from '@mkt/events';
import { DLQ_HEADERS, MessagingRuntime, UnitOfWork } from '@mkt/messaging';
import type { StatusView } from '../domain/status-view';
import { applyToProjection, LIVE_TABLES } from '../persistence/projection';

export interface HistoryRow {
  event_id: string;
  type: string;
  schema_version: number;
  attempt: number;
  time: Date;
  source: string;
  correlation_id: string;
  causation_id: string | null;
  data: Record<string, unknown>;
  partition: number;
  offset: string;
  outcome: string;
}

export const HISTORY_COLUMNS =
  'h.event_id, h.type, h.schema_version, h.attempt, h.time, h.source, h.correlation_id, h.causation_id, h.data, h.partition, h."offset"::text AS "offset", h.outcome';

export function historyEvent(row: HistoryRow, subject: string): OfferEvent {
  return {
    id: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    source: row.source,
    time: new Date(row.time).toISOString(),
    subject,
    attempt: row.attempt,
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    data: row.data,
  } as unknown as OfferEvent;
}

export interface DeadLetter {
  partition: number;
  offset: string;
  key: string | null;
  eventId: string | null;
  type: string | null;
  reason: string | null;
  code: string | null;
  consumer: string | null;
  originalTopic: string | null;
  originalPartition: number | null;
  originalOffset: string | null;
  time: string | null;
  payload: string | null;
}

/** What operators use to diagnose: per-offer replay of the stored history, and the dead-letter topic. */
@Injectable()
export class OperatorTools {
  constructor(
    @Inject(UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime,
  ) {}

  /**
   * Recomputes one offer's view, history outcomes and pages from its stored events with the same code the
   * consumer uses, and reports whether the stored view differed.
   */
  async replayOffer(publisherId: string, offerId: string): Promise<{ events: number; changed: boolean; before: StatusView | null; after: StatusView | null }> {
    return this.unitOfWork.run(async (tx) => {
      const [current] = await tx.query<{ view: StatusView }>(
        `SELECT view FROM ${LIVE_TABLES.view} WHERE publisher_id = $1 AND offer_id = $2 FOR UPDATE`,
        [publisherId, offerId],
      );
      const rows = await tx.query<HistoryRow>(
        `SELECT ${HISTORY_COLUMNS} FROM ${LIVE_TABLES.history} h WHERE h.publisher_id = $1 AND h.offer_id = $2 ORDER BY h.partition, h."offset"`,
        [publisherId, offerId],
      );
      for (const table of [LIVE_TABLES.view, LIVE_TABLES.history, LIVE_TABLES.pages]) {
        await tx.query(`DELETE FROM ${table} WHERE publisher_id = $1 AND offer_id = $2`, [publisherId, offerId]);
      }
      const subject = `${publisherId}/${offerId}`;
      for (const row of rows) await applyToProjection(tx, LIVE_TABLES, historyEvent(row, subject), { partition: row.partition, offset: row.offset });
      const [after] = await tx.query<{ view: StatusView }>(`SELECT view FROM ${LIVE_TABLES.view} WHERE publisher_id = $1 AND offer_id = $2`, [publisherId, offerId]);
      return {
        events: rows.length,
        changed: JSON.stringify(current?.view ?? null) !== JSON.stringify(after?.view ?? null),
        before: current?.view ?? null,
        after: after?.view ?? null,
      };
    });
  }

  /** Reads the dead-letter topic from the beginning to its current end (newest `limit` records). */
  async deadLetters(limit: number): Promise<DeadLetter[]> {
    const topic = this.runtime.kafkaSettings.deadLetterTopic;
    const kafka = this.runtime.kafka;
    const admin = kafka.admin();
    await admin.connect();
    const groupId = `${this.runtime.consumerOptions().groupId}-dlq-reader-${randomUUID().slice(0, 8)}`;
    try {
      const ends = (await admin.fetchTopicOffsets(topic)).filter((p) => BigInt(p.high) > BigInt(p.low));
      if (ends.length === 0) return [];
      const remaining = new Map(ends.map((p) => [p.partition, BigInt(p.high)]));
      const letters: DeadLetter[] = [];
      const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('timed out reading the dead-letter topic')), 30_000);
          consumer
            .run({
              eachMessage: async ({ partition, message }) => {
                const header = (name: string) => message.headers?.[name]?.toString() ?? null;
                if (BigInt(message.offset) < (remaining.get(partition) ?? 0n)) {
                  letters.push({
                    partition,
                    offset: message.offset,
                    key: message.key?.toString() ?? null,
                    eventId: header('ce_id'),
                    type: header('ce_type'),
                    reason: header(DLQ_HEADERS.reason),
                    code: header(DLQ_HEADERS.code),
                    consumer: header(DLQ_HEADERS.consumer),
                    originalTopic: header(DLQ_HEADERS.topic),
                    originalPartition: header(DLQ_HEADERS.partition) === null ? null : Number(header(DLQ_HEADERS.partition)),
                    originalOffset: header(DLQ_HEADERS.offset),
                    time: header(DLQ_HEADERS.time),
                    payload: message.value ? message.value.toString().slice(0, 2000) : null,
                  });
                }
                if (BigInt(message.offset) + 1n >= (remaining.get(partition) ?? 0n)) remaining.delete(partition);
                if (remaining.size === 0) {
                  clearTimeout(timer);
                  resolve();
                }
              },
            })
            .catch(reject);
        });
      } finally {
        await consumer.disconnect().catch(() => undefined);
      }
      await admin.deleteGroups([groupId]).catch(() => undefined);
      letters.sort((a, b) => (a.time ?? '').localeCompare(b.time ?? '') || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
      return letters.slice(-limit);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
