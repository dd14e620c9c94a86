import type { DryRunKit } from '@mkt/stages';
import { notificationDecider, type NotificationInput, type NotificationState } from './stage';

/** The languages with templates (services/notification/src/templates/<language>). */
const TEMPLATE_LANGUAGES = ['en', 'pt-BR', 'it'];

/** Notification's jobs send the e-mails: a dry run shows the mails today's decider queues, not the sending. */
export function notificationDryRun(statusBaseUrl: string): DryRunKit<NotificationState, NotificationInput> {
  return {
    stage: 'notification',
    source: '/marketplace/notification',
    decider: notificationDecider({ statusBaseUrl, languages: TEMPLATE_LANGUAGES }),
    notRerunTypes: ['NotificationSent', 'NotificationFailed'],
  };
}
