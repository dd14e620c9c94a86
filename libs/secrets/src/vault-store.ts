import type { SecretRef, SecretStore } from './store';

/**
 * Where a HashiCorp Vault back end goes (the production choice, docs/secrets.md). NOT IMPLEMENTED and
 * so untested: every method throws. The port maps onto the KV v2 engine as follows:
 *
 *   put(owner, kind, value)  POST /v1/<mount>/data/<prefix>/<id>   { data: { value }, options: { cas: 0 } }
 *                            with custom_metadata { owner, kind } (id: a random UUID, the reference)
 *   resolve(ref, expected)   GET  /v1/<mount>/data/<prefix>/<id>   (compare custom_metadata with expected)
 *   replace(ref, value)      put under a new id, then destroy(ref)
 *   destroy(ref)             DELETE /v1/<mount>/metadata/<prefix>/<id>   (every version and its metadata:
 *                            Vault's storage encryption then holds nothing that leads to the value)
 *
 * A cloud key vault (Azure Key Vault secrets) maps the same way: set secret / get secret / delete then
 * purge. Authentication (AppRole, Kubernetes, managed identity) belongs in the adapter's settings.
 */
export class VaultSecretStore implements SecretStore {
  static fromEnv(): VaultSecretStore {
    throw new Error('SECRETS_BACKEND=vault is not implemented yet (docs/secrets.md); use SECRETS_BACKEND=table');
  }

  private unavailable(): never {
    throw new Error('the Vault secret store is not implemented yet');
  }

  put(_owner: string, _kind: string, _value: string): Promise<SecretRef> {
    return this.unavailable();
  }
  resolve(_ref: SecretRef): Promise<string> {
    return this.unavailable();
  }
  replace(_ref: SecretRef, _value: string): Promise<SecretRef> {
    return this.unavailable();
  }
  destroy(_ref: SecretRef): Promise<void> {
    return this.unavailable();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
