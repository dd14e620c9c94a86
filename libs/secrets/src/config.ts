import { createHash } from 'node:crypto';
import { envString } from '@mkt/messaging';
import { EncryptedTableStore, type EncryptedTableStoreSettings } from './encrypted-table-store';
import type { SecretStore } from './store';
import { VaultSecretStore } from './vault-store';

export type SecretBackend = 'table' | 'vault';

export interface SecretStoreSettings {
  backend: SecretBackend;
  table: Omit<EncryptedTableStoreSettings, 'masterKey' | 'previousMasterKeys'>;
  masterKey: Buffer;
  previousMasterKeys: Buffer[];
  /** The development key is in use (a warning is logged where the store is opened). */
  developmentKey: boolean;
}

/** Anyone can read this key in the source: it is refused when NODE_ENV=production. */
export const DEVELOPMENT_MASTER_KEY = createHash('sha256').update('marketplace-development-secrets-master-key-do-not-use-in-production').digest();

function masterKey(name: string, raw: string): Buffer {
  const key = Buffer.from(raw, 'base64');
  if (key.length !== 32) throw new Error(`${name} must be 32 bytes, base64-encoded (openssl rand -base64 32)`);
  return key;
}

/**
 *   SECRETS_BACKEND                table   where secrets are kept: `table` (encrypted table), `vault` (not implemented yet)
 *   SECRETS_MASTER_KEY             -       32 bytes base64; required when NODE_ENV=production (a development key otherwise)
 *   SECRETS_PREVIOUS_MASTER_KEYS   -       comma-separated: keys still read while a rotation re-wraps (npm run secrets -- rotate-master-key)
 *   SECRETS_DATABASE               <DATABASE_PREFIX>_secrets   the store's own database
 *   SECRETS_DATABASE_URL           $DATABASE_URL               its server
 */
export function secretStoreSettingsFromEnv(): SecretStoreSettings {
  const production = process.env.NODE_ENV === 'production';
  const backend = envString('SECRETS_BACKEND', 'table');
  if (backend !== 'table' && backend !== 'vault') throw new Error(`SECRETS_BACKEND must be table or vault, got "${backend}"`);
  const rawKey = process.env.SECRETS_MASTER_KEY;
  if (!rawKey && production) throw new Error('SECRETS_MASTER_KEY must be set when NODE_ENV=production (32 bytes, base64: openssl rand -base64 32)');
  const key = rawKey ? masterKey('SECRETS_MASTER_KEY', rawKey) : DEVELOPMENT_MASTER_KEY;
  if (production && key.equals(DEVELOPMENT_MASTER_KEY)) throw new Error('SECRETS_MASTER_KEY must not be the development key when NODE_ENV=production');
  const previous = envString('SECRETS_PREVIOUS_MASTER_KEYS', '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map((k) => masterKey('SECRETS_PREVIOUS_MASTER_KEYS', k));
  const prefix = envString('DATABASE_PREFIX', 'marketplace');
  return {
    backend,
    table: {
      url: envString('SECRETS_DATABASE_URL', envString('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/postgres')),
      database: envString('SECRETS_DATABASE', `${prefix}_secrets`),
    },
    masterKey: key,
    previousMasterKeys: previous,
    developmentKey: key.equals(DEVELOPMENT_MASTER_KEY),
  };
}

export function openSecretStore(settings: SecretStoreSettings): SecretStore {
  if (settings.backend === 'vault') return VaultSecretStore.fromEnv();
  return new EncryptedTableStore({ ...settings.table, masterKey: settings.masterKey, previousMasterKeys: settings.previousMasterKeys });
}
