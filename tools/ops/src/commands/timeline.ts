import { decodeEvent } from '@mkt/events';
import { createKafka, readTopicRange } from '@mkt/messaging';
import { offerArgument, UsageError, type Command, type Context } from '../command';
import { OperatorApiError } from '../client';
import { table, time } from '../render';
import { STAGE_SERVICES } from '../services';
import { timeline, type ConsumerOutcome, type TimelineEntry, type TimelineEvent } from '../timeline';

const PAGE = 200;
const MAX_LOG_EVENTS = 100_000;
/** The operator endpoints take at most 100 ids a request. */
const OUTCOME_IDS_PER_REQUEST = 100;

interface HistoryPage {
  value: TimelineEvent[];
  nextLink: string | null;
}

/** Every event of the offer from offer-api's history, page by page. */
export async function historyEvents(context: Context, publisherId: string, offerId: string): Promise<TimelineEvent[]> {
  const events: TimelineEvent[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await context.client.operatorApi<HistoryPage>('offer-api', `/offers/${publisherId}/${offerId}/events`, { query: { limit: PAGE, after } });
    events.push(...page.value);
    if (!page.nextLink) return events;
    after = new URL(page.nextLink, 'http://x').searchParams.get('after') ?? undefined;
    if (!after) return events;
  }
}

/** Every event of the offer straight from the event log (for a read model that is broken or behind). */
export async function logEvents(context: Context, publisherId: string, offerId: string): Promise<TimelineEvent[]> {
  const subject = `${publisherId}/${offerId}`;
  const brokers = (context.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').filter(Boolean);
  const kafka = createKafka({ brokers, clientId: 'marketplace-ops' });
  const events = await readTopicRange(kafka, {
    topic: context.env.OFFER_EVENTS_TOPIC ?? 'offer.events',
    groupPrefix: 'marketplace-ops-timeline',
    timeoutMs: Number(context.env.OPS_LOG_READ_TIMEOUT_MS ?? 120_000),
    maxRecords: MAX_LOG_EVENTS,
    decode: (record): TimelineEvent | undefined => {
      if (record.key !== subject) return undefined;
      const decoded = decodeEvent({ key: record.key, value: record.value, headers: record.headers });
      if (!decoded.ok) return undefined;
      const event = decoded.event;
      return {
        id: event.id,
        type: event.type,
        attempt: event.attempt,
        time: event.time,
        source: event.source,
        correlationId: event.correlationId,
        causationId: event.causationId,
        partition: record.partition,
        offset: record.offset,
        data: event.data as unknown as Record<string, unknown>,
      };
    },
  });
  // one key is one partition: offset order is log order
  return events.sort((a, b) => Number(BigInt(a.offset ?? 0) - BigInt(b.offset ?? 0)));
}

/** What each stage service's consumers did with these events; a service that cannot say is named, not fatal. */
export async function consumerOutcomes(context: Context, ids: string[]): Promise<{ outcomes: ConsumerOutcome[]; unavailable: string[] }> {
  const outcomes: ConsumerOutcome[] = [];
  const unavailable: string[] = [];
  await Promise.all(
    STAGE_SERVICES.map(async (service) => {
      try {
        for (let from = 0; from < ids.length; from += OUTCOME_IDS_PER_REQUEST) {
          const chunk = ids.slice(from, from + OUTCOME_IDS_PER_REQUEST);
          const answer = await context.client.operatorApi<{ value: ConsumerOutcome[] }>(service, '/inbox/outcomes', { method: 'POST', body: { ids: chunk } });
          outcomes.push(...answer.value);
        }
      } catch (error) {
        unavailable.push(`${service} (${error instanceof OperatorApiError ? error.status : (error as Error).message})`);
      }
    }),
  );
  return { outcomes, unavailable };
}

export function renderTimeline(entries: TimelineEntry[]): string {
  const rows = entries.map((entry, i) => [
    i + 1,
    time(entry.time),
    entry.attempt,
    entry.type,
    entry.producer,
    entry.correlationId,
    entry.consumers.map((c) => `${c.consumer}:${c.outcome}`).join(' ') || '-',
  ]);
  const lines = table(['#', 'TIME', 'ATTEMPT', 'EVENT', 'PRODUCER', 'CORRELATION', 'CONSUMERS'], rows, 200).split('\n');
  const out = lines.slice(0, 2);
  entries.forEach((entry, i) => {
    out.push(lines[i + 2]);
    for (const failure of entry.failures) out.push(`     ! ${failure}`);
  });
  return `${out.join('\n')}\n`;
}

export const timelineCommand: Command = {
  name: 'timeline',
  summary: "an offer's events in log order across attempts, with each consumer's outcome and the failure messages",
  help: `usage: npm run ops -- timeline <publisher>/<offer> [--from-log] [--json]

  Every event of the offer in log order, across attempts: time, attempt, producer, correlation id, what
  each consumer did with it (projection: applied/ignored; each stage: handled/ignored/dead-lettered),
  and the failure messages the event carries.

  --from-log   read the events straight from Kafka (KAFKA_BROKERS, OFFER_EVENTS_TOPIC) instead of
               offer-api's history: for a read model that is broken or behind
  --json       the entries as JSON`,
  options: { 'from-log': { type: 'boolean' } },
  async run(parsed, context) {
    if (parsed.positionals.length !== 1) throw new UsageError('give one <publisher>/<offer>');
    const { publisherId, offerId } = offerArgument(parsed.positionals[0]);
    const fromLog = parsed.values['from-log'] === true;
    const events = fromLog ? await logEvents(context, publisherId, offerId) : await historyEvents(context, publisherId, offerId);
    const { outcomes, unavailable } = events.length
      ? await consumerOutcomes(
          context,
          events.map((e) => e.id),
        )
      : { outcomes: [], unavailable: [] };
    const entries = timeline(events, outcomes);
    if (context.out.json) {
      context.out.write(
        `${JSON.stringify({ offer: `${publisherId}/${offerId}`, source: fromLog ? 'log' : 'history', events: entries, unavailable }, null, 2)}\n`,
      );
      return;
    }
    if (entries.length === 0) {
      context.out.write(`no events for ${publisherId}/${offerId}${fromLog ? ' on the log' : " in offer-api's history (try --from-log)"}\n`);
      return;
    }
    context.out.write(renderTimeline(entries));
    const attempts = new Set(entries.map((e) => e.attempt)).size;
    context.out.write(`${entries.length} event(s) over ${attempts} attempt(s), from ${fromLog ? 'the log' : "offer-api's history"}\n`);
    if (unavailable.length) context.out.note(`consumer outcomes unavailable from: ${unavailable.join(', ')}\n`);
  },
};
