import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { JobWorker, MessagingRuntime, type JobControl, type JobResult } from '@mkt/messaging';
import { completeJob, type JobCause } from '@mkt/stages';
import { VALIDATION_CONFIG, type ValidationConfig } from '../config';
import { VALIDATE_JOB, type ValidateJobPayload } from '../domain/stage';
import { PREREQUISITE_RULES } from '../domain/rules';
import { validateSubmission } from '../domain/validate';
import { validationStage } from './stage';

type ValidateJob = ValidateJobPayload & JobCause;

/** Runs the validation jobs: judges the snapshot (pure), then the decider records and emits the verdict if the attempt is still current. */
@Injectable()
export class ValidationWorker implements OnApplicationBootstrap {
  private worker?: JobWorker<ValidateJob, Record<string, never>>;
  private readonly stage;

  constructor(
    @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime,
    @Inject(VALIDATION_CONFIG) private readonly config: ValidationConfig,
  ) {
    this.stage = validationStage(config);
  }

  onApplicationBootstrap(): void {
    this.worker = JobWorker.create<ValidateJob, Record<string, never>>(this.runtime, { kind: VALIDATE_JOB, ...this.config.jobs }, (control) =>
      this.validate(control),
    );
    this.worker.start();
  }

  private async validate(control: JobControl<ValidateJob, Record<string, never>>): Promise<JobResult> {
    const { job } = control;
    const report = validateSubmission(job.payload.submission, PREREQUISITE_RULES, { allowPrivateNetwork: this.config.allowPrivateNetwork });
    return {
      apply: async (tx) => {
        await completeJob(this.stage, job, { type: 'ValidationJudged', attempt: job.attempt, report }, { tx, source: this.runtime.source });
      },
    };
  }
}
