import { accepted } from '@mkt/stages';
import { eventOf, stageSpec, submittedOf } from '@mkt/testing';
import { notificationDecider, type MailRef, type NotificationInput } from '../src/domain';

const spec = stageSpec(notificationDecider({ statusBaseUrl: 'https://portal.test', languages: ['en', 'it'] }));
const submitted = (attempt: number) => submittedOf(attempt, { emails: ['ops@contoso.test', 'dev@contoso.test'] });
const MAIL: MailRef = {
  id: '7',
  eventId: 'e-1',
  eventType: 'WentLive',
  recipient: 'ops@contoso.test',
  messageId: '<m@x>',
  mailSubject: 'Live',
  language: 'en',
};

describe('the notification decider', () => {
  test('given nothing, when OfferSubmitted arrives, then the contacts are recorded and one mail and one send-mail job per recipient are queued', () => {
    const event = submitted(1);
    const { decision } = spec.given([]).when(event);
    expect(decision).toMatchObject({
      outcome: 'accepted',
      state: { attempt: 1, recipients: ['ops@contoso.test', 'dev@contoso.test'], language: 'en' },
      effects: [
        {
          type: 'queue-mails',
          about: { id: event.id, type: 'OfferSubmitted' },
          model: { template: 'submitted' },
          recipients: ['ops@contoso.test', 'dev@contoso.test'],
        },
      ],
      jobs: [
        { kind: 'send-mail', key: `${event.id} ops@contoso.test`, payload: { eventId: event.id, recipient: 'ops@contoso.test' } },
        { kind: 'send-mail', key: `${event.id} dev@contoso.test`, payload: { eventId: event.id, recipient: 'dev@contoso.test' } },
      ],
    });
  });

  test('given attempt 2, when a failure of attempt 1 arrives, then no mail', () => {
    spec
      .given([submitted(2)])
      .when(eventOf('PackagingFailed', { code: 'x', reason: 'y', action: 'z' }, 1))
      .thenIgnored(/the offer is at attempt 2/);
  });

  test('given the attempt, when an event nobody is mailed about arrives, then nothing', () => {
    spec
      .given([submitted(1)])
      .when(eventOf('ImagesReplicated', { regions: [] }, 1))
      .thenIgnored(/no e-mail about ImagesReplicated/);
  });

  test('when the server accepted a mail, then NotificationSent and the mail recorded as sent', () => {
    const sent: NotificationInput = { type: 'MailSent', mail: MAIL, smtpResponse: '250 OK' };
    spec
      .given([submitted(1)])
      .when(sent)
      .then(
        accepted({
          events: [
            {
              type: 'NotificationSent',
              data: { aboutEventId: 'e-1', aboutEventType: 'WentLive', recipients: ['ops@contoso.test'], messageId: '<m@x>', subject: 'Live', language: 'en' },
            },
          ],
          effects: [{ type: 'record-sent', mailId: '7', smtpResponse: '250 OK' }],
        }),
      );
  });

  test('when a mail cannot be delivered, then NotificationFailed with the reason and tries', () => {
    spec
      .given([])
      .when({ type: 'MailFailed', mail: MAIL, reason: '550 mailbox does not exist', tries: 1 })
      .then(
        accepted({
          events: [
            {
              type: 'NotificationFailed',
              data: { aboutEventId: 'e-1', aboutEventType: 'WentLive', recipients: ['ops@contoso.test'], reason: '550 mailbox does not exist', tries: 1 },
            },
          ],
          effects: [{ type: 'record-failed', mailId: '7', reason: '550 mailbox does not exist' }],
        }),
      );
  });
});
