import { offerArgument, stringOption, UsageError, type Command } from '../command';
import { list, time } from '../render';

interface FailedMail {
  id: string;
  messageId: string;
  recipient: string;
  eventType: string;
  subject: string;
  attempt: number;
  tries: number;
  lastError: string | null;
  failedAt: string | null;
}

const RESEND_OUTCOMES: Record<string, string> = {
  resent: 'queued to send again, same Message-ID',
  'not-failed': 'not a failed mail: left alone',
  'not-found': 'no such mail',
};

export const mailsCommand: Command = {
  name: 'mails',
  summary: "notification's failed e-mails; resend them with their original Message-ID",
  help: `usage: npm run ops -- mails failed [--offer <publisher>/<offer>] [--limit <n>] [--json]
       npm run ops -- mails resend <mail id>... [--json]

  failed   e-mails notification gave up on: recipient (masked), the event, tries, the last error
  resend   sends them again once, with their original Message-ID (a mail client shows one message); a mail
           already resent is left alone`,
  options: { offer: { type: 'string' }, limit: { type: 'string' } },
  async run(parsed, context) {
    const [action, ...ids] = parsed.positionals;
    if (action === 'failed') {
      const offer = stringOption(parsed, 'offer');
      if (offer) offerArgument(offer);
      const answer = await context.client.operatorApi<{ value: FailedMail[] }>('notification', '/mails/failed', {
        query: { offer, limit: stringOption(parsed, 'limit') },
      });
      list(
        context.out,
        answer.value,
        [
          ['ID', (m) => m.id],
          ['RECIPIENT', (m) => m.recipient],
          ['EVENT', (m) => `${m.eventType} ${m.subject} #${m.attempt}`],
          ['TRIES', (m) => m.tries],
          ['FAILED', (m) => time(m.failedAt)],
          ['MESSAGE-ID', (m) => m.messageId],
          ['LAST ERROR', (m) => m.lastError],
        ],
        'no failed mails',
      );
      return;
    }
    if (action === 'resend') {
      if (ids.length === 0 || ids.some((id) => !/^\d+$/.test(id))) throw new UsageError('mails resend takes the numeric mail ids (mails failed shows them)');
      const answer = await context.client.operatorApi<{
        value: Array<{ id: string; outcome: string; messageId: string | null; by: string; at: string; repeated: boolean }>;
      }>('notification', '/mails/resend', { method: 'POST', body: { ids } });
      list(context.out, answer.value, [
        ['ID', (m) => m.id],
        ['MESSAGE-ID', (m) => m.messageId],
        ['RESULT', (m) => (m.repeated ? `already ${m.outcome} by ${m.by}: nothing sent again` : (RESEND_OUTCOMES[m.outcome] ?? m.outcome))],
      ]);
      return;
    }
    throw new UsageError(`mails takes failed or resend${action ? `, not ${action}` : ''}`);
  },
};
