import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isSlug } from '../domain/drafts';
import { findLivePage, liveOffersAfter } from '../persistence/catalog';
import { notFound } from './errors';

export interface LiveOffer {
  publisherId: string;
  offerId: string;
  title: string | null;
  summary: string | null;
  catalogUrl: string;
  liveSince: string;
}

/** The public marketplace catalog: live offers and their product pages. */
@Injectable()
export class Catalog {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** One page of live offers in (publisher, offer) order after `after`; `more` when another page follows. */
  async liveOffers(page: { limit: number; after?: { publisherId: string; offerId: string } }): Promise<{ offers: LiveOffer[]; more: boolean }> {
    const rows = await liveOffersAfter(this.dataSource, [page.after?.publisherId ?? '', page.after?.offerId ?? ''], page.limit + 1);
    return {
      offers: rows.slice(0, page.limit).map((row) => ({
        publisherId: row.publisher_id,
        offerId: row.offer_id,
        title: row.live.title,
        summary: row.live.summary,
        catalogUrl: row.live.catalogUrl,
        liveSince: row.live.time,
      })),
      more: rows.length > page.limit,
    };
  }

  async livePage(publisherId: string, offerId: string): Promise<string> {
    if (!isSlug(publisherId) || !isSlug(offerId)) throw notFound();
    const html = await findLivePage(this.dataSource, publisherId, offerId);
    if (html === undefined) throw notFound();
    return html;
  }
}
