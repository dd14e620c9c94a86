import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { fromDraft, type EventMetadata, type OfferEventDraft } from '@mkt/events';
import { JobWorker, MessagingRuntime, type Job, type JobControl, type JobResult, type Tx } from '@mkt/messaging';
import { CERTIFY_JOB_KIND, type CertificationConfig } from '../config';
import {
  certificationOutcome,
  certifyDisk,
  diskKey,
  disksOf,
  imageListProblems,
  type CertificationRules,
  type CheckResult,
  type ImageList,
} from '../domain';
import { recordResult } from '../persistence/queries';
import { SafeBlobReader } from './safe-blob-reader';
import { CERTIFICATION_CONFIG } from './tokens';

export interface CertifyJobPayload {
  correlationId: string;
  /** The PrerequisitesValidated event that started certification. */
  causationId: string;
  images: ImageList;
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

  constructor(
    @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime,
    @Inject(CERTIFICATION_CONFIG) private readonly config: CertificationConfig,
  ) {
    this.rules = { sasMinDays: config.sasMinDays, allowHttp: config.allowPrivateNetwork, timeoutMs: config.requestTimeoutMs };
  }

  onApplicationBootstrap(): void {
    JobWorker.create<CertifyJobPayload, CertifyProgress>(
      this.runtime,
      {
        kind: CERTIFY_JOB_KIND,
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
    const disks = disksOf(job.payload.images.images);
    let progress = job.progress;
    if (!progress.startedAt) {
      progress = { startedAt: new Date().toISOString(), results: {} };
      // in the checkpoint: a resumed job finds startedAt and does not announce itself again
      await control.checkpoint(progress, (tx) => {
        this.emit(tx, job, { type: 'CertificationStarted', data: { disks: disks.length } });
      });
    }
    const reader = new SafeBlobReader({
      timeoutMs: this.config.requestTimeoutMs,
      maxRedirects: this.config.maxRedirects,
      allowPrivateNetwork: this.config.allowPrivateNetwork,
      signal: control.signal,
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
    const checks = [...imageListProblems(job.payload.images), ...disks.flatMap((disk) => progress.results?.[diskKey(disk)] ?? [])];
    const outcome = certificationOutcome(checks);
    return {
      apply: async (tx) => {
        const event = this.emit(tx, job, outcome);
        await recordResult(tx, { subject: job.subject, attempt: job.attempt, outcome: outcome.type === 'CertificationPassed' ? 'passed' : 'failed', checks, eventId: event.id });
      },
    };
  }

  /** Our own failure (not the publisher's): the attempt fails with a message saying so, once. */
  private async giveUp(job: Job<CertifyJobPayload, CertifyProgress>, error: string, tx: Tx): Promise<void> {
    const decided = await tx.query('SELECT 1 FROM certification_results WHERE subject = $1 AND attempt = $2', [job.subject, job.attempt]);
    if (decided.length) return;
    this.logger.error(`certification of ${job.subject} attempt ${job.attempt} gave up: ${error}`);
    const failure: CheckResult = {
      planId: '',
      imageVersion: '',
      disk: 'os',
      check: 'certification-run',
      passed: false,
      message: `Certification could not be completed because of an internal error (${error.slice(0, 500)}); publish the offer again`,
    };
    const event = this.emit(tx, job, { type: 'CertificationFailed', data: { failures: [failure], checksRun: 0 } });
    await recordResult(tx, { subject: job.subject, attempt: job.attempt, outcome: 'failed', checks: [failure], eventId: event.id });
  }

  private emit(tx: Tx, job: Job<CertifyJobPayload, CertifyProgress>, draft: OfferEventDraft) {
    const metadata: EventMetadata = { subject: job.subject, attempt: job.attempt, correlationId: job.payload.correlationId, causationId: job.payload.causationId };
    const event = fromDraft(draft, metadata, { source: this.runtime.source });
    tx.emit(event);
    return event;
  }
}
