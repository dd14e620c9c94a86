import { Catch, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom, throwError, type Observable } from 'rxjs';
import type { MessagingEvent } from '../codec';
import type { EventContext } from '../context';
import type { InboxConsumer, InboxConsumerOptions } from '../consumer';
import type { MessagingRuntime } from '../runtime';

/**
 * Hands a handler's error to the consumer as it was thrown. Nest's default RPC filter turns anything but
 * an RpcException into "Internal server error", which would hide the SQLSTATE or error type that tells a
 * transient failure from a deterministic one.
 */
@Catch()
export class KeepHandlerErrors implements RpcExceptionFilter {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * Nest transport strategy for the service's event log. Handlers are ordinary `@EventPattern('<EventType>')`
 * methods taking `@Payload() event` and `@Ctx() context: EventContext`; underneath, messages are consumed
 * in batches through the inbox (see InboxConsumer), which the stock Kafka transport cannot do.
 */
export class EventsTransport extends Server implements CustomTransportStrategy {
  private consumer?: InboxConsumer;

  constructor(
    private readonly runtime: MessagingRuntime,
    private readonly overrides: Partial<InboxConsumerOptions> = {},
  ) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    const handlers = this.messageHandlers;
    this.consumer = this.runtime.createConsumer(
      {
        handles: (type) => handlers.get(type)?.isEventHandler === true,
        dispatch: async (event: MessagingEvent, context: EventContext) => {
          const handler = handlers.get(event.type);
          if (!handler) return;
          // Errors come back through Nest's RPC exception layer as thrown (KeepHandlerErrors).
          await lastValueFrom(this.transformToObservable(await handler(event, context)), { defaultValue: undefined });
        },
      },
      this.overrides,
    );
    this.consumer.start().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  async close(): Promise<void> {
    await this.consumer?.stop();
  }

  on(): void {
    // no transport-level events to subscribe to
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  get stats() {
    return this.consumer?.stats;
  }

  /** Whether the consumer is consuming (false before it started, while it rejoins the group after a crash, and when stopping). */
  get running(): boolean {
    return this.consumer?.running ?? false;
  }

  /** Whether `listen` created a consumer at all (a service started with `consume: false` has none). */
  get listening(): boolean {
    return this.consumer !== undefined;
  }
}
