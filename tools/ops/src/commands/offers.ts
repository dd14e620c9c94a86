import { sinceOption, stringOption, UsageError, type Command } from '../command';
import { list, time } from '../render';

interface OfferSummary {
  publisherId: string;
  offerId: string;
  title: string | null;
  attempt: number | null;
  status: string;
  currentStep: string | null;
  lastEventTime: string | null;
  updatedAt: string | null;
  /** Set while a version of the offer is live, whatever a newer attempt is doing. */
  live: { attempt: number; time: string } | null;
}

export const offersCommand: Command = {
  name: 'offers',
  summary: 'offers across publishers by status (failed, running, ...) and time',
  help: `usage: npm run ops -- offers [--status <status>] [--since <iso time | 30m | 2h | 7d>] [--limit <n>] [--json]

  Offers of every publisher with their latest status, newest change first, from offer-api's status view.
  --status   e.g. failed, running, waitingForPublisherReview, succeeded, canceled (offer-api lists the valid ones on a mistake)
  --since    changed at or after this time
  --limit    at most this many (default 100)`,
  options: { status: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' } },
  async run(parsed, context) {
    if (parsed.positionals.length) throw new UsageError(`offers takes no arguments (got ${parsed.positionals.join(' ')})`);
    const limit = Number(stringOption(parsed, 'limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit takes a positive integer');
    const offers: OfferSummary[] = [];
    let after: string | undefined;
    while (offers.length < limit) {
      const page = await context.client.operatorApi<{ value: OfferSummary[]; nextLink: string | null }>('offer-api', '/offers', {
        query: {
          status: stringOption(parsed, 'status'),
          since: sinceOption(stringOption(parsed, 'since')),
          limit: Math.min(limit - offers.length, 100),
          after,
        },
      });
      offers.push(...page.value);
      after = page.nextLink ? (new URL(page.nextLink, 'http://x').searchParams.get('after') ?? undefined) : undefined;
      if (!after || page.value.length === 0) break;
    }
    list(
      context.out,
      offers,
      [
        ['OFFER', (o) => `${o.publisherId}/${o.offerId}`],
        ['STATUS', (o) => o.status],
        ['ATTEMPT', (o) => o.attempt],
        ['LIVE', (o) => (o.live ? `attempt ${o.live.attempt} since ${time(o.live.time)}` : '')],
        ['STEP', (o) => o.currentStep],
        ['LAST EVENT', (o) => time(o.lastEventTime)],
        ['TITLE', (o) => o.title],
      ],
      'no offers match',
    );
  },
};
