import { unhandledEvent, type OfferEvent } from '@mkt/events';
import { accepted, eventTypes, ignored, isOneOf, stateAfter, type Decider, type Decision } from '@mkt/stages';
import type { AttemptContacts } from './attempt';
import type { MailModel } from './mail-model';
import { decideNotification, type NotificationSettings, type NotifiedEvent } from './notifications';

/** The state of an offer here: its current attempt and whom to write to (from its OfferSubmitted). */
export type NotificationState = AttemptContacts | undefined;

export const SEND_MAIL_JOB = 'send-mail';

/** Which mail a send-mail job sends: the one about `eventId` to `recipient` (the kit adds the cause). */
export interface SendMailPayload {
  eventId: string;
  recipient: string;
}

/** What the mail job knows of the mail it sends. */
export interface MailRef {
  id: string;
  eventId: string;
  eventType: string;
  recipient: string;
  messageId: string;
  mailSubject: string;
  language: string;
}

/** The SMTP server accepted the mail. */
export interface MailSent {
  type: 'MailSent';
  mail: MailRef;
  smtpResponse: string;
}

/** The mail cannot be delivered: refused for good, or given up after its tries. */
export interface MailFailed {
  type: 'MailFailed';
  mail: MailRef;
  reason: string;
  tries: number;
}

export type NotificationInput = OfferEvent | MailSent | MailFailed;

export type NotificationEffect =
  /** Render the mail and keep it, one row per recipient, for its send-mail job. */
  | { type: 'queue-mails'; about: { id: string; type: string }; model: MailModel; recipients: string[] }
  | { type: 'record-sent'; mailId: string; smtpResponse: string }
  | { type: 'record-failed'; mailId: string; reason: string };

export type NotificationStageDecision = Decision<NotificationState, NotificationEffect>;

/** Bounds of NotificationFailed.reason and NotificationSent.subject in the event catalog. */
const REASON_LIMIT = 2_000;
const SUBJECT_LIMIT = 998;

const NOT_MAILED = eventTypes(
  'PrerequisitesValidated',
  'CertificationStarted',
  'CertificationPassed',
  'ReplicationStarted',
  'ImageReplicationProgressed',
  'ImagesReplicated',
  'PackagingStarted',
  'GoLiveRequested',
  'NotificationSent',
  'NotificationFailed',
);

/** The e-mail an offer event calls for (decideNotification), queued in the consumer's transaction and sent by one job per recipient. */
function decideMail(event: NotifiedEvent, state: NotificationState, settings: NotificationSettings): NotificationStageDecision {
  const choice = decideNotification(event, state, settings);
  if (!choice.mail) return choice.save ? accepted({ state: choice.save }) : ignored(choice.skipped ?? 'no e-mail');
  const { model, recipients } = choice.mail;
  return accepted({
    state: choice.save,
    effects: [{ type: 'queue-mails', about: { id: event.id, type: event.type }, model, recipients }],
    jobs: recipients.map((recipient) => ({
      kind: SEND_MAIL_JOB,
      key: `${event.id} ${recipient}`,
      payload: { eventId: event.id, recipient } satisfies SendMailPayload,
    })),
  });
}

export function decide(input: NotificationInput, state: NotificationState, _now: Date, settings: NotificationSettings): NotificationStageDecision {
  if (isOneOf(input, NOT_MAILED)) return ignored(`no e-mail about ${input.type}`);
  switch (input.type) {
    case 'OfferSubmitted':
    case 'PrerequisitesRejected':
    case 'CertificationFailed':
    case 'ReplicationFailed':
    case 'PackagingFailed':
    case 'GoLiveFailed':
    case 'PreviewReady':
    case 'WentLive':
    case 'PublishCanceled':
      return decideMail(input, state, settings);
    // a mail queued is sent whatever happens to the attempt since: the publisher hears of what happened
    case 'MailSent': {
      const { mail } = input;
      const data = {
        aboutEventId: mail.eventId,
        aboutEventType: mail.eventType,
        recipients: [mail.recipient],
        messageId: mail.messageId,
        subject: mail.mailSubject.slice(0, SUBJECT_LIMIT),
        language: mail.language,
      };
      return accepted({ events: [{ type: 'NotificationSent', data }], effects: [{ type: 'record-sent', mailId: mail.id, smtpResponse: input.smtpResponse }] });
    }
    case 'MailFailed': {
      const { mail } = input;
      const reason = input.reason.slice(0, REASON_LIMIT);
      const data = { aboutEventId: mail.eventId, aboutEventType: mail.eventType, recipients: [mail.recipient], reason, tries: input.tries };
      return accepted({ events: [{ type: 'NotificationFailed', data }], effects: [{ type: 'record-failed', mailId: mail.id, reason }] });
    }
    default:
      return unhandledEvent(input, 'notification decider');
  }
}

/** The state an input leaves: the one its decision saves. It depends on the settings (the languages there are templates for). */
export function evolve(state: NotificationState, input: NotificationInput, settings: NotificationSettings): NotificationState {
  return stateAfter(decide(input, state, new Date(0), settings), state);
}

export function notificationDecider(settings: NotificationSettings): Decider<NotificationState, NotificationInput, NotificationStageDecision> {
  return {
    initialState: undefined,
    decide: (input, state, now) => decide(input, state, now, settings),
    evolve: (state, input) => evolve(state, input, settings),
  };
}
