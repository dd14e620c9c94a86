import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeEvent } from '@mkt/events';
import {
  classifyFailure,
  MessagingRuntime,
  replayTopic,
  UnitOfWork,
  whenAvailable,
  type PartitionRange,
  type ReadProgress,
  type TopicRecord,
} from '@mkt/messaging';
import { OFFER_API_CONFIG, type OfferApiConfig } from '../config';
import { StatusTextCache } from './status-text-cache';
import { projectableSubject } from '../domain/status-view';
import {
  applyAllToProjection,
  applyEachToProjection,
  dropShadowTables,
  recreateShadowTables,
  SHADOW_TABLES,
  swapInShadow,
  type PositionedEvent,
} from '../persistence/projection';
import { replayProgress } from '../domain/rebuild-progress';
import {
  claimRebuild,
  failRebuild,
  findRebuild,
  finishRebuild,
  recordRebuildProgress,
  type RebuildProgress,
  type RebuildReport,
} from '../persistence/rebuilds';

export interface Rebuild {
  id: string;
  state: 'running' | 'done' | 'failed';
  startedTime: Date;
  finishedTime: Date | null;
  report: RebuildReport | null;
  /** While running: phase, log records replayed of the total, rate and time left. */
  progress: RebuildProgress | null;
  error: string | null;
}

/** Which rebuild a replay reports its progress to, and as what phase. */
interface ProgressTracking {
  id: string;
  phase: RebuildProgress['phase'];
}

/** Where each partition's replay ended (exclusive): the next catch-up starts there. */
type ReplayEnds = Map<number, bigint>;

const PROGRESS_LOG_MS = 5_000;
/** How often a running rebuild records its progress for the operators following it. */
const PROGRESS_RECORD_MS = 1_000;

/**
 * Rebuilds the projection from offset 0 without stopping the service: the whole topic is replayed into
 * shadow tables up to the end offsets it had at start, then what arrived meanwhile; the live tables are
 * then locked (which holds the live consumer), the shadow is brought as far as the live projection on
 * every partition, and its rows replace the live ones in one transaction. The live consumer then carries
 * on; the log position stored with each view row keeps it from applying again what the shadow holds.
 */
@Injectable()
export class ProjectionRebuilder {
  private readonly logger = new Logger(ProjectionRebuilder.name);

