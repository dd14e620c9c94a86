import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { Logger } from '@nestjs/common';
import { ensureDatabase, withDatabase } from '@mkt/messaging';
import { SecretUnavailableError, type SecretRef, type SecretStore } from './store';

export interface EncryptedTableStoreSettings {
  /** Server connection; its database part is replaced by `database`. */
  url: string;
  /** The store's own database: no service's tables, dumps or backups hold its rows. */
  database: string;
  /** 32 bytes: wraps the data key of every secret. */
  masterKey: Buffer;
  /** Keys that wrapped data keys before the current one: still read until `rewrapAll` has run. */
  previousMasterKeys?: Buffer[];
  poolSize?: number;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Serialises the creation of the table by instances starting together. */
const SCHEMA_LOCK = 7_331_077;

/** Short, stable name of a master key (a row says which key wrapped its data key). */
export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function open(key: Buffer, sealed: Buffer, aad: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

interface SecretRow {
  id: string;
  owner: string;
  kind: string;
  master_key_id: string;
  wrapped_key: Buffer;
  ciphertext: Buffer;
}

/**
 * The default back end: one row per secret in a table of its own database. Each secret is encrypted
 * with AES-256-GCM under a random data key of its own; the data key is stored wrapped (AES-256-GCM) by
 * the master key from configuration, and both are bound to the row's id, owner and kind (a row copied
 * under another id does not decrypt). Destroying a secret deletes its row and so its data key: the
 * ciphertext anywhere else is noise. Old backups of this database still hold wrapped keys: rotating the
 * master key (`rewrapAll`, then dropping the old key) shreds them too.
 */
const logger = new Logger('SecretStore');

export class EncryptedTableStore implements SecretStore {
  private readonly pool: Pool;
  private readonly masterKeys = new Map<string, Buffer>();
  private readonly currentKeyId: string;
  private ready?: Promise<void>;

  constructor(private readonly settings: EncryptedTableStoreSettings) {
    for (const key of [settings.masterKey, ...(settings.previousMasterKeys ?? [])]) {
      if (key.length !== 32) throw new Error('a secrets master key must be 32 bytes');
      this.masterKeys.set(masterKeyId(key), key);
    }
    this.currentKeyId = masterKeyId(settings.masterKey);
    this.pool = new Pool({ connectionString: withDatabase(settings.url, settings.database), max: settings.poolSize ?? 4, application_name: 'secret-store' });
    // An idle connection whose server went away (a restart, an outage) is reported here; without a
    // listener the pool's 'error' event would end the process (the chaos test saw exactly that). The
    // pool drops the connection; the next call opens a new one.
    this.pool.on('error', (error) => logger.warn(`secret store: idle connection lost (${error.message}); it will be reopened`));
  }

  /** Creates the database and table on first use: a service that never meets a secret never opens it. */
  private schema(): Promise<void> {
    this.ready ??= (async () => {
      await ensureDatabase(this.settings.url, this.settings.database);
      const client = await this.pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [SCHEMA_LOCK]);
        await client.query(`CREATE TABLE IF NOT EXISTS secrets (
          id            uuid        PRIMARY KEY,
          owner         text        NOT NULL,
          kind          text        NOT NULL,
          master_key_id text        NOT NULL,
          wrapped_key   bytea       NOT NULL,
          ciphertext    bytea       NOT NULL,
          created_at    timestamptz NOT NULL DEFAULT now()
        )`);
        await client.query('CREATE INDEX IF NOT EXISTS secrets_owner ON secrets (owner)');
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [SCHEMA_LOCK]).catch(() => undefined);
        client.release();
      }
    })().catch((error: unknown) => {
      this.ready = undefined; // an outage at startup: the next call tries again
      throw error;
    });
    return this.ready;
  }

  async put(owner: string, kind: string, value: string): Promise<SecretRef> {
    await this.schema();
    const id = randomUUID();
    const dataKey = randomBytes(32);
    const ciphertext = seal(dataKey, Buffer.from(value, 'utf8'), `${id}\n${owner}\n${kind}`);
    const wrapped = seal(this.settings.masterKey, dataKey, id);
    dataKey.fill(0);
    await this.pool.query('INSERT INTO secrets (id, owner, kind, master_key_id, wrapped_key, ciphertext) VALUES ($1, $2, $3, $4, $5, $6)', [
      id,
      owner,
      kind,
      this.currentKeyId,
      wrapped,
      ciphertext,
    ]);
    return id;
  }

  private async row(ref: SecretRef): Promise<SecretRow> {
    if (!UUID.test(ref)) throw new SecretUnavailableError(ref, 'not a reference of this store');
    await this.schema();
    const { rows } = await this.pool.query<SecretRow>('SELECT id, owner, kind, master_key_id, wrapped_key, ciphertext FROM secrets WHERE id = $1', [ref]);
    if (!rows[0]) throw new SecretUnavailableError(ref, 'it was replaced, destroyed or never stored');
    return rows[0];
  }

  private unwrap(row: SecretRow): Buffer {
    const masterKey = this.masterKeys.get(row.master_key_id);
    if (!masterKey) throw new Error(`secret ${row.id} is wrapped by master key ${row.master_key_id}, which is not configured (SECRETS_PREVIOUS_MASTER_KEYS)`);
    return open(masterKey, row.wrapped_key, row.id);
  }

  async resolve(ref: SecretRef, expected: { owner?: string; kind?: string } = {}): Promise<string> {
    const row = await this.row(ref);
    if ((expected.owner !== undefined && row.owner !== expected.owner) || (expected.kind !== undefined && row.kind !== expected.kind)) {
      throw new SecretUnavailableError(ref, 'it belongs to another owner or is of another kind');
    }
    const dataKey = this.unwrap(row);
    try {
      return open(dataKey, row.ciphertext, `${row.id}\n${row.owner}\n${row.kind}`).toString('utf8');
    } finally {
      dataKey.fill(0);
    }
  }

  async replace(ref: SecretRef, value: string): Promise<SecretRef> {
    const old = await this.row(ref);
    const fresh = await this.put(old.owner, old.kind, value);
    await this.destroy(ref);
    return fresh;
  }

  async destroy(ref: SecretRef): Promise<void> {
    if (!UUID.test(ref)) return;
    await this.schema();
    await this.pool.query('DELETE FROM secrets WHERE id = $1', [ref]);
  }

  /** Re-wraps every data key wrapped by a previous master key with the current one; returns how many. */
  async rewrapAll(): Promise<number> {
    await this.schema();
    const { rows } = await this.pool.query<SecretRow>('SELECT id, owner, kind, master_key_id, wrapped_key, ciphertext FROM secrets WHERE master_key_id <> $1', [
      this.currentKeyId,
    ]);
    for (const row of rows) {
      const dataKey = this.unwrap(row);
      const wrapped = seal(this.settings.masterKey, dataKey, row.id);
      dataKey.fill(0);
      await this.pool.query('UPDATE secrets SET master_key_id = $2, wrapped_key = $3 WHERE id = $1 AND master_key_id = $4', [
        row.id,
        this.currentKeyId,
        wrapped,
        row.master_key_id,
      ]);
    }
    return rows.length;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
