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
  /** Told of every change (the offer's key), and with undefined when anything may have changed unheard. */
  private readonly everything = new Set<(key: string | undefined) => void>();
  private listener: StatusChangeListener | undefined;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    const url = (this.dataSource.options as { url?: string }).url;
    if (!url) return;
    const wakeAll = () => {
      for (const listener of this.everything) listener(undefined);
      [...this.watchers.keys()].forEach((key) => this.wake(key));
    };
    this.listener = new StatusChangeListener(
      url,
      (change) => ('all' in change ? wakeAll() : this.wake(`${change.publisherId}/${change.offerId}`)),
      wakeAll,
      (message) => this.logger.warn(message),
      wakeAll,
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

  /** Calls `listener` with the key of every changed offer, and with undefined when all may have changed. */
  onAnyChange(listener: (key: string | undefined) => void): void {
    this.everything.add(listener);
  }

  /** Whether changes are being heard now (the listening connection is up). */
  get listening(): boolean {
    return this.listener?.listening ?? false;
  }

  get watching(): number {
    return [...this.watchers.values()].reduce((n, s) => n + s.size, 0);
  }

  private wake(key: string): void {
    for (const listener of this.everything) listener(key);
    for (const wake of this.watchers.get(key) ?? []) wake();
  }
}
