/**
 * Operator commands of the secret store (docs/secrets.md).
 *
 *   npm run secrets -- migrate [--dry-run]
 *       One-off, after upgrading to OfferSubmitted v3: finds the secrets that copies written before it hold
 *       in every service's database and either moves them into the secret store (copies still needed to
 *       finish or repeat work: drafts, certification's image lists, packaging's snapshots, job payloads and
 *       unpublished outbox rows) or drops them (copies kept for display or diagnosis: the event history,
 *       published outbox rows, provisioning's image lists, validation's jobs). Safe to run again: a second
 *       run finds nothing. Run it with the services stopped or quiet: a row that changes meanwhile is
 *       skipped and reported (run it again).
 *   npm run secrets -- rotate-master-key
 *       Re-wraps every data key with SECRETS_MASTER_KEY (the new key) that a key of
 *       SECRETS_PREVIOUS_MASTER_KEYS wrapped; then the old key can be discarded.
 *
 * Connects as the services do (DATABASE_URL, DATABASE_PREFIX, SECRETS_*). The log itself cannot be
 * rewritten: old records keep what they carried (upcasting drops it on every read), so the credentials
 * they hold must be rotated by their publishers.
 */
import { Client } from 'pg';
import { mapPlainSecrets, plainSecretsIn, secretReference, withoutPlainSecrets, type PlainSecret } from '@mkt/events';
import { databaseSettingsFromEnv, withDatabase } from '@mkt/messaging';
import { EncryptedTableStore, openSecretStore, secretStoreSettingsFromEnv, type SecretStore } from '@mkt/secrets';

const SERVICES = ['offer-api', 'validation', 'certification', 'provisioning', 'packaging', 'notification'];

/** Copies whose secrets are still needed, and whose offer owns them (SQL giving the subject). */
const MOVED: Record<string, Record<string, string>> = {
  'offer-api': { 'offers.draft': `publisher_id || '/' || offer_id` },
  certification: { 'attempt_images.images': 'subject', 'jobs.payload': 'subject' },
  packaging: { 'packaging_offers.snapshot': 'subject', 'jobs.payload': 'subject' },
};

const MAY_HOLD_SECRETS = /sig=|AccountKey|SharedAccessSignature|"authorization"/i;

interface Report {
  moved: number;
  dropped: number;
  skipped: number;
}

async function connect(database: string, url: string): Promise<Client> {
  const client = new Client({ connectionString: withDatabase(url, database), application_name: 'marketplace-secrets-cli' });
  await client.connect();
  return client;
}

/** A copy with its plain secrets stored (references in their place) or dropped. */
async function withoutSecrets<T>(data: T, owner: string | undefined, store: SecretStore, dryRun: boolean): Promise<{ data: T; found: PlainSecret[] }> {
  const found = plainSecretsIn(data);
  if (found.length === 0 || dryRun) return { data, found };
  if (owner === undefined) return { data: withoutPlainSecrets(data), found };
  const references = new Map<string, string>();
  for (const secret of found) references.set(secret.path, secretReference(await store.put(owner, secret.kind, secret.value)));
  return { data: mapPlainSecrets(data, (secret) => references.get(secret.path) as string), found };
}

async function migrateJsonColumns(service: string, db: Client, store: SecretStore, dryRun: boolean, report: Report): Promise<void> {
  const columns = await db.query<{ table: string; column: string }>(
    `SELECT table_name AS table, column_name AS column FROM information_schema.columns
      WHERE table_schema = 'public' AND data_type IN ('json', 'jsonb') ORDER BY table_name, column_name`,
  );
  for (const { table, column } of columns.rows) {
    const ownerSql = MOVED[service]?.[`${table}.${column}`];
    const rows = await db.query<{ ctid: string; value: unknown; text: string; owner: string | null }>(
      `SELECT ctid::text, "${column}" AS value, "${column}"::text AS text, ${ownerSql ?? 'NULL'} AS owner FROM "${table}" WHERE "${column}"::text ~* $1`,
      [MAY_HOLD_SECRETS.source],
    );
    for (const row of rows.rows) {
      const { data, found } = await withoutSecrets(row.value, row.owner ?? undefined, store, dryRun);
      if (found.length === 0) continue;
      if (!dryRun) {
        const updated = await db.query(`UPDATE "${table}" SET "${column}" = $1 WHERE ctid = $2::tid AND "${column}"::text = $3`, [
          JSON.stringify(data),
          row.ctid,
          row.text,
        ]);
        if (updated.rowCount === 0) {
          report.skipped += 1;
          continue;
        }
      }
      if (row.owner) report.moved += found.length;
      else report.dropped += found.length;
      console.log(
        `${service} ${table}.${column}: ${found.length} secret(s) ${row.owner ? `moved to the store (${row.owner})` : 'dropped'}${dryRun ? ' [dry run]' : ''}`,
      );
    }
  }
}

