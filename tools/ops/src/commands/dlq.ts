import { offerArgument, sinceOption, stringOption, UsageError, type Command, type Context, type Parsed } from '../command';
import { chosenServices, eachService } from '../fanout';
import { list, time } from '../render';
import type { ServiceName } from '../services';

export interface DeadLetter {
  id: string;
  consumer: string;
  code: string;
  reason: string;
  source: { topic: string; partition: number; offset: string };
  eventId: string | null;
  eventType: string | null;
  subject: string | null;
  attempt: number | null;
  deadLetteredAt: string | null;
  redrive: { by: string; at: string; outcome: string } | null;
}

type Located = DeadLetter & { service: ServiceName };

function filters(parsed: Parsed) {
  const offer = stringOption(parsed, 'offer');
  if (offer) offerArgument(offer);
  return { offer, consumer: stringOption(parsed, 'consumer'), code: stringOption(parsed, 'code'), since: sinceOption(stringOption(parsed, 'since')) };
}

async function findLetters(context: Context, parsed: Parsed): Promise<Located[]> {
  const { answers } = await eachService(context, chosenServices(stringOption(parsed, 'service')), (service) =>
    context.client.operatorApi<{ value: DeadLetter[] }>(service, '/dead-letters', {
      query: { ...filters(parsed), limit: stringOption(parsed, 'limit') ?? 500 },
    }),
  );
  return answers
    .flatMap(({ service, answer }) => answer.value.map((letter) => ({ ...letter, service })))
    .sort((a, b) => (a.deadLetteredAt ?? '').localeCompare(b.deadLetteredAt ?? ''));
}

const FILTER_HELP = `  --offer <publisher>/<offer>   only this offer's
  --consumer <group>            only this consumer group's
  --code <code>                 only this failure code
  --since <iso | 30m | 2h | 7d> dead-lettered at or after
  --service <a,b>               ask only these services (default: all)`;

const filterOptions = {
  offer: { type: 'string' },
  consumer: { type: 'string' },
  code: { type: 'string' },
  since: { type: 'string' },
  service: { type: 'string' },
  limit: { type: 'string' },
} as const;

export const dlqCommand: Command = {
  name: 'dlq',
  summary: 'dead letters: why each failed and where from; redrive them to the consumer that failed, once the cause is fixed',
  help: `usage: npm run ops -- dlq list [filters] [--json]
       npm run ops -- dlq show <id> [--json]
       npm run ops -- dlq redrive (<id>... | --all) [filters] [--json]

  list      dead letters of every service's consumers: consumer, code, reason, the event and where it was
  show      one dead letter with its event
  redrive   sends the chosen records back so that only the consumer that failed processes them again (the
            others have already processed that event id); recorded with your name and the time. A record
            already redriven is left as it is and its first redrive shown. --all takes every listed one.
${FILTER_HELP}`,
  options: { ...filterOptions, all: { type: 'boolean' } },
  async run(parsed, context) {
    const [action, ...ids] = parsed.positionals;
    if (action === 'list') {
      if (ids.length) throw new UsageError('dlq list takes filters, not ids');
      const letters = await findLetters(context, parsed);
      list(
        context.out,
        letters,
        [
          ['ID', (l) => l.id],
          ['SERVICE', (l) => l.service],
          ['CONSUMER', (l) => l.consumer],
          ['EVENT', (l) => `${l.eventType ?? '?'} ${l.subject ?? ''} #${l.attempt ?? '?'}`],
          ['CODE', (l) => l.code],
          ['WHEN', (l) => time(l.deadLetteredAt)],
          ['REDRIVEN', (l) => (l.redrive ? `${l.redrive.outcome} by ${l.redrive.by}` : '')],
          ['REASON', (l) => l.reason],
        ],
        'no dead letters',
      );
      return;
    }
    if (action === 'show') {
      if (ids.length !== 1) throw new UsageError('dlq show takes one id');
      const letters = await findLetters(context, parsed);
      const found = letters.find((l) => l.id === ids[0]);
      if (!found) throw new Error(`no dead letter ${ids[0]} (dlq list shows the ids)`);
      const detail = await context.client.operatorApi<DeadLetter & { payload?: unknown }>(found.service, `/dead-letters/${encodeURIComponent(found.id)}`);
      context.out.write(`${JSON.stringify({ service: found.service, ...detail }, null, 2)}\n`);
      return;
    }
    if (action === 'redrive') {
      const all = parsed.values.all === true;
      if (!all && ids.length === 0) throw new UsageError('dlq redrive takes the ids to redrive, or --all with filters');
      const letters = await findLetters(context, parsed);
      const chosen = all ? letters : letters.filter((l) => ids.includes(l.id));
      const missing = all ? [] : ids.filter((id) => !letters.some((l) => l.id === id));
      if (missing.length) throw new Error(`no dead letter ${missing.join(', ')} (dlq list shows the ids)`);
      const byService = new Map<ServiceName, string[]>();
      for (const letter of chosen) byService.set(letter.service, [...(byService.get(letter.service) ?? []), letter.id]);
      const results: Array<{ id: string; outcome: string; by: string; at: string; repeated: boolean; service: ServiceName }> = [];
      for (const [service, serviceIds] of byService) {
        const answer = await context.client.operatorApi<{ value: Array<{ id: string; outcome: string; by: string; at: string; repeated: boolean }> }>(
          service,
          '/dead-letters/redrive',
          { method: 'POST', body: { ids: serviceIds } },
        );
        results.push(...answer.value.map((r) => ({ ...r, service })));
      }
      list(
        context.out,
        results,
        [
          ['ID', (r) => r.id],
          ['SERVICE', (r) => r.service],
          ['OUTCOME', (r) => r.outcome],
          ['BY', (r) => r.by],
          ['AT', (r) => time(r.at)],
          ['NOTE', (r) => (r.repeated ? 'already redriven: nothing done again' : '')],
        ],
        'nothing to redrive',
      );
      return;
    }
    throw new UsageError(`dlq takes list, show or redrive${action ? `, not ${action}` : ''}`);
  },
};
