import type { EffectRunner, Stage, StateStore } from '@mkt/stages';
import type { NotificationConfig } from '../config';
import { messageIdFor, notificationDecider, type NotificationEffect, type NotificationInput, type NotificationState } from '../domain';
import type { MailRenderer } from '../mail/renderer';
import { lockContacts, saveContacts } from '../persistence/attempts';
import { markFailed, markSent, queueMails } from '../persistence/mails';

const store: StateStore<NotificationState> = {
  lock: lockContacts,
  save: (tx, subject, contacts) => (contacts ? saveContacts(tx, subject, contacts) : Promise.resolve()),
};

/** The notification stage: its decider, its attempt rows (with the contacts), and the mails. */
export function notificationStage(config: NotificationConfig, renderer: MailRenderer): Stage<NotificationState, NotificationInput, NotificationEffect> {
  const effects: EffectRunner<NotificationEffect> = async (effect, { tx, scope }) => {
    switch (effect.type) {
      case 'queue-mails': {
        // rendered here, once: a mail sent again after a crash is the same message
        const rendered = renderer.render(effect.model);
        const { subject, attempt, correlationId } = scope.cause;
        await queueMails(
          tx,
          effect.recipients.map((recipient) => ({
            eventId: effect.about.id,
            recipient,
            eventType: effect.about.type,
            subject,
            attempt,
            correlationId,
            language: effect.model.language,
            messageId: messageIdFor(effect.about.id, recipient, config.messageIdDomain),
            mailSubject: rendered.subject,
            html: rendered.html,
            text: rendered.text,
          })),
        );
        return;
      }
      case 'record-sent':
        return markSent(tx, effect.mailId, effect.smtpResponse);
      case 'record-failed':
        return markFailed(tx, effect.mailId, effect.reason);
    }
  };
  return { decider: notificationDecider({ statusBaseUrl: config.statusBaseUrl, languages: renderer.languages }), store, effects };
}