/** Outbox payloads are bytes: an unpublished OfferSubmitted is sent as v3 with references; published rows are kept for diagnosis only. */
async function migrateOutbox(service: string, db: Client, store: SecretStore, dryRun: boolean, report: Report): Promise<void> {
  const rows = await db.query<{ id: string; message_key: string | null; headers: Record<string, string>; payload: Buffer; published: boolean }>(
    `SELECT id, message_key, headers, payload, published_at IS NOT NULL AS published FROM outbox WHERE convert_from(payload, 'UTF8') ~* $1`,
    [MAY_HOLD_SECRETS.source],
  );
  for (const row of rows.rows) {
    const owner = row.published ? undefined : (row.message_key ?? undefined);
    const { data, found } = await withoutSecrets(JSON.parse(row.payload.toString('utf8')) as unknown, owner, store, dryRun);
    if (found.length === 0) continue;
    const headers = owner && row.headers.ce_type === 'marketplace.offer.OfferSubmitted' ? { ...row.headers, ce_schemaversion: '3' } : row.headers;
    if (!dryRun)
      await db.query('UPDATE outbox SET payload = $2, headers = $3 WHERE id = $1', [row.id, Buffer.from(JSON.stringify(data)), JSON.stringify(headers)]);
    if (owner) report.moved += found.length;
    else report.dropped += found.length;
    console.log(`${service} outbox row ${row.id}: ${found.length} secret(s) ${owner ? 'moved to the store' : 'dropped'}${dryRun ? ' [dry run]' : ''}`);
  }
}

async function migrate(dryRun: boolean): Promise<void> {
  const store = openSecretStore(secretStoreSettingsFromEnv());
  const report: Report = { moved: 0, dropped: 0, skipped: 0 };
  try {
    for (const service of SERVICES) {
      const settings = databaseSettingsFromEnv(service);
      const exists = await connect('postgres', settings.url).then(async (admin) => {
        try {
          return (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [settings.database])).rowCount === 1;
        } finally {
          await admin.end();
        }
      });
      if (!exists) continue;
      const db = await connect(settings.database, settings.url);
      try {
        await migrateJsonColumns(service, db, store, dryRun, report);
        await migrateOutbox(service, db, store, dryRun, report);
      } finally {
        await db.end();
      }
    }
  } finally {
    await store.close();
  }
  console.log(
    `secrets ${dryRun ? 'found' : 'migrated'}: ${report.moved} to move into the store, ${report.dropped} dropped, ${report.skipped} row(s) skipped (changed meanwhile)`,
  );
  if (report.skipped > 0) process.exitCode = 1;
}

async function rotateMasterKey(): Promise<void> {
  const settings = secretStoreSettingsFromEnv();
  if (settings.backend !== 'table') throw new Error('rotate-master-key is for SECRETS_BACKEND=table');
  if (settings.previousMasterKeys.length === 0) throw new Error('set SECRETS_PREVIOUS_MASTER_KEYS to the key(s) being replaced');
  const store = new EncryptedTableStore({ ...settings.table, masterKey: settings.masterKey, previousMasterKeys: settings.previousMasterKeys });
  try {
    console.log(`re-wrapped ${await store.rewrapAll()} data key(s) with the new master key`);
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'migrate') return migrate(rest.includes('--dry-run'));
  if (command === 'rotate-master-key') return rotateMasterKey();
  process.stderr.write('usage: npm run secrets -- migrate [--dry-run] | rotate-master-key\n');
  process.exit(2);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
