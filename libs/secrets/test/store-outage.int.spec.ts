/**
 * The store survives its database going away: an idle connection dropped by the server is reported and
 * reopened, never an unhandled 'error' that ends the process (the chaos test saw certification and
 * offer-api exit during a PostgreSQL outage); calls during the outage fail, calls after it work.
 */
import { randomBytes } from 'node:crypto';
import { TcpProxy, TestDatabase, waitFor } from '@mkt/testing';
import { EncryptedTableStore } from '../src';

let db: TestDatabase;
let proxy: TcpProxy;
let store: EncryptedTableStore;

beforeAll(async () => {
  db = await new TestDatabase('secret_outage').create();
  proxy = await new TcpProxy('127.0.0.1', Number(new URL(db.serverUrl).port || 5432)).up();
  const url = new URL(db.serverUrl);
  url.port = String(proxy.port);
  store = new EncryptedTableStore({ url: url.toString(), database: db.name, masterKey: randomBytes(32) });
});

afterAll(async () => {
  await store.close();
  await proxy.close();
  await db.drop();
});

test('idle connections dropped by an outage are reopened; nothing crashes; values survive', async () => {
  const ref = await store.put('contoso/offer', 'lead-authorization', 'Bearer before');
  const unhandled: unknown[] = [];
  const onError = (error: unknown) => unhandled.push(error);
  process.on('uncaughtException', onError);
  try {
    const pool = (store as unknown as { pool: { idleCount: number; totalCount: number } }).pool;
    expect(pool.idleCount).toBeGreaterThan(0);
    await proxy.down(); // drops the pool's idle connections
    await waitFor('the pool noticed', () => pool.totalCount === 0);
    await expect(store.resolve(ref)).rejects.toThrow();
    await proxy.up();
    expect(await store.resolve(ref)).toBe('Bearer before');
    const second = await store.put('contoso/offer', 'lead-authorization', 'Bearer after');
    expect(await store.resolve(second)).toBe('Bearer after');
    expect(unhandled).toEqual([]);
  } finally {
    process.off('uncaughtException', onError);
  }
});
