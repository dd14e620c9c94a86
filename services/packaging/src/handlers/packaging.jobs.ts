import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { parseOfferSubject, revealSecretReferences, scrubSecrets, type TestLeadResult } from '@mkt/events';
import { JobWorker, MessagingRuntime, type Job, type JobControl, type JobResult, type JobWorkerOptions, type Tx } from '@mkt/messaging';
import { isSecretUnavailable, SECRET_STORE, type SecretStore } from '@mkt/secrets';
import { causeOfJob, completeJob, emitCaused, type JobCause } from '@mkt/stages';
import type { LeadDelivery, LeadSender } from '../adapters/lead-senders';
import type { PackagingConfig } from '../config';
import {
  buildTestLead,
  catalogUrl,
  classifyLeadFailure,
  planLead,
  previewUrl,
  renderProductPage,
  type LeadOutcome,
  type LeadFailure,
  type LeadPlan,
  type LeadTarget,
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

function scrubbedFailure(failure: LeadFailure, secrets: string[]): LeadFailure {
  return failure.kind === 'error' && failure.detail !== undefined ? { ...failure, detail: scrubSecrets(failure.detail, secrets) } : failure;
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
    @Inject(SECRET_STORE) private readonly secrets: SecretStore,
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
      const { retryable: _retryable, ...failure } = classifyLeadFailure(
        { destination: plan.destination, kind: 'misconfigured', setting: plan.setting, problem: plan.problem },
        { timeoutMs },
      );
      return { kind: 'failed', failure };
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
    const delivery = await this.sendWithSecrets(plan.target, job.subject, (target) =>
      this.leadSender.send(target, lead, job.subject, { timeoutMs, allowPrivateNetwork: this.config.allowPrivateNetwork, signal: control.signal }),
    );
    if (delivery.ok) {
      const result: TestLeadResult = { destination: plan.target.destination, leadId: lead.leadId };
      await control.checkpoint({ ...job.progress, lead: result });
      return { kind: 'sent', result };
    }
    const { retryable, ...failure } = classifyLeadFailure(delivery.failure, { timeoutMs });
    if (retryable && job.tries < this.config.jobs.maxTries) throw new TransientLeadFailure(`${failure.reason} (${failure.code})`);
    return { kind: 'failed', failure };
  }

  /**
   * Sends with the target's secrets resolved (the snapshot holds references): they exist only for the
   * request, and a failure that quotes one gets it scrubbed. A secret that is gone is the publisher's to
   * give again; a store outage throws, and the job retries.
   */
  private async sendWithSecrets(target: LeadTarget, owner: string, send: (target: LeadTarget) => Promise<LeadDelivery>): Promise<LeadDelivery> {
    const setting = target.destination === 'https' ? 'leadDestination.https.authorization' : 'leadDestination.azureTable.connectionString';
    const secret = target.destination === 'https' ? target.authorization : target.connectionString;
    if (secret === undefined) return send(target);
    const kind = target.destination === 'https' ? 'lead-authorization' : 'storage-account-key';
    let revealed: { text: string; secrets: string[] };
    try {
      revealed = await revealSecretReferences(secret, (id) => this.secrets.resolve(id, { owner, kind }));
    } catch (error) {
      if (!isSecretUnavailable(error)) throw error;
      return { ok: false, failure: { destination: target.destination, kind: 'misconfigured', setting, problem: 'unavailable' } };
    }
    const withSecret = target.destination === 'https' ? { ...target, authorization: revealed.text } : { ...target, connectionString: revealed.text };
    // an error of the client is recorded with the job and logged: it must not quote the secret either
    const delivery = await send(withSecret).catch((error: unknown) => {
      if (error instanceof Error) error.message = scrubSecrets(error.message, revealed.secrets);
      throw error;
    });
    return delivery.ok ? delivery : { ok: false, failure: scrubbedFailure(delivery.failure, revealed.secrets) };
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
