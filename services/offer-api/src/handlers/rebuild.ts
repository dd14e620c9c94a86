import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { OfferEvent } from '@mkt/events';
import { MessagingRuntime, type InboxConsumer } from '@mkt/messaging';
import { OFFER_API_CONFIG } from '../http/auth';
import type { OfferApiConfig } from '../config';
import { createProjectionTables } from '../persistence/migrations/1733200000000-offer-api-tables';
import { appliedPositions, LIVE_TABLES, projectionChecksum, REBUILD_PREFIX, SHADOW_TABLES, type ProjectionChecksum } from '../persistence/projection';
import { projectEvent } from './projection.handler';

export interface RebuildReport extends ProjectionChecksum {
  consumerGroup: string;
  durationMs: number;
}

export interface RebuildRow {
  id: string;
  state: 'running' | 'done' | 'failed';
  started_at: Date;
  finished_at: Date | null;
  report: RebuildReport | null;
  error: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Rebuilds the projection from offset 0 without stopping the service: a fresh consumer group replays the
 * whole topic into shadow tables; once it has caught up, the live tables are locked, the shadow is
 * checked to be at least as far as the live projection on every partition, and its rows replace the
 * live ones in one transaction. The live consumer then carries on; the log position stored with each
 * view row keeps it from applying again what the shadow already holds.
 */
@Injectable()
export class ProjectionRebuilder {
  private readonly logger = new Logger(ProjectionRebuilder.name);

  constructor(
    @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(OFFER_API_CONFIG) private readonly config: OfferApiConfig,
  ) {}

  /** Starts a rebuild in the background; undefined when one is already running (in any instance). */
  async start(): Promise<string | undefined> {
    const id = randomUUID();
    // a rebuild whose process died never finishes: give up on it after the timeout
    await this.dataSource.query(
      `UPDATE projection_rebuilds SET state = 'failed', finished_at = now(), error = 'abandoned (timed out)'
        WHERE state = 'running' AND started_at < now() - make_interval(secs => $1)`,
      [this.config.rebuildTimeoutMs / 1000],
    );
    try {
      await this.dataSource.query(`INSERT INTO projection_rebuilds (id, state) VALUES ($1, 'running')`, [id]);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') return undefined;
      throw error;
    }
    void this.rebuild()
      .then((report) => this.dataSource.query(`UPDATE projection_rebuilds SET state = 'done', finished_at = now(), report = $2 WHERE id = $1`, [id, JSON.stringify(report)]))
      .catch(async (error: unknown) => {
        this.logger.error(`projection rebuild ${id} failed: ${(error as Error).stack ?? String(error)}`);
        await this.dataSource
          .query(`UPDATE projection_rebuilds SET state = 'failed', finished_at = now(), error = $2 WHERE id = $1`, [id, (error as Error).message])
          .catch(() => undefined);
      });
    return id;
  }

  async find(id: string): Promise<RebuildRow | undefined> {
    const rows = (await this.dataSource.query(`SELECT * FROM projection_rebuilds WHERE id = $1`, [id])) as RebuildRow[];
    return rows[0];
  }

  private async rebuild(): Promise<RebuildReport> {
    const started = Date.now();
    const topic = this.runtime.kafkaSettings.eventsTopic;
    const groupId = `${this.runtime.consumerOptions().groupId}-rebuild-${randomUUID().slice(0, 8)}`;
    await this.dropShadow();
    await createProjectionTables(this.dataSource, REBUILD_PREFIX);
    const targets = await this.endOffsets(topic);
    const consumer: InboxConsumer = this.runtime.createConsumer(
      { handles: () => true, dispatch: (event: OfferEvent, context) => projectEvent(SHADOW_TABLES, event, context) },
      { groupId, fromBeginning: true },
    );
    this.logger.log(`rebuilding the projection from offset 0 of ${topic} with consumer group ${groupId}`);
    try {
      await consumer.start();
      await this.waitForCatchUp(groupId, topic, targets, started);
      const checksum = await this.swapIn(started);
      this.logger.log(`projection rebuilt: ${checksum.views} offers, ${checksum.events} events in ${Date.now() - started} ms`);
      return { ...checksum, consumerGroup: groupId, durationMs: Date.now() - started };
    } finally {
      await consumer.stop().catch(() => undefined);
      await this.dropShadow().catch(() => undefined);
      await this.dataSource.query('DELETE FROM inbox WHERE consumer = $1', [groupId]).catch(() => undefined);
      await this.deleteGroup(groupId);
    }
  }

  private async endOffsets(topic: string): Promise<Map<number, bigint>> {
    const admin = this.runtime.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return new Map(offsets.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
    } finally {
      await admin.disconnect();
    }
  }

  /** Until the rebuild group has committed everything that was on the topic when it started. */
  private async waitForCatchUp(groupId: string, topic: string, targets: Map<number, bigint>, started: number): Promise<void> {
    const admin = this.runtime.kafka.admin();
    await admin.connect();
    try {
      for (;;) {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const done = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
        if ([...targets].every(([partition, high]) => (done.get(partition) ?? -1n) >= high)) return;
        this.assertTime(started);
        await sleep(200);
      }
    } finally {
      await admin.disconnect();
    }
  }

  private async swapIn(started: number): Promise<ProjectionChecksum> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query(`LOCK TABLE ${LIVE_TABLES.view}, ${LIVE_TABLES.history}, ${LIVE_TABLES.pages} IN ACCESS EXCLUSIVE MODE`);
      // events the live consumer applied after the catch-up check: let the shadow reach them too
      for (;;) {
        const live = await appliedPositions(runner, LIVE_TABLES);
        const shadow = await appliedPositions(runner, SHADOW_TABLES);
        if ([...live].every(([partition, offset]) => (shadow.get(partition) ?? -1n) >= offset)) break;
        this.assertTime(started);
        await sleep(100);
      }
      for (const [live, shadow] of [
        [LIVE_TABLES.view, SHADOW_TABLES.view],
        [LIVE_TABLES.history, SHADOW_TABLES.history],
        [LIVE_TABLES.pages, SHADOW_TABLES.pages],
      ]) {
        await runner.query(`TRUNCATE ${live}`);
        await runner.query(`INSERT INTO ${live} SELECT * FROM ${shadow}`);
      }
      const checksum = await projectionChecksum(runner, LIVE_TABLES);
      await runner.commitTransaction();
      return checksum;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  private assertTime(started: number): void {
    if (Date.now() - started > this.config.rebuildTimeoutMs) throw new Error(`the rebuild did not catch up within ${this.config.rebuildTimeoutMs} ms`);
  }

  private async dropShadow(): Promise<void> {
    await this.dataSource.query(`DROP TABLE IF EXISTS ${SHADOW_TABLES.view}, ${SHADOW_TABLES.history}, ${SHADOW_TABLES.pages}`);
  }

  private async deleteGroup(groupId: string): Promise<void> {
    const admin = this.runtime.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([groupId]);
    } catch (error) {
      this.logger.warn(`could not delete consumer group ${groupId}: ${(error as Error).message}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
