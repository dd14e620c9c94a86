import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { JobWorker, MessagingRuntime, type Job, type JobControl, type JobResult, type Tx } from '@mkt/messaging';
import { SECRET_STORE, type SecretStore } from '@mkt/secrets';
import { causeOfJob, completeJob, emitCaused, type JobCause } from '@mkt/stages';
import type { CertificationConfig } from '../config';
import { CERTIFY_JOB, certifyDisk, diskKey, disksOf, imageListProblems, type CertificationRules, type CheckResult, type ImageList } from '../domain';
import { loadImageList } from '../persistence/queries';
import { SafeBlobReader } from './safe-blob-reader';
import { certificationStage } from './stage';
import { CERTIFICATION_CONFIG } from './tokens';

/** The cause is the PrerequisitesValidated event that started certification. */
export interface CertifyJobPayload extends JobCause {
  /** Jobs created before the stage kit carry their image list; newer ones read it from attempt_images. */
  images?: ImageList;
}

/** Checkpoint: when the run started (CertificationStarted is out), and the checks of each disk done so far. */
export type CertifyProgress = {
  startedAt?: string;
  results?: Record<string, CheckResult[]>;
};

/** Runs the certification jobs: every disk of every image version, checkpointing results as they accumulate. */
@Injectable()
export class CertificationWorker implements OnApplicationBootstrap {
  private readonly logger = new Logger(CertificationWorker.name);
  private readonly rules: CertificationRules;
  private readonly stage;

  constructor(
    @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime,
    @Inject(CERTIFICATION_CONFIG) private readonly config: CertificationConfig,
    @Inject(SECRET_STORE) private readonly secrets: SecretStore,
  ) {
    this.rules = { sasMinDays: config.sasMinDays, allowHttp: config.allowPrivateNetwork, timeoutMs: config.requestTimeoutMs };
    this.stage = certificationStage(config);
  }

  onApplicationBootstrap(): void {
    JobWorker.create<CertifyJobPayload, CertifyProgress>(
      this.runtime,
      {
        kind: CERTIFY_JOB,
        concurrency: this.config.concurrency,
        leaseMs: this.config.jobLeaseMs,
        pollIntervalMs: this.config.jobPollIntervalMs,
        maxTries: this.config.jobMaxTries,
        onExhausted: (job, error, tx) => this.giveUp(job as Job<CertifyJobPayload, CertifyProgress>, error, tx),
      },
      (control) => this.certify(control),
    ).start();
  }

  private async certify(control: JobControl<CertifyJobPayload, CertifyProgress>): Promise<JobResult> {
    const { job } = control;
    const images = job.payload.images ?? (await this.runtime.unitOfWork.run((tx) => loadImageList(tx, job.subject, job.attempt)));
    if (!images) throw new Error(`no image list recorded for attempt ${job.attempt}`);
    const disks = disksOf(images.images);
    let progress = job.progress;
    if (!progress.startedAt) {
      progress = { startedAt: new Date().toISOString(), results: {} };
      // in the checkpoint: a resumed job finds startedAt and does not announce itself again
      await control.checkpoint(progress, (tx) => {
        emitCaused(tx, causeOfJob(job), [{ type: 'CertificationStarted', data: { disks: disks.length } }], { source: this.runtime.source });
      });
    }
    const reader = new SafeBlobReader({
      timeoutMs: this.config.requestTimeoutMs,
      maxRedirects: this.config.maxRedirects,
      allowPrivateNetwork: this.config.allowPrivateNetwork,
      signal: control.signal,
      secrets: this.secrets,
      owner: job.subject,
    });
    let lastCheckpoint = Date.now();
    for (const disk of disks) {
      if (progress.results?.[diskKey(disk)]) continue;
      const checks = await certifyDisk(disk, reader, new Date(), this.rules);
      progress = { ...progress, results: { ...progress.results, [diskKey(disk)]: checks } };
      // Re-reading a disk costs two small requests: save results only when enough time went into them.
      if (Date.now() - lastCheckpoint >= this.config.checkpointIntervalMs) {
        await control.checkpoint(progress);
        lastCheckpoint = Date.now();
      }
    }
    const checks = [...imageListProblems(images), ...disks.flatMap((disk) => progress.results?.[diskKey(disk)] ?? [])];
    return {
      apply: async (tx) => {
        await completeJob(this.stage, job, { type: 'CertificationChecked', attempt: job.attempt, checks }, { tx, source: this.runtime.source });
      },
    };
  }

  /** Our own failure (not the publisher's): the attempt fails with a message saying so, once. */
  private async giveUp(job: Job<CertifyJobPayload, CertifyProgress>, error: string, tx: Tx): Promise<void> {
    this.logger.error(`certification of ${job.subject} attempt ${job.attempt} gave up: ${error}`);
    await completeJob(this.stage, job, { type: 'CertificationAbandoned', attempt: job.attempt, error }, { tx, source: this.runtime.source });
  }
}