  constructor(
    @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime,
    @Inject(UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(OFFER_API_CONFIG) private readonly config: OfferApiConfig,
    @Inject(StatusTextCache) private readonly statusTexts: StatusTextCache,
  ) {}

  /** Starts a rebuild in the background; undefined when one is already running (in any instance). */
  async start(): Promise<string | undefined> {
    const id = randomUUID();
    if (!(await claimRebuild(this.dataSource, id, this.config.rebuildTimeoutMs))) return undefined;
    void this.rebuild(id)
      .then((report) => finishRebuild(this.dataSource, id, report))
      .catch(async (error: unknown) => {
        this.logger.error(`projection rebuild ${id} failed: ${(error as Error).stack ?? String(error)}`);
        await failRebuild(this.dataSource, id, (error as Error).message).catch(() => undefined);
      });
    return id;
  }

  async find(id: string): Promise<Rebuild | undefined> {
    const row = await findRebuild(this.dataSource, id);
    return (
      row && {
        id: row.id,
        state: row.state,
        startedTime: row.started_at,
        finishedTime: row.finished_at,
        report: row.report,
        progress: row.progress ?? null,
        error: row.error,
      }
    );
  }

  private async rebuild(id: string): Promise<RebuildReport> {
    const started = Date.now();
    const deadline = started + this.config.rebuildTimeoutMs;
    const topic = this.runtime.kafkaSettings.eventsTopic;
    await recreateShadowTables(this.dataSource);
    try {
      this.logger.log(`rebuilding the projection from offset 0 of ${topic}`);
      const replay = await this.replayIntoShadow(undefined, deadline, this.runtime.consumerOptions().partitionsConsumedConcurrently, {
        id,
        phase: 'replaying',
      });
      // what arrived during the replay, before the lock: the locked catch-up is then short
      let ends = await this.catchUp(
        replay.ends,
        [...replay.ends.keys()].map((partition) => ({ partition })),
        deadline,
        { id, phase: 'catching-up' },
      );
      const checksum = await swapInShadow(this.dataSource, async (live) => {
        await this.record(id, { phase: 'switching', replayed: 0, total: 0, eventsPerSecond: 0, etaSeconds: null });
        const behind = [...live].filter(([partition, offset]) => offset >= (ends.get(partition) ?? 0n));
        ends = await this.catchUp(
          ends,
          behind.map(([partition, offset]) => ({ partition, to: offset })),
          deadline,
        );
      });
      this.statusTexts.clear();
      this.logger.log(`projection rebuilt: ${checksum.views} offers, ${checksum.events} events in ${Date.now() - started} ms`);
      return { ...checksum, consumerGroup: replay.groupId, durationMs: Date.now() - started };
    } finally {
      await dropShadowTables(this.dataSource).catch(() => undefined);
    }
  }

  /** Replays the given partition ranges from where the last replay ended; returns the new ends. */
  private async catchUp(ends: ReplayEnds, ranges: PartitionRange[], deadline: number, tracking?: ProgressTracking): Promise<ReplayEnds> {
    if (ranges.length === 0) return ends;
    // one partition at a time: under the lock, connections are scarce (the live consumer holds some, waiting)
    const { ends: reached } = await this.replayIntoShadow(
      ranges.map((range) => ({ ...range, from: ends.get(range.partition) ?? 0n })),
      deadline,
      1,
      tracking,
    );
    return new Map([...ends, ...reached]);
  }

  private async replayIntoShadow(
    partitions: PartitionRange[] | undefined,
    deadline: number,
    concurrency: number,
    tracking?: ProgressTracking,
  ): Promise<{ groupId: string; ends: ReplayEnds }> {
    const started = Date.now();
    let logged = started;
    let recorded = 0;
    const report = await replayTopic(this.runtime.kafka, {
      topic: this.runtime.kafkaSettings.eventsTopic,
      partitions,
      groupPrefix: `${this.runtime.consumerOptions().groupId}-rebuild`,
      timeoutMs: Math.max(1, deadline - Date.now()),
      partitionsConcurrently: concurrency,
      decode: positionedEvent,
      handle: (items) => this.applyToShadow(items, deadline),
      onProgress: (progress: ReadProgress) => {
        const now = Date.now();
        if (tracking && now - recorded >= PROGRESS_RECORD_MS) {
          recorded = now;
          void this.record(tracking.id, { phase: tracking.phase, ...replayProgress(progress.partitions, now - started) });
        }
        if (now - logged < PROGRESS_LOG_MS) return;
        logged = now;
        const { replayed, total, eventsPerSecond } = replayProgress(progress.partitions, now - started);
        this.logger.log(`rebuild: ${replayed} of ${total} records replayed (${progress.skipped} not projectable), ${eventsPerSecond}/s`);
      },
    });
    if (report.skipped) this.logger.warn(`rebuild: left out ${report.skipped} records that are not projectable events (the live consumer dead-lettered them)`);
    return { groupId: report.groupId, ends: new Map(report.partitions.map((p) => [p.partition, BigInt(p.end)])) };
  }

  /** Progress is for people watching: failing to record it never fails the rebuild. */
  private async record(id: string, progress: RebuildProgress): Promise<void> {
    await recordRebuildProgress(this.dataSource, id, progress).catch((error: unknown) =>
      this.logger.warn(`rebuild: could not record progress: ${(error as Error).message}`),
    );
  }

  /**
   * One batch in one transaction; an event the projection cannot apply is left out, as the live consumer
   * dead-letters it. A database outage is waited out until the rebuild's deadline.
   */
  private async applyToShadow(items: PositionedEvent[], deadline: number): Promise<void> {
    await whenAvailable(
      'PostgreSQL',
      async () => {
        try {
          await this.unitOfWork.run((tx) => applyAllToProjection(tx, SHADOW_TABLES, items));
        } catch (error) {
          if (classifyFailure(error).kind === 'transient') throw error;
          await this.unitOfWork.run((tx) =>
            applyEachToProjection(tx, SHADOW_TABLES, items, (item, failure) =>
              this.logger.warn(
                `rebuild: left out ${item.event.type} ${item.event.id} at ${item.position.partition}:${item.position.offset}: ${(failure as Error).message}`,
              ),
            ),
          );
        }
      },
      {
        deadlineMs: Math.max(0, deadline - Date.now()),
        isTransient: (error) => classifyFailure(error).kind === 'transient',
        log: (message) => this.logger.warn(`rebuild: ${message}`),
      },
    );
  }
}

/** The event of a record with its position, or undefined for what the projection never places. */
function positionedEvent(record: TopicRecord): PositionedEvent | undefined {
  const decoded = decodeEvent({ key: record.key, value: record.value, headers: record.headers });
  if (!decoded.ok || !projectableSubject(decoded.event.subject)) return undefined;
  return { event: decoded.event, position: { partition: record.partition, offset: record.offset } };
}
