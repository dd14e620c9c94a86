import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * offer-api's own tables. Write side: drafts (with the command state of their latest attempt), the
 * operations publishers poll, idempotency keys. Read side (the projection, rebuildable from the log):
 * the status view, the event history and the product pages (preview and live).
 */
export class OfferApiTables1733200000000 implements MigrationInterface {
  name = 'OfferApiTables1733200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE offers (
        publisher_id   text        NOT NULL,
        offer_id       text        NOT NULL,
        draft          jsonb       NOT NULL,
        -- kept beside the draft so that "All offers" never reads whole drafts
        title          text,
        version        integer     NOT NULL DEFAULT 1,
        attempt        integer     NOT NULL DEFAULT 0,
        phase          text        NOT NULL DEFAULT 'none' CHECK (phase IN ('none', 'submitted', 'goLiveRequested', 'canceled')),
        correlation_id text,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (publisher_id, offer_id)
      )`);
    await runner.query(`CREATE INDEX offers_never_published ON offers (publisher_id, offer_id) WHERE attempt = 0`);
    await runner.query(`
      CREATE TABLE operations (
        operation_id uuid        PRIMARY KEY,
        publisher_id text        NOT NULL,
        offer_id     text        NOT NULL,
        command      text        NOT NULL,
        attempt      integer     NOT NULL,
        event_id     text        NOT NULL,
        requested_by text        NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX operations_offer ON operations (publisher_id, offer_id, created_at DESC)`);
    await runner.query(`
      CREATE TABLE idempotency_keys (
        scope       text        NOT NULL,
        key         text        NOT NULL,
        fingerprint text        NOT NULL,
        status      integer,
        headers     jsonb,
        body        jsonb,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      )`);
    await createProjectionTables(runner, '');
    await runner.query(`
      CREATE TABLE projection_rebuilds (
        id          uuid        PRIMARY KEY,
        state       text        NOT NULL CHECK (state IN ('running', 'done', 'failed')),
        started_at  timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        report      jsonb,
        error       text
      )`);
    // one rebuild at a time, across instances
    await runner.query(`CREATE UNIQUE INDEX projection_rebuilds_one_running ON projection_rebuilds ((true)) WHERE state = 'running'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['projection_rebuilds', 'offer_pages', 'offer_event_history', 'offer_status_view', 'idempotency_keys', 'operations', 'offers']) {
      await runner.query(`DROP TABLE ${table}`);
    }
  }
}

/** The projection's tables; a rebuild creates a second set with a prefix and swaps the contents in. */
export async function createProjectionTables(runner: { query(sql: string): Promise<unknown> }, prefix: string): Promise<void> {
  await runner.query(`
    CREATE TABLE ${prefix}offer_status_view (
      publisher_id   text    NOT NULL,
      offer_id       text    NOT NULL,
      attempt        integer NOT NULL,
      status         text    NOT NULL,
      live_attempt   integer,
      -- what "All offers" shows, beside the view so that listing never reads whole views
      current_step   text,
      last_event_time text,
      view           jsonb   NOT NULL,
      last_partition integer NOT NULL,
      last_offset    bigint  NOT NULL,
      last_event_id  text    NOT NULL,
      PRIMARY KEY (publisher_id, offer_id)
    )`);
  await runner.query(`CREATE INDEX ${prefix}offer_status_view_status ON ${prefix}offer_status_view (publisher_id, status, offer_id)`);
  await runner.query(`CREATE INDEX ${prefix}offer_status_view_live ON ${prefix}offer_status_view (publisher_id, offer_id) WHERE live_attempt IS NOT NULL`);
  await runner.query(`
    CREATE TABLE ${prefix}offer_event_history (
      event_id       text        PRIMARY KEY,
      publisher_id   text        NOT NULL,
      offer_id       text        NOT NULL,
      type           text        NOT NULL,
      schema_version integer     NOT NULL,
      attempt        integer     NOT NULL,
      time           timestamptz NOT NULL,
      source         text        NOT NULL,
      correlation_id text        NOT NULL,
      causation_id   text,
      data           jsonb       NOT NULL,
      partition      integer     NOT NULL,
      "offset"       bigint      NOT NULL,
      outcome        text        NOT NULL
    )`);
  await runner.query(`CREATE INDEX ${prefix}offer_event_history_offer ON ${prefix}offer_event_history (publisher_id, offer_id, partition, "offset")`);
  await runner.query(`
    CREATE TABLE ${prefix}offer_pages (
      publisher_id text    NOT NULL,
      offer_id     text    NOT NULL,
      kind         text    NOT NULL CHECK (kind IN ('preview', 'live')),
      attempt      integer NOT NULL,
      html         text    NOT NULL,
      hash         text    NOT NULL,
      PRIMARY KEY (publisher_id, offer_id, kind)
    )`);
}
