import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { crashPoint, describeError, JobWorker, MessagingRuntime, type Job, type JobControl, type JobResult, type Tx } from '@mkt/messaging';
import { ServiceMetrics } from '@mkt/observability';
import { completeJob, type JobCause } from '@mkt/stages';
import type { NotificationConfig } from '../config';
import { afterDeliveryFailure, SEND_MAIL_JOB, type NotificationInput, type SendMailPayload } from '../domain';
import { MailRenderer } from '../mail/renderer';
import { SmtpDeliveryError, SmtpMailer } from '../mail/smtp';
import { loadMail, markPending, markSending } from '../persistence/mails';
import { notificationStage } from './stage';
import { NOTIFICATION_CONFIG } from './tokens';

type SendMailJob = Job<SendMailPayload & JobCause, Record<string, never>>;

/** A transient delivery failure: the job engine tries the mail again after its backoff. */
class DeliveryDeferred extends Error {}

/** A recipient as logs show it: the first character of the local part and the domain (`p***@contoso.test`). */
export function maskRecipient(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address[0]}***${address.slice(at)}`;
}

/**
 * Sends the queued mails on the library's job engine: one send-mail job per mail (leased and fenced),
 * each sent over SMTP with its fixed Message-ID; then the decider records the outcome and emits
 * NotificationSent or NotificationFailed in the job's completion. A crash after the server accepted a
 * message and before that completion leaves the job running; once its lease runs out it is sent again,
 * with the same Message-ID.
 */
@Injectable()
export class MailWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MailWorker.name);
  private readonly stage;
  private worker?: JobWorker<SendMailPayload & JobCause, Record<string, never>>;
  private readonly mails?: { inc(labels: { result: 'sent' | 'failed' | 'retried' }): void };

  constructor(
    @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime,
    @Inject(SmtpMailer) private readonly mailer: SmtpMailer,
    @Inject(MailRenderer) renderer: MailRenderer,
    @Inject(NOTIFICATION_CONFIG) private readonly config: NotificationConfig,
    @Optional() @Inject(ServiceMetrics) metrics?: ServiceMetrics,
  ) {
    this.stage = notificationStage(config, renderer);
    this.mails = metrics?.counter(
      'marketplace_mails_total',
      'E-mails by result: sent (the server accepted it), retried (a try failed, another follows), failed (for good)',
      ['result'],
    );
  }

  onApplicationBootstrap(): void {
    const { concurrency, leaseMs, pollIntervalMs, maxTries, retryInitialMs, retryMaxMs } = this.config.worker;
    this.worker = JobWorker.create<SendMailPayload & JobCause, Record<string, never>>(
      this.runtime,
      // the engine's backoff is the one afterDeliveryFailure describes (exponential, jittered, capped)
      {
        kind: SEND_MAIL_JOB,
        concurrency,
        leaseMs,
        pollIntervalMs,
        maxTries,
        backoff: { initialMs: retryInitialMs, maxMs: retryMaxMs },
        onExhausted: (job, error, tx) => this.giveUp(job as SendMailJob, error, tx),
      },
      (control) => this.send(control),
    );
    this.worker.start();
  }

  onApplicationShutdown(): void {
    this.mailer.close();
  }

  get stats() {
    return this.worker?.stats;
  }

  private async send(control: JobControl<SendMailPayload & JobCause, Record<string, never>>): Promise<JobResult> {
    const { job } = control;
    const mail = await loadMail(this.runtime.dataSource, job.payload.eventId, job.payload.recipient);
    if (!mail) throw new Error(`no mail about ${job.payload.eventId} to ${job.payload.recipient}`);
    if (mail.state === 'sent' || mail.state === 'failed') return { apply: () => undefined }; // recorded before the upgrade to jobs
    await control.checkpoint({}, (tx) => markSending(tx, mail.id, job.tries));
    let smtpResponse: string;
    try {
      ({ response: smtpResponse } = await this.mailer.send({
        messageId: mail.messageId,
        to: mail.recipient,
        subject: mail.mailSubject,
        html: mail.html,
        text: mail.text,
        headers: { 'X-Marketplace-Event-Id': mail.eventId, 'X-Marketplace-Event-Type': mail.eventType, 'Auto-Submitted': 'auto-generated' },
      }));
    } catch (error) {
      const failure = error instanceof SmtpDeliveryError ? error : new SmtpDeliveryError(describeError(error));
      const { maxTries, retryInitialMs, retryMaxMs } = this.config.worker;
      const verdict = afterDeliveryFailure(failure, job.tries, { maxTries, initialDelayMs: retryInitialMs, maxDelayMs: retryMaxMs });
      if (verdict.retry) {
        this.mails?.inc({ result: 'retried' });
        this.logger.warn(`mail ${mail.id} (${mail.eventType} to ${maskRecipient(mail.recipient)}) try ${job.tries}/${maxTries} failed: ${failure.message}`);
        await control.checkpoint({}, (tx) => markPending(tx, mail.id, failure.message.slice(0, 2_000)));
        throw new DeliveryDeferred(failure.message);
      }
      this.mails?.inc({ result: 'failed' });
      this.logger.error(`mail ${mail.id} (${mail.eventType} to ${maskRecipient(mail.recipient)}) failed for good: ${verdict.reason}`);
      return { apply: (tx) => this.complete(tx, job, { type: 'MailFailed', mail, reason: verdict.reason, tries: job.tries }) };
    }
    crashPoint('notification.afterSmtpAccepted');
    this.mails?.inc({ result: 'sent' });
    this.logger.log(`mail ${mail.id} sent: ${mail.eventType} to ${maskRecipient(mail.recipient)}, Message-ID ${mail.messageId}`);
    return { apply: (tx) => this.complete(tx, job, { type: 'MailSent', mail, smtpResponse }) };
  }

  /** Our own failures (not the server's answer) after the last try. */
  private async giveUp(job: SendMailJob, error: string, tx: Tx): Promise<void> {
    const mail = await loadMail(this.runtime.dataSource, job.payload.eventId, job.payload.recipient);
    if (!mail) return;
    this.mails?.inc({ result: 'failed' });
    await this.complete(tx, job, { type: 'MailFailed', mail, reason: `gave up: ${error}`, tries: job.tries });
  }

  private async complete(tx: Tx, job: SendMailJob, outcome: NotificationInput): Promise<void> {
    await completeJob(this.stage, job, outcome, { tx, source: this.runtime.source });
  }
}
