import type { DataSource } from 'typeorm';
import type { OfferDraft, TestLeadResult } from '@mkt/events';
import { queryRows, type Tx } from '@mkt/messaging';
import type { ProductPage } from '../domain';

export interface OfferSnapshotRow {
  subject: string;
  attempt: number;
  publisherId: string;
  offerId: string;
  offer: OfferDraft;
  page?: ProductPage;
}

interface SnapshotRecord {
  subject: string;
  attempt: number;
  publisher_id: string;
  offer_id: string;
  snapshot: OfferDraft;
  product_page_html: string | null;
  product_page_hash: string | null;
}

function toSnapshot(row: SnapshotRecord): OfferSnapshotRow {
  const page = row.product_page_html !== null && row.product_page_hash !== null ? { html: row.product_page_html, hash: row.product_page_hash } : undefined;
  return { subject: row.subject, attempt: row.attempt, publisherId: row.publisher_id, offerId: row.offer_id, offer: row.snapshot, ...(page ? { page } : {}) };
}

const SNAPSHOT_COLUMNS = 'subject, attempt, publisher_id, offer_id, snapshot, product_page_html, product_page_hash';

/** Replaces the offer's snapshot with the one of a newer attempt (the older attempt's page goes with it). */
export async function storeSnapshot(tx: Tx, row: Omit<OfferSnapshotRow, 'page'> & { submittedAt: Date }): Promise<void> {
  await tx.query(
    `INSERT INTO packaging_offers (subject, attempt, publisher_id, offer_id, snapshot, submitted_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (subject) DO UPDATE SET attempt = EXCLUDED.attempt, publisher_id = EXCLUDED.publisher_id, offer_id = EXCLUDED.offer_id,
       snapshot = EXCLUDED.snapshot, submitted_at = EXCLUDED.submitted_at, product_page_html = NULL, product_page_hash = NULL,
       test_lead = NULL, preview_ready_at = NULL, updated_at = now()`,
    [row.subject, row.attempt, row.publisherId, row.offerId, JSON.stringify(row.offer), row.submittedAt],
  );
}

export async function loadSnapshot(on: DataSource | Tx, subject: string): Promise<OfferSnapshotRow | undefined> {
  const sql = `SELECT ${SNAPSHOT_COLUMNS} FROM packaging_offers WHERE subject = $1`;
  const rows = 'createQueryRunner' in on ? await queryRows<SnapshotRecord>(on, sql, [subject]) : await on.query<SnapshotRecord>(sql, [subject]);
  return rows[0] ? toSnapshot(rows[0]) : undefined;
}

export async function savePreview(tx: Tx, subject: string, attempt: number, page: ProductPage, testLead: TestLeadResult | undefined, at: Date): Promise<void> {
  await tx.query(
    `UPDATE packaging_offers SET product_page_html = $3, product_page_hash = $4, test_lead = $5, preview_ready_at = $6, updated_at = now()
     WHERE subject = $1 AND attempt = $2`,
    [subject, attempt, page.html, page.hash, testLead ? JSON.stringify(testLead) : null, at],
  );
}

/** The public catalog shows the last attempt that went live. */
export async function publishToCatalog(
  tx: Tx,
  entry: { subject: string; publisherId: string; offerId: string; attempt: number; title: string; page: ProductPage; catalogUrl: string; at: Date },
): Promise<void> {
  await tx.query(
    `INSERT INTO catalog_entries (subject, publisher_id, offer_id, attempt, title, product_page_html, product_page_hash, catalog_url, published_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (subject) DO UPDATE SET attempt = EXCLUDED.attempt, title = EXCLUDED.title, product_page_html = EXCLUDED.product_page_html,
       product_page_hash = EXCLUDED.product_page_hash, catalog_url = EXCLUDED.catalog_url, published_at = EXCLUDED.published_at`,
    [entry.subject, entry.publisherId, entry.offerId, entry.attempt, entry.title, entry.page.html, entry.page.hash, entry.catalogUrl, entry.at],
  );
}
