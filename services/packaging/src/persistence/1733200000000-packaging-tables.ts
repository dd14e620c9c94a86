import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The packaging service's own state: the snapshot of the attempt it works on (one row per offer, replaced
 * by a newer attempt) with the product page once rendered, and the public catalog of live offers.
 */
export class PackagingTables1733200000000 implements MigrationInterface {
  name = 'PackagingTables1733200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE packaging_offers (
        subject           text        PRIMARY KEY,
        attempt           integer     NOT NULL,
        publisher_id      text        NOT NULL,
        offer_id          text        NOT NULL,
        snapshot          jsonb       NOT NULL,
        submitted_at      timestamptz NOT NULL,
        product_page_html text,
        product_page_hash text,
        test_lead         jsonb,
        preview_ready_at  timestamptz,
        updated_at        timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE catalog_entries (
        subject           text        PRIMARY KEY,
        publisher_id      text        NOT NULL,
        offer_id          text        NOT NULL,
        attempt           integer     NOT NULL,
        title             text        NOT NULL,
        product_page_html text        NOT NULL,
        product_page_hash text        NOT NULL,
        catalog_url       text        NOT NULL,
        published_at      timestamptz NOT NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE catalog_entries');
    await runner.query('DROP TABLE packaging_offers');
  }
}
