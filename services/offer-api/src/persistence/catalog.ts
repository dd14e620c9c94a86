import type { LiveVersion, StatusView } from '../domain/status-view';
import type { Queryable } from './offers';

export interface LiveOfferRow {
  publisher_id: string;
  offer_id: string;
  live: LiveVersion;
}

/** Up to `limit` live offers in (publisher, offer) order after the given pair (`['', '']` from the start). */
export async function liveOffersAfter(on: Queryable, after: [string, string], limit: number): Promise<LiveOfferRow[]> {
  return (await on.query(
    `SELECT v.publisher_id, v.offer_id, v.view->'live' AS live FROM offer_status_view v
      WHERE v.live_attempt IS NOT NULL AND (v.publisher_id, v.offer_id) > ($1, $2)
      ORDER BY v.publisher_id, v.offer_id LIMIT $3`,
    [after[0], after[1], limit],
  )) as LiveOfferRow[];
}

/** The live product page of an offer. */
export async function findLivePage(on: Queryable, publisherId: string, offerId: string): Promise<string | undefined> {
  const rows = (await on.query(`SELECT html FROM offer_pages WHERE publisher_id = $1 AND offer_id = $2 AND kind = 'live'`, [publisherId, offerId])) as Array<{
    html: string;
  }>;
  return rows[0]?.html;
}

/** The preview page with the view that says who may see it. */
export async function findPreviewPage(on: Queryable, publisherId: string, offerId: string): Promise<{ view: StatusView; html: string } | undefined> {
  const rows = (await on.query(
    `SELECT v.view, p.html FROM offer_status_view v
       JOIN offer_pages p ON p.publisher_id = v.publisher_id AND p.offer_id = v.offer_id AND p.kind = 'preview'
      WHERE v.publisher_id = $1 AND v.offer_id = $2`,
    [publisherId, offerId],
  )) as Array<{ view: StatusView; html: string }>;
  return rows[0];
}
