import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { fromDraft } from '@mkt/events';
import { JobWorker, lockAttempt, MessagingRuntime, saveAttempt, type JobControl, type JobResult } from '@mkt/messaging';
import { VALIDATION_CONFIG, type ValidationConfig } from '../config';
import { decideOnValidated } from '../domain/attempts';
import { validateSubmission } from '../domain/validate';
import { VALIDATE_JOB, type ValidateJobPayload } from './jobs';

/** Runs the validation jobs: judges the snapshot (pure), then records and emits the verdict if the attempt is still current. */
@Injectable()
export class ValidationWorker implements OnApplicationBootstrap {
  private worker?: JobWorker<ValidateJobPayload, Record<string, never>>;

  constructor(
    @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime,
    @Inject(VALIDATION_CONFIG) private readonly config: ValidationConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = JobWorker.create<ValidateJobPayload, Record<string, never>>(
      this.runtime,
      { kind: VALIDATE_JOB, ...this.config.jobs },
      (control) => this.validate(control),
    );
    this.worker.start();
  }

  private async validate(control: JobControl<ValidateJobPayload, Record<string, never>>): Promise<JobResult> {
    const { job } = control;
    const report = validateSubmission(job.payload.submission);
    return {
      apply: async (tx) => {
        const decision = decideOnValidated(await lockAttempt(tx, job.subject), job.attempt, report);
        if (decision.kind === 'ignore') return;
        await saveAttempt(tx, job.subject, decision.record);
        tx.emit(
          fromDraft(
            decision.event,
            { subject: job.subject, attempt: job.attempt, correlationId: job.payload.correlationId, causationId: job.payload.causationId },
            { source: this.runtime.source },
          ),
        );
      },
    };
  }
}
