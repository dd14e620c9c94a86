import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UnitOfWork } from '@mkt/messaging';
import type { StatusView } from '../domain/status-view';
import { LIVE_TABLES, projectionChecksum, reprojectOffer, type ProjectionChecksum } from '../persistence/projection';
import { notifyStatusChanged } from '../persistence/status-notifications';
import { StatusTextCache } from './status-text-cache';

/** What operators use to diagnose: per-offer replay of the stored history and the checksum (dead letters: libs/messaging's operator routes). */
@Injectable()
export class OperatorTools {
  constructor(
    @Inject(UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(StatusTextCache) private readonly cache: StatusTextCache,
  ) {}

  /**
   * Recomputes one offer's view, history outcomes and pages from its stored events with the same code the
   * consumer uses, and reports whether the stored view differed.
   */
  async replayOffer(publisherId: string, offerId: string): Promise<{ events: number; changed: boolean; before: StatusView | null; after: StatusView | null }> {
    const { events, before, after } = await this.unitOfWork.run(async (tx) => {
      const replayed = await reprojectOffer(tx, LIVE_TABLES, publisherId, offerId);
      await notifyStatusChanged(tx, publisherId, offerId);
      return replayed;
    });
    this.cache.invalidate(`${publisherId}/${offerId}`);
    return { events, changed: JSON.stringify(before) !== JSON.stringify(after), before, after };
  }

  checksum(): Promise<ProjectionChecksum> {
    return projectionChecksum(this.dataSource);
  }
}
