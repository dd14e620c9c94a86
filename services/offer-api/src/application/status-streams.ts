import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { StatusChangeListener } from '../persistence/status-notifications';

type Wake = () => void;

/**
 * Who watches which offer's status on this instance (GET .../status/stream), woken by the projection's NOTIFY
 * (persistence/status-notifications.ts): every instance LISTENs, so a stream hears a change whichever instance
 * projected it. After the listening connection was lost every stream is woken, to re-read what it may have missed.
 */
@Injectable()
export class StatusStreams implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('StatusStreams');
  private readonly watchers = new Map<string, Set<Wake>>();
  private listener: StatusChangeListener | undefined;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    const url = (this.dataSource.options as { url?: string }).url;
    if (!url) return;
    this.listener = new StatusChangeListener(
      url,
      ({ publisherId, offerId }) => this.wake(`${publisherId}/${offerId}`),
      () => [...this.watchers.keys()].forEach((key) => this.wake(key)),
      (message) => this.logger.warn(message),
    );
    await this.listener.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.listener?.close();
  }

  /** Calls `wake` after each change of the offer's projection; returns the unsubscribe. */
  watch(publisherId: string, offerId: string, wake: Wake): () => void {
    const key = `${publisherId}/${offerId}`;
    const set = this.watchers.get(key) ?? new Set<Wake>();
    set.add(wake);
    this.watchers.set(key, set);
    return () => {
      set.delete(wake);
      if (set.size === 0) this.watchers.delete(key);
    };
  }

  get watching(): number {
    return [...this.watchers.values()].reduce((n, s) => n + s.size, 0);
  }

  private wake(key: string): void {
    for (const wake of this.watchers.get(key) ?? []) wake();
  }
}
