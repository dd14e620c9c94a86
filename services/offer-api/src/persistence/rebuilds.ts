import type { DataSource } from 'typeorm';
import type { ProjectionChecksum } from './projection';

export interface RebuildReport extends ProjectionChecksum {
  consumerGroup: string;
  durationMs: number;
}

/** Where a running rebuild is: events are log records (projectable or not) of the ranges it replays. */
export interface RebuildProgress {
  phase: 'replaying' | 'catching-up' | 'switching';
  replayed: number;
  total: number;
  eventsPerSecond: number;
  /** Seconds left at the rate so far; null before there is a rate. */
  etaSeconds: number | null;
}

export interface RebuildRow {
  id: string;
  state: 'running' | 'done' | 'failed';
  started_at: Date;
  finished_at: Date | null;
  report: RebuildReport | null;
  progress: RebuildProgress | null;
  error: string | null;
}

/**
 * Records a running rebuild; false when one is already running (in any instance). A rebuild whose
 * process died never finishes: one older than `timeoutMs` is given up on first.
 */
export async function claimRebuild(dataSource: DataSource, id: string, timeoutMs: number): Promise<boolean> {
  await dataSource.query(
    `UPDATE projection_rebuilds SET state = 'failed', finished_at = now(), error = 'abandoned (timed out)'
      WHERE state = 'running' AND started_at < now() - make_interval(secs => $1)`,
    [timeoutMs / 1000],
  );
  try {
    await dataSource.query(`INSERT INTO projection_rebuilds (id, state) VALUES ($1, 'running')`, [id]);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return false;
    throw error;
  }
}

export async function recordRebuildProgress(dataSource: DataSource, id: string, progress: RebuildProgress): Promise<void> {
  await dataSource.query(`UPDATE projection_rebuilds SET progress = $2 WHERE id = $1 AND state = 'running'`, [id, JSON.stringify(progress)]);
}

export async function finishRebuild(dataSource: DataSource, id: string, report: RebuildReport): Promise<void> {
  await dataSource.query(`UPDATE projection_rebuilds SET state = 'done', finished_at = now(), report = $2 WHERE id = $1`, [id, JSON.stringify(report)]);
}

export async function failRebuild(dataSource: DataSource, id: string, error: string): Promise<void> {
  await dataSource.query(`UPDATE projection_rebuilds SET state = 'failed', finished_at = now(), error = $2 WHERE id = $1`, [id, error]);
}

export async function findRebuild(dataSource: DataSource, id: string): Promise<RebuildRow | undefined> {
  const rows = (await dataSource.query(`SELECT * FROM projection_rebuilds WHERE id = $1`, [id])) as RebuildRow[];
  return rows[0];
}
