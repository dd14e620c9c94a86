import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What the messaging library tells about its work, for metrics (libs/observability implements it with
 * prom-client). The library depends on no metrics client: a service without observability gets the no-op.
 */
export interface MessagingObserver {
  /** An event the consumer took: handled (its handler committed), a redelivery the inbox dropped, or dead-lettered. */
  onConsumed?(event: { type: string; outcome: 'handled' | 'duplicate' | 'dead-lettered' }): void;
  /** How long one handler call took (whether it succeeded or not). */
  onHandlerDuration?(event: { type: string; seconds: number; ok: boolean }): void;
  /** A record the consumer wrote to the dead-letter topic; `type` is unknown for records that did not decode. */
  onDeadLettered?(event: { type: string; code: string }): void;
  /** Records the relay published, by event type (`ce_type` without our prefix, or the topic's record kind). */
  onProduced?(event: { type: string; count: number }): void;
  /** A row the relay parked. */
  onParked?(event: { type: string }): void;
  /** A job that ended a run: done, canceled, retried (will run again) or failed for good. */
  onJobFinished?(event: { kind: string; outcome: 'done' | 'canceled' | 'retried' | 'failed'; seconds: number }): void;
}

export const NO_OBSERVER: MessagingObserver = {};

type Hook = keyof MessagingObserver;

/** Fans every call out to the observers added so far (metrics are wired after the runtime is created). */
export class ObserverHub implements Required<MessagingObserver> {
  private readonly observers: MessagingObserver[] = [];

  add(observer: MessagingObserver): () => void {
    this.observers.push(observer);
    return () => {
      const at = this.observers.indexOf(observer);
      if (at >= 0) this.observers.splice(at, 1);
    };
  }

  private emit<K extends Hook>(hook: K, event: Parameters<NonNullable<MessagingObserver[K]>>[0]): void {
    for (const observer of this.observers) {
      try {
        (observer[hook] as ((e: typeof event) => void) | undefined)?.call(observer, event);
      } catch {
        // an observer never breaks the work it observes
      }
    }
  }

  onConsumed(event: Parameters<NonNullable<MessagingObserver['onConsumed']>>[0]): void {
    this.emit('onConsumed', event);
  }
  onHandlerDuration(event: Parameters<NonNullable<MessagingObserver['onHandlerDuration']>>[0]): void {
    this.emit('onHandlerDuration', event);
  }
  onDeadLettered(event: Parameters<NonNullable<MessagingObserver['onDeadLettered']>>[0]): void {
    this.emit('onDeadLettered', event);
  }
  onProduced(event: Parameters<NonNullable<MessagingObserver['onProduced']>>[0]): void {
    this.emit('onProduced', event);
  }
  onParked(event: Parameters<NonNullable<MessagingObserver['onParked']>>[0]): void {
    this.emit('onParked', event);
  }
  onJobFinished(event: Parameters<NonNullable<MessagingObserver['onJobFinished']>>[0]): void {
    this.emit('onJobFinished', event);
  }
}

/**
 * What the work in hand is about, for every log line written meanwhile (the logger's mixin reads it):
 * set by the consumer around a handler, by the job engine around a job, by the HTTP layer around a request.
 */
export interface LogContext {
  /** What the event is about (CloudEvents subject, `publisherId/offerId` for offers). */
  subject?: string;
  eventId?: string;
  eventType?: string;
  attempt?: number;
  correlationId?: string;
  jobKind?: string;
  jobId?: string;
}

const logContexts = new AsyncLocalStorage<LogContext>();

/** Runs `work` with `context` added to the current one (fields left undefined keep the outer values). */
export function withLogContext<T>(context: LogContext, work: () => T): T {
  const outer = logContexts.getStore();
  const merged: LogContext = { ...outer };
  for (const [key, value] of Object.entries(context)) if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  return logContexts.run(merged, work);
}

export function currentLogContext(): LogContext | undefined {
  return logContexts.getStore();
}

/** Type name for metrics and logs from a record's `ce_type` header (`com.example.ThingHappened` → `ThingHappened`). */
export function shortType(ceType: string | undefined): string {
  if (!ceType) return 'unknown';
  const dot = ceType.lastIndexOf('.');
  return dot < 0 ? ceType : ceType.slice(dot + 1);
}
