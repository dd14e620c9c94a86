import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { createOfferEvent } from '@mkt/events';
import { backoffDelay, crashPoint, describeError, MessagingRuntime, Waker, type Stoppable } from '@mkt/messaging';
import type { NotificationConfig } from '../config';
import { afterDeliveryFailure } from '../domain';
import { SmtpDeliveryError, SmtpMailer } from '../mail/smtp';
import { claimDueMails, MAILS_CHANNEL, markFailed, markSent, renewLease, scheduleRetry, type ClaimedMail } from '../persistence/mails';
import { NOTIFICATION_CONFIG } from './tokens';

/** Bounds of NotificationFailed.reason and NotificationSent.subject in the event catalog. */
const REASON_LIMIT = 2_000;
const SUBJECT_LIMIT = 998;

/**
 * The durable sender: claims due mails (FOR UPDATE SKIP LOCKED, with a lease kept alive while sending),
 * sends each over SMTP with its fixed Message-ID, then records the outcome and emits NotificationSent or
 * NotificationFailed in one transaction. A crash after the server accepted a message and before that
 * transaction leaves the mail 'sending'; once the lease runs out it is sent again with the same Message-ID.
 */
@Injectable()
export class MailSender implements OnApplicationBootstrap, OnApplicationShutdown, Stoppable {
  private readonly logger = new Logger(MailSender.name);
  private readonly waker = new Waker();
  private readonly inFlight = new Map<string, Promise<void>>();
  private running = false;
  private loop?: Promise<void>;
  private listener?: { release(): Promise<void> };
  readonly stats = { sent: 0, retried: 0, failed: 0 };

  constructor(
    @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime,
    @Inject(SmtpMailer) private readonly mailer: SmtpMailer,
    @Inject(NOTIFICATION_CONFIG) private readonly config: NotificationConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.runtime.register(this);
    this.running = true;
    this.loop = this.run();
  }

  onApplicationShutdown(): void {
    this.mailer.close();
  }

  /** Stops claiming and waits for the mails being sent (their leases protect them if this takes too long). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.waker.wake();
    await this.loop;
    await Promise.all(this.inFlight.values());
    await this.listener?.release();
  }

  private get settings() {
    return this.config.worker;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        if (!this.listener) await this.listen();
        const free = this.settings.concurrency - this.inFlight.size;
        const claimed = free > 0 ? await claimDueMails(this.runtime.dataSource, free, this.settings.leaseMs) : [];
        for (const mail of claimed) this.launch(mail);
        failures = 0;
        if (claimed.length === 0 || claimed.length === free) await this.waker.wait(this.settings.pollIntervalMs);
      } catch (error) {
        failures += 1;
        this.logger.warn(`claiming mails failed: ${describeError(error)}`);
        await this.listener?.release();
        this.listener = undefined;
        await this.waker.wait(backoffDelay(failures, { initialMs: 200, maxMs: 10_000 }));
      }
    }
  }

  /** New mails are announced with NOTIFY by the consumer's transaction, so they go out without waiting for a poll. */
  private async listen(): Promise<void> {
    const runner = this.runtime.dataSource.createQueryRunner();
    await runner.connect();
    const connection = (runner as unknown as { databaseConnection: PoolClient }).databaseConnection;
    const onNotification = (message: { channel: string }) => {
      if (message.channel === MAILS_CHANNEL) this.waker.wake();
    };
    connection.on('notification', onNotification);
    await runner.query(`LISTEN ${MAILS_CHANNEL}`);
    this.listener = {
      release: async () => {
        connection.off('notification', onNotification);
        await runner.query('UNLISTEN *').catch(() => undefined);
        await runner.release().catch(() => undefined);
      },
    };
  }

  private launch(mail: ClaimedMail): void {
    const done = this.deliver(mail)
      .catch((error) => this.logger.error(`mail ${mail.id}: ${describeError(error)}; its lease will expire and it is retried`))
      .finally(() => {
        this.inFlight.delete(mail.id);
        this.waker.wake();
      });
    this.inFlight.set(mail.id, done);
  }

