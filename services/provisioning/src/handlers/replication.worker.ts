import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { OfferEventDraft } from '@mkt/events';
import { crashPoint, JobWorker, MessagingRuntime, type Job, type JobControl, type JobResult, type Tx } from '@mkt/messaging';
import { causeOfJob, completeJob, emitCaused, type JobCause } from '@mkt/stages';
import { abortableDelay, SimulatedReplicationBackend } from '../adapters/simulated-backend';
import { PROVISIONING_CONFIG, type ProvisioningConfig } from '../config';
import { REPLICATE_JOB, type ReplicateJobPayload, type ReplicateJobProgress } from '../domain/stage';
import {
  abandonedOutcome,
  initialProgress,
  recordRegion,
  regionsToDo,
  replicateRegion,
  replicateRegions,
  replicationOutcome,
  replicationStarted,
  type ReplicationBackend,
  type ReplicationProgress,
} from '../domain/replication';
import { loadSubmittedImages } from '../persistence/submitted-images';
import { provisioningStage } from './stage';

type ReplicateJob = Job<ReplicateJobPayload & JobCause, ReplicateJobProgress>;

function progressOf(job: ReplicateJob): ReplicationProgress {
  const saved = job.progress as Partial<ReplicationProgress>;
  return { ...initialProgress(), ...saved, finished: saved.finished ?? [] };
}

/**
 * Runs the replication jobs: replicates region by region (bounded concurrency, retries in the domain),
 * checkpointing each finished region together with the events due at that point, so that a job
 * resumed after a crash neither redoes a finished region nor emits an event twice.
 */
@Injectable()
export class ReplicationWorker implements OnApplicationBootstrap {
  private readonly logger = new Logger(ReplicationWorker.name);
  private readonly backend: ReplicationBackend;
  private readonly stage;
  private worker?: JobWorker<ReplicateJobPayload & JobCause, ReplicateJobProgress>;

  constructor(
    @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime,
    @Inject(PROVISIONING_CONFIG) private readonly config: ProvisioningConfig,
  ) {
    this.backend = config.backend ?? new SimulatedReplicationBackend(config.simulation);
    this.stage = provisioningStage(config);
  }

  onApplicationBootstrap(): void {
    this.worker = JobWorker.create<ReplicateJobPayload & JobCause, ReplicateJobProgress>(
      this.runtime,
      {
        kind: REPLICATE_JOB,
        ...this.config.jobs,
        onExhausted: (job, error, tx) => this.giveUp(job as unknown as ReplicateJob, error, tx),
      },
      (control) => this.replicate(control),
    );
    this.worker.start();
  }

  /** Jobs completed, canceled, retried and failed by this process. */
  get stats() {
    return this.worker?.stats;
  }

  private emitter(job: ReplicateJob, draft: OfferEventDraft) {
    return (tx: Tx) => {
      emitCaused(tx, causeOfJob(job), [draft], { source: this.runtime.source });
    };
  }

  private async replicate(control: JobControl<ReplicateJobPayload & JobCause, ReplicateJobProgress>): Promise<JobResult> {
    const { job } = control;
    const { regions } = job.payload;
    const images = job.payload.images ?? (await this.runtime.unitOfWork.run((tx) => loadSubmittedImages(tx, job.subject, job.attempt)));
    if (!images) throw new Error(`no images recorded for attempt ${job.attempt}`);
    const settings = this.config.replication;
    let progress = progressOf(job);
    let lastCheckpoint = Date.now();

    if (!progress.started) {
      const started = { ...progress, started: true, reportedAtMs: Date.now() };
      await control.checkpoint(started, this.emitter(job, replicationStarted(images, regions)));
      progress = started;
    } else {
      this.logger.log(`resuming ${job.subject}#${job.attempt}: ${progress.finished.length} of ${regions.length} regions already finished`);
    }

    await replicateRegions({
      regions: regionsToDo(regions, progress),
      concurrency: settings.concurrency,
      signal: control.signal,
      replicate: (region, signal) => replicateRegion(images, region, this.backend, settings.retry, signal, abortableDelay),
      onResult: async (result) => {
        const step = recordRegion(progress, result, regions.length, settings.progressEvery, { now: Date.now(), minIntervalMs: settings.progressMinIntervalMs });
        progress = step.progress;
        // Persist when an event is due (it must be written exactly once, with the progress that
        // caused it) or when the last checkpoint is old; a crash redoes at most the regions since.
        if (step.event || Date.now() - lastCheckpoint >= settings.checkpointIntervalMs) {
          await control.checkpoint(step.progress, step.event ? this.emitter(job, step.event) : undefined);
          lastCheckpoint = Date.now();
          crashPoint('provisioning.afterRegionCheckpoint');
        }
      },
    });

    return this.completion(job, replicationOutcome(regions, progress));
  }

  private completion(job: ReplicateJob, outcome: OfferEventDraft): JobResult {
    return {
      apply: async (tx) => {
        await completeJob(this.stage, job, { type: 'ReplicationFinished', attempt: job.attempt, outcome }, { tx, source: this.runtime.source });
      },
    };
  }

  /** The job kept failing for a reason of its own (not a region): the stage fails, naming the unfinished regions. */
  private async giveUp(job: ReplicateJob, error: string, tx: Tx): Promise<void> {
    const outcome = abandonedOutcome(job.payload.regions, progressOf(job), error);
    await this.completion(job, outcome).apply(tx);
  }
}
