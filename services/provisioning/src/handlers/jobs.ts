import type { ReplicationImage, ReplicationProgress } from '../domain/replication';

export const REPLICATE_JOB = 'replicate';

/** What the handler gives the job: what to replicate where, and the envelope of the event to answer. */
export interface ReplicateJobPayload {
  images: ReplicationImage[];
  /** The region catalog when the job was created, so that a job resumed after a deploy targets the same regions. */
  regions: string[];
  correlationId: string;
  causationId: string;
}

export type ReplicateJobProgress = ReplicationProgress & Record<string, unknown>;
