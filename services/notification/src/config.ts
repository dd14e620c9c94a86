import { envBool, envInt, envString, jobSettingsFromEnv, servicePort, type MessagingOptions } from '@mkt/messaging';

export interface SmtpSettings {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (port 465); false: plain, upgraded with STARTTLS when offered. */
  secure: boolean;
  /** Refuse to send unless the connection is upgraded with STARTTLS. */
  requireTls: boolean;
  user?: string;
  password?: string;
  /** The From header, e.g. `Marketplace <no-reply@marketplace.example>`. */
  from: string;
  /** Connection, greeting and socket-inactivity timeout. */
  timeoutMs: number;
}

export interface MailWorkerSettings {
  /** Tries of a mail before it is given up on a transient failure (no answer, 4xx). */
  maxTries: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** Mails sent at the same time by one instance. */
  concurrency: number;
  /** A mail whose sender died is taken over after this; renewed while sending. */
  leaseMs: number;
  /** Polling interval when no NOTIFY arrives (new mails also wake the worker at once). */
  pollIntervalMs: number;
}

export interface NotificationConfig {
  port: number;
  /** Base of the status-view links: <base>/publishers/{publisherId}/offers/{offerId}/status. */
  statusBaseUrl: string;
  /** Right-hand side of the deterministic Message-IDs. */
  messageIdDomain: string;
  smtp: SmtpSettings;
  worker: MailWorkerSettings;
  /** Overrides of the messaging settings (tests point the service at their own topic and database). */
  messaging?: Partial<Omit<MessagingOptions, 'service' | 'migrations'>>;
}

function domainOf(from: string): string | undefined {
  return /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1];
}

export function notificationConfigFromEnv(): NotificationConfig {
  const from = envString('SMTP_FROM', 'Marketplace publishing <no-reply@marketplace.local>');
  const user = envString('SMTP_USER', '');
  return {
    port: servicePort(3105),
    statusBaseUrl: envString('NOTIFICATION_STATUS_BASE_URL', 'http://127.0.0.1:3000'),
    messageIdDomain: envString('NOTIFICATION_MESSAGE_ID_DOMAIN', domainOf(from) ?? 'marketplace.local'),
    smtp: {
      host: envString('SMTP_HOST', '127.0.0.1'),
      port: envInt('SMTP_PORT', 1025, { min: 1 }),
      secure: envBool('SMTP_SECURE', false),
      requireTls: envBool('SMTP_REQUIRE_TLS', false),
      user: user || undefined,
      password: user ? envString('SMTP_PASSWORD', '') : undefined,
      from,
      timeoutMs: envInt('SMTP_TIMEOUT_MS', 20_000, { min: 100 }),
    },
    worker: {
      ...jobSettingsFromEnv('notification', { concurrency: 4, leaseMs: 60_000, pollIntervalMs: 1_000, maxTries: 10 }),
      retryInitialMs: envInt('NOTIFICATION_RETRY_INITIAL_MS', 5_000, { min: 0 }),
      retryMaxMs: envInt('NOTIFICATION_RETRY_MAX_MS', 600_000, { min: 0 }),
    },
  };
}
