import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { parseOfferSubject, type TestLeadResult } from '@mkt/events';
import { JobWorker, MessagingRuntime, type Job, type JobControl, type JobResult, type JobWorkerOptions, type Tx } from '@mkt/messaging';
import { causeOfJob, completeJob, emitCaused, type JobCause } from '@mkt/stages';
import type { LeadSender } from '../adapters/lead-senders';
import type { PackagingConfig } from '../config';
import {
  buildTestLead,
  catalogUrl,
  classifyLeadFailure,
  planLead,
  previewUrl,
  renderProductPage,
  type LeadOutcome,
  type LeadPlan,
  type PackagingRun,
} from '../domain';
import { loadSnapshot, type OfferSnapshotRow } from '../persistence/packaging-store';
import { LEAD_SENDER, PACKAGING_CONFIG } from '../tokens';
import { packagingStage } from './stage';

/** A job answers the event that created it: its payload is only that cause. */
type JobPayload = JobCause;

/** Checkpointed progress of a packaging job: a resumed or retried job neither re-announces nor re-sends. */
interface PackagingProgress extends Record<string, unknown> {
  /** When PackagingStarted was emitted; also the test lead's creation time, so every try sends the same lead. */
  startedAt?: string;
  lead?: TestLeadResult;
}

/** A lead failure worth another try (the endpoint may come back); the job worker retries with backoff. */
class TransientLeadFailure extends Error {}

/**
 * The two durable jobs of the service: `package` (product page, test lead, preview) and `go-live`
 * (publish to the catalog). Work happens outside transactions; results are applied with the attempt
 * row locked, and only if the job was not canceled meanwhile.
 */
@Injectable()
export class PackagingJobs implements OnApplicationBootstrap {
  private readonly stage;

  constructor(
    @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime,
    @Inject(PACKAGING_CONFIG) private readonly config: PackagingConfig,
    @Inject(LEAD_SENDER) private readonly leadSender: LeadSender,
  ) {
    this.stage = packagingStage(config);
  }

  onApplicationBootstrap(): void {
    const { concurrency, leaseMs, pollIntervalMs, maxTries, retryBackoffMs } = this.config.jobs;
    const common: Omit<JobWorkerOptions, 'kind'> = { concurrency, leaseMs, pollIntervalMs, maxTries, backoff: { initialMs: retryBackoffMs, maxMs: 60_000 } };
    JobWorker.create<JobPayload, PackagingProgress>(
      this.runtime,
      { ...common, kind: 'package', onExhausted: (job, error, tx) => this.packagingExhausted(job, error, tx) },
      (control) => this.runPackaging(control),
    ).start();
    JobWorker.create<JobPayload, Record<string, unknown>>(
      this.runtime,
      { ...common, kind: 'go-live', onExhausted: (job, error, tx) => this.goLiveExhausted(job, error, tx) },
      (control) => this.runGoLive(control),
    ).start();
  }

  private async runPackaging(control: JobControl<JobPayload, PackagingProgress>): Promise<JobResult> {
    const { job } = control;
    const snapshot = await loadSnapshot(this.runtime.dataSource, job.subject);
    // superseded meanwhile (its cancel is on the way): the apply below would ignore the result anyway
    if (!snapshot || snapshot.attempt !== job.attempt) return { apply: () => undefined };
    const plan = planLead(snapshot.offer);
    if (!job.progress.startedAt) {
      const startedAt = new Date().toISOString();
      await control.checkpoint({ startedAt }, (tx) => {
        emitCaused(tx, causeOfJob(job), [{ type: 'PackagingStarted', data: { leadGeneration: plan.leadGeneration } }], { source: this.runtime.source });
      });
    }
    const page = renderProductPage(snapshot.offer, snapshot);
    const lead = await this.testLead(control, snapshot, plan);
    const run: PackagingRun = { page, previewUrl: previewUrl(this.config.offerApiPublicUrl, snapshot), lead };
    return {
      apply: async (tx) => {
        await completeJob(this.stage, job, { type: 'PackagingDone', attempt: job.attempt, run }, { tx, source: this.runtime.source });
      },
    };
  }

  private async testLead(control: JobControl<JobPayload, PackagingProgress>, snapshot: OfferSnapshotRow, plan: LeadPlan): Promise<LeadOutcome> {
    const { job } = control;
    const timeoutMs = this.config.leadTimeoutMs;
    if (!plan.leadGeneration) return { kind: 'not-configured' };
    if (!('target' in plan)) {
      const { code, reason, action } = classifyLeadFailure(
        { destination: plan.destination, kind: 'misconfigured', setting: plan.setting, problem: plan.problem },
        { timeoutMs },
      );
      return { kind: 'failed', failure: { code, reason, action } };
    }
    if (job.progress.lead) return { kind: 'sent', result: job.progress.lead };
    const lead = buildTestLead({
      publisherId: snapshot.publisherId,
      offerId: snapshot.offerId,
      subject: job.subject,
      attempt: job.attempt,
      offerTitle: snapshot.offer.title,
      createdAt: new Date(job.progress.startedAt ?? Date.now()),
    });
    const delivery = await this.leadSender.send(plan.target, lead, job.subject, {
      timeoutMs,
      allowPrivateNetwork: this.config.allowPrivateNetwork,
      signal: control.signal,
    });
    if (delivery.ok) {
      const result: TestLeadResult = { destination: plan.target.destination, leadId: lead.leadId };
      await control.checkpoint({ ...job.progress, lead: result });
      return { kind: 'sent', result };
    }
    const { retryable, ...failure } = classifyLeadFailure(delivery.failure, { timeoutMs });
    if (retryable && job.tries < this.config.jobs.maxTries) throw new TransientLeadFailure(`${failure.reason} (${failure.code})`);
    return { kind: 'failed', failure };
  }

  private async packagingExhausted(job: Job<unknown>, error: string, tx: Tx): Promise<void> {
    await completeJob(this.stage, job as Job<JobPayload>, { type: 'PackagingExhausted', attempt: job.attempt, error }, { tx, source: this.runtime.source });
  }

  private async runGoLive(control: JobControl<JobPayload, Record<string, unknown>>): Promise<JobResult> {
    const { job } = control;
    const ids = parseOfferSubject(job.subject);
    const url = catalogUrl(this.config.offerApiPublicUrl, ids);
    return {
      apply: async (tx) => {
        // a plain read, no lock: the offer's attempt row stays the first row this transaction locks
        await completeJob(this.stage, job, await this.goLiveOutcome(tx, job, url), { tx, source: this.runtime.source });
      },
    };
  }

  private async goLiveOutcome(tx: Tx, job: Job<JobPayload>, url: string) {
    const snapshot = await loadSnapshot(tx, job.subject);
    const page = snapshot?.attempt === job.attempt ? snapshot.page : undefined;
    const title = snapshot?.offer.title?.trim() || snapshot?.offerId || parseOfferSubject(job.subject).offerId;
    return { type: 'GoLiveDone' as const, attempt: job.attempt, page, title, catalogUrl: url };
  }

  private async goLiveExhausted(job: Job<unknown>, error: string, tx: Tx): Promise<void> {
    await completeJob(this.stage, job as Job<JobPayload>, { type: 'GoLiveExhausted', attempt: job.attempt, error }, { tx, source: this.runtime.source });
  }
}
