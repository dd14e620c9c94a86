import { Client } from 'pg';
import { DataSource, type EntitySchema, type MixedList } from 'typeorm';
import type { DatabaseSettings } from './config';
import { MessagingTables1733011200000 } from './migrations/1733011200000-messaging-tables';
import { OutboxParking1733011250000 } from './migrations/1733011250000-outbox-parking';
import { DeadLetterRedrives1765200000000 } from './migrations/1765200000000-dead-letter-redrives';

export type MigrationClass = new () => { up(...args: never[]): Promise<unknown>; down(...args: never[]): Promise<unknown> };

export interface OpenDatabaseOptions extends DatabaseSettings {
  /** The service's own migrations; the messaging tables' migrations run first. */
  migrations?: MigrationClass[];
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities?: MixedList<Function | string | EntitySchema>;
  applicationName?: string;
}

const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Creates the database if it is missing (safe when several instances start at once). */
export async function ensureDatabase(url: string, database: string): Promise<void> {
  if (!DATABASE_NAME.test(database)) throw new Error(`invalid database name "${database}": use lower-case letters, digits and _`);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE "${database}"`);
      } catch (error) {
        // 42P04 duplicate_database, 23505: another instance created it first.
        const code = (error as { code?: string }).code;
        if (code !== '42P04' && code !== '23505') throw error;
      }
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabase(url: string, database: string): Promise<void> {
  if (!DATABASE_NAME.test(database)) throw new Error(`invalid database name "${database}"`);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Key of the advisory lock that serialises migrations of concurrently starting instances. */
const MIGRATION_LOCK = 7_331_001;

/**
 * Opens the service's database: creates it when missing, then applies pending migrations
 * (never `synchronize`) while holding an advisory lock so that instances starting together do not race.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DataSource> {
  await ensureDatabase(options.url, options.database);
  const dataSource = new DataSource({
    type: 'postgres',
    url: withDatabase(options.url, options.database),
    entities: options.entities ?? [],
    migrations: [MessagingTables1733011200000, OutboxParking1733011250000, DeadLetterRedrives1765200000000, ...(options.migrations ?? [])],
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    logging: ['error', 'warn', 'migration'],
    extra: { max: options.poolSize, application_name: options.applicationName ?? 'marketplace' },
  });
  await dataSource.initialize();
  try {
    const runner = dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      await runner.release();
    }
  } catch (error) {
    await dataSource.destroy().catch(() => undefined); // the caller may try again: leave no pool behind
    throw error;
  }
  return dataSource;
}
