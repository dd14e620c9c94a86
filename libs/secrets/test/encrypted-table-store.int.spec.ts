/**
 * The encrypted-table back end on the real PostgreSQL: values round-trip, rows are ciphertext bound to
 * their id, owner and kind, destroy and replace shred, and a master-key rotation re-wraps every data key.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { withDatabase } from '@mkt/messaging';
import { TestDatabase } from '@mkt/testing';
import { EncryptedTableStore, isSecretUnavailable, type SecretStore } from '../src';

let db: TestDatabase;
const stores: SecretStore[] = [];
const firstKey = randomBytes(32);
const secondKey = randomBytes(32);

function storeWith(masterKey: Buffer, previousMasterKeys: Buffer[] = []): EncryptedTableStore {
  const store = new EncryptedTableStore({ url: db.serverUrl, database: db.name, masterKey, previousMasterKeys });
  stores.push(store);
  return store;
}

async function sql<T>(text: string, parameters: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: withDatabase(db.serverUrl, db.name) });
  await client.connect();
  try {
    return (await client.query(text, parameters)).rows as T[];
  } finally {
    await client.end();
  }
}

async function unavailable(promise: Promise<unknown>): Promise<boolean> {
  return promise.then(
    () => false,
    (error: unknown) => isSecretUnavailable(error),
  );
}

beforeAll(() => {
  db = new TestDatabase('secret_store'); // not created: the store creates its database on first use
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await db.drop();
});

test('a secret round-trips; its row holds neither the value nor its data key in the clear', async () => {
  const store = storeWith(firstKey);
  const ref = await store.put('contoso/web', 'lead-authorization', 'Bearer round-trip-value');
  expect(await store.resolve(ref)).toBe('Bearer round-trip-value');
  expect(await store.resolve(ref, { owner: 'contoso/web', kind: 'lead-authorization' })).toBe('Bearer round-trip-value');
  const [row] = await sql<{ json: string }>('SELECT row_to_json(s)::text AS json FROM secrets s WHERE id = $1', [ref]);
  expect(row.json).not.toContain('round-trip-value');
  expect(row.json).not.toContain(Buffer.from('round-trip-value').toString('hex'));
});

test("another owner's or kind's reference, an unknown one and a malformed one are unavailable, not errors", async () => {
  const store = storeWith(firstKey);
  const ref = await store.put('contoso/web', 'sas-signature', 'sig-value');
  expect(await unavailable(store.resolve(ref, { owner: 'fabrikam/web' }))).toBe(true);
  expect(await unavailable(store.resolve(ref, { kind: 'lead-authorization' }))).toBe(true);
  expect(await unavailable(store.resolve('00000000-0000-4000-8000-000000000000'))).toBe(true);
  expect(await unavailable(store.resolve('not-a-reference'))).toBe(true);
});

test('a row moved under another owner does not decrypt (the owner is bound into the ciphertext)', async () => {
  const store = storeWith(firstKey);
  const ref = await store.put('contoso/web', 'sas-signature', 'bound-value');
  await sql(`UPDATE secrets SET owner = 'fabrikam/web' WHERE id = $1`, [ref]);
  await expect(store.resolve(ref)).rejects.toThrow();
});

test('destroy and replace remove the old row with its data key; destroying twice is fine', async () => {
  const store = storeWith(firstKey);
  const ref = await store.put('contoso/web', 'storage-account-key', 'old-key');
  const fresh = await store.replace(ref, 'new-key');
  expect(await unavailable(store.resolve(ref))).toBe(true);
  expect(await store.resolve(fresh, { owner: 'contoso/web', kind: 'storage-account-key' })).toBe('new-key');
  await store.destroy(fresh);
  await store.destroy(fresh);
  expect(await sql('SELECT id FROM secrets WHERE id = ANY($1)', [[ref, fresh]])).toEqual([]);
});

test('master-key rotation: the new key reads old rows while the old one is still given, rewrapAll moves them, then the old key is not needed', async () => {
  const before = storeWith(firstKey);
  const ref = await before.put('contoso/web', 'lead-authorization', 'survives-rotation');
  expect(await unavailableOrThrows(storeWith(secondKey).resolve(ref))).toBe(true);
  const rotating = storeWith(secondKey, [firstKey]);
  expect(await rotating.resolve(ref)).toBe('survives-rotation');
  expect(await rotating.rewrapAll()).toBeGreaterThanOrEqual(1);
  expect(await storeWith(secondKey).resolve(ref)).toBe('survives-rotation');
  // the first key reads nothing any more: once it is discarded, copies of the database taken before are noise
  await expect(storeWith(firstKey).resolve(ref)).rejects.toThrow(/not configured/);
});

async function unavailableOrThrows(promise: Promise<unknown>): Promise<boolean> {
  return promise.then(
    () => false,
    () => true,
  );
}