  private async deliver(mail: ClaimedMail): Promise<void> {
    const lease = setInterval(() => {
      renewLease(this.runtime.dataSource, mail, this.settings.leaseMs).catch(() => undefined);
    }, Math.max(50, Math.floor(this.settings.leaseMs / 3)));
    try {
      let response: string;
      try {
        ({ response } = await this.mailer.send({
          messageId: mail.messageId,
          to: mail.recipient,
          subject: mail.mailSubject,
          html: mail.html,
          text: mail.text,
          headers: { 'X-Marketplace-Event-Id': mail.eventId, 'X-Marketplace-Event-Type': mail.eventType, 'Auto-Submitted': 'auto-generated' },
        }));
      } catch (error) {
        await this.onDeliveryFailure(mail, error);
        return;
      }
      crashPoint('notification.afterSmtpAccepted');
      await this.recordWithRetries(mail, () => this.recordSent(mail, response));
    } finally {
      clearInterval(lease);
    }
  }

  private async onDeliveryFailure(mail: ClaimedMail, error: unknown): Promise<void> {
    const failure = error instanceof SmtpDeliveryError ? error : new SmtpDeliveryError(describeError(error));
    const policy = { maxTries: this.settings.maxTries, initialDelayMs: this.settings.retryInitialMs, maxDelayMs: this.settings.retryMaxMs };
    const verdict = afterDeliveryFailure(failure, mail.tries, policy);
    if (verdict.retry) {
      this.stats.retried += 1;
      this.logger.warn(`mail ${mail.id} (${mail.eventType} to ${mail.recipient}) try ${mail.tries}/${policy.maxTries} failed: ${failure.message}; retry in ${verdict.delayMs} ms`);
      await scheduleRetry(this.runtime.dataSource, mail, verdict.delayMs, failure.message.slice(0, REASON_LIMIT));
      return;
    }
    this.logger.error(`mail ${mail.id} (${mail.eventType} to ${mail.recipient}) failed for good: ${verdict.reason}`);
    await this.recordWithRetries(mail, () => this.recordFailed(mail, verdict.reason.slice(0, REASON_LIMIT)));
  }

  private async recordSent(mail: ClaimedMail, response: string): Promise<void> {
    await this.runtime.unitOfWork.run(async (tx) => {
      if (!(await markSent(tx, mail, response))) return; // another instance took it over and records it
      tx.emit(
        createOfferEvent(
          'NotificationSent',
          {
            aboutEventId: mail.eventId,
            aboutEventType: mail.eventType,
            recipients: [mail.recipient],
            messageId: mail.messageId,
            subject: mail.mailSubject.slice(0, SUBJECT_LIMIT),
            language: mail.language,
          },
          this.causedBy(mail),
          { source: this.runtime.source },
        ),
      );
    });
    this.stats.sent += 1;
  }

  private async recordFailed(mail: ClaimedMail, reason: string): Promise<void> {
    await this.runtime.unitOfWork.run(async (tx) => {
      if (!(await markFailed(tx, mail, reason))) return;
      tx.emit(
        createOfferEvent(
          'NotificationFailed',
          { aboutEventId: mail.eventId, aboutEventType: mail.eventType, recipients: [mail.recipient], reason, tries: mail.tries },
          this.causedBy(mail),
          { source: this.runtime.source },
        ),
      );
    });
    this.stats.failed += 1;
  }

  /** The events about a mail belong to the offer, attempt and correlation of the event it is about. */
  private causedBy(mail: ClaimedMail) {
    return { subject: mail.subject, attempt: mail.attempt, correlationId: mail.correlationId, causationId: mail.eventId };
  }

  /** The outcome is worth a few tries: if it cannot be written, the lease expires and the mail is sent again. */
  private async recordWithRetries(mail: ClaimedMail, record: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await record();
        return;
      } catch (error) {
        if (attempt >= 5 || !this.running) throw error;
        this.logger.warn(`recording the outcome of mail ${mail.id} failed (${describeError(error)}); trying again`);
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, { initialMs: 100, maxMs: 2_000 })));
      }
    }
  }
}
