import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OFFER_API_CONFIG, type OfferApiConfig } from '../config';
import { VIEW_VERSION } from '../domain/status-view';
import { countStaleViews } from '../persistence/projection';
import { ProjectionRebuilder } from './rebuild';

/**
 * Stored status views are folded from the events; when the fold changes (VIEW_VERSION), the views an
 * older version wrote are re-folded by a projection rebuild, started here at start-up (one at a time
 * across instances: a running one is left to finish). Until it swaps in, GET status shows the old views
 * in the current shape (status-response.ts).
 */
@Injectable()
export class StaleViews implements OnApplicationBootstrap {
  private readonly logger = new Logger(StaleViews.name);

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ProjectionRebuilder) private readonly rebuilder: ProjectionRebuilder,
    @Inject(OFFER_API_CONFIG) private readonly config: OfferApiConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.rebuildStaleViews) return;
    try {
      await this.rebuildIfStale();
    } catch (error) {
      // the service works with the old views meanwhile: an operator can start the rebuild
      this.logger.warn(`could not check for status views of an older version: ${(error as Error).message}`);
    }
  }

  /** Starts a rebuild when a stored view is older than VIEW_VERSION; returns its id (undefined: none needed, or one is running). */
  async rebuildIfStale(): Promise<string | undefined> {
    const stale = await countStaleViews(this.dataSource);
    if (stale === 0) return undefined;
    const id = await this.rebuilder.start();
    this.logger.log(
      id
        ? `${stale} status view(s) were folded by an older version (now ${VIEW_VERSION}): rebuilding the projection (rebuild ${id})`
        : `${stale} status view(s) were folded by an older version (now ${VIEW_VERSION}); a projection rebuild is already running`,
    );
    return id;
  }
}
