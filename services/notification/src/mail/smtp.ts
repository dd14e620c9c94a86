import nodemailer, { type Transporter } from 'nodemailer';
import type { SmtpSettings } from '../config';
import type { DeliveryFailure } from '../domain';

export interface OutgoingMail {
  messageId: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Extra headers, e.g. the id of the event the mail is about. */
  headers: Record<string, string>;
}

/** The server refused the message or could not be reached. */
export class SmtpDeliveryError extends Error implements DeliveryFailure {
  constructor(
    message: string,
    readonly responseCode?: number,
  ) {
    super(message);
  }
}

/** Sends one message per call over SMTP (host, port, TLS and credentials from configuration). */
export class SmtpMailer {
  private readonly transport: Transporter;

  constructor(private readonly settings: SmtpSettings) {
    this.transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      requireTLS: settings.requireTls,
      auth: settings.user ? { user: settings.user, pass: settings.password ?? '' } : undefined,
      connectionTimeout: settings.timeoutMs,
      greetingTimeout: settings.timeoutMs,
      socketTimeout: settings.timeoutMs,
    });
  }

  /** Resolves with the server's reply once it has accepted the message. */
  async send(mail: OutgoingMail): Promise<{ response: string }> {
    try {
      const info = await this.transport.sendMail({
        from: this.settings.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
        headers: mail.headers,
      });
      return { response: String(info.response ?? '') };
    } catch (error) {
      const { responseCode, response, message } = error as { responseCode?: unknown; response?: unknown; message?: unknown };
      const code = typeof responseCode === 'number' ? responseCode : undefined;
      const reason = typeof response === 'string' && response ? response : String(message ?? error);
      throw new SmtpDeliveryError(reason, code);
    }
  }

  close(): void {
    this.transport.close();
  }
}
