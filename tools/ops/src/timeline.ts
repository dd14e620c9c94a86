/**
 * An offer's timeline: every event in log order across attempts, what each consumer did with it, and the
 * failure messages the events carry. Pure: the command gathers the parts, this puts them together.
 */

/** An event as offer-api's operator history returns it (or as read from the log). */
export interface TimelineEvent {
  id: string;
  type: string;
  attempt: number;
  time: string;
  source: string;
  correlationId: string;
  causationId: string | null;
  partition?: number;
  offset?: string;
  /** What offer-api's projection did with it (history only). */
  outcome?: string;
  data: Record<string, unknown>;
}

/** What one consumer group did with one event, from its service's inbox. */
export interface ConsumerOutcome {
  consumer: string;
  messageId: string;
  outcome: string;
  processedAt?: string;
}

export interface TimelineEntry extends TimelineEvent {
  /** `/marketplace/validation` → `validation`. */
  producer: string;
  consumers: Array<{ consumer: string; outcome: string }>;
  failures: string[];
}

export function producerOf(source: string): string {
  return source.replace(/^\/marketplace\//, '');
}

/** The failure messages an event carries: field problems, failed checks, failed regions, a stage failure, a reason. */
export function failureMessages(data: unknown): string[] {
  const found: string[] = [];
  const visit = (value: unknown, depth: number) => {
    if (depth > 6 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    const item = value as Record<string, unknown>;
    const text = typeof item.message === 'string' ? item.message : typeof item.reason === 'string' ? item.reason : undefined;
    if (typeof item.path === 'string' && text) found.push(`${item.path}: ${text}`);
    else if (item.passed === false && text)
      found.push(
        `${[item.planId, item.imageVersion, item.disk].filter((part) => typeof part === 'string').join(' ')} ${String(item.check ?? '')}: ${text}`.trim(),
      );
    else if (item.status === 'failed' && text) found.push(`${typeof item.region === 'string' ? `${item.region}: ` : ''}${text}`);
    else if (typeof item.code === 'string' && typeof item.reason === 'string' && depth > 0) found.push(`${item.code}: ${item.reason}`);
    else if (depth === 0 && typeof item.reason === 'string') found.push(item.reason);
    for (const [key, nested] of Object.entries(item)) if (key !== 'offer' && typeof nested === 'object') visit(nested, depth + 1);
  };
  visit(data, 0);
  return [...new Set(found)];
}

/** Puts each event's consumer outcomes beside it; offer-api's projection counts as the consumer `projection`. */
export function timeline(events: TimelineEvent[], outcomes: ConsumerOutcome[]): TimelineEntry[] {
  const byEvent = new Map<string, Array<{ consumer: string; outcome: string }>>();
  for (const outcome of outcomes) {
    const list = byEvent.get(outcome.messageId) ?? [];
    list.push({ consumer: outcome.consumer, outcome: outcome.outcome });
    byEvent.set(outcome.messageId, list);
  }
  return events.map((event) => ({
    ...event,
    producer: producerOf(event.source),
    consumers: [
      ...(event.outcome ? [{ consumer: 'projection', outcome: event.outcome }] : []),
      ...(byEvent.get(event.id) ?? []).sort((a, b) => a.consumer.localeCompare(b.consumer)),
    ],
    failures: failureMessages(event.data),
  }));
}
