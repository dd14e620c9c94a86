import { randomUUID } from 'node:crypto';
import { SecretUnavailableError, type SecretRef, type SecretStore } from './store';

/** Secrets in memory, gone with the process: for tests of what uses the port. */
export class MemorySecretStore implements SecretStore {
  private readonly secrets = new Map<SecretRef, { owner: string; kind: string; value: string }>();

  async put(owner: string, kind: string, value: string): Promise<SecretRef> {
    const ref = randomUUID();
    this.secrets.set(ref, { owner, kind, value });
    return ref;
  }

  async resolve(ref: SecretRef, expected: { owner?: string; kind?: string } = {}): Promise<string> {
    const secret = this.secrets.get(ref);
    if (!secret) throw new SecretUnavailableError(ref, 'it was replaced, destroyed or never stored');
    if ((expected.owner !== undefined && secret.owner !== expected.owner) || (expected.kind !== undefined && secret.kind !== expected.kind)) {
      throw new SecretUnavailableError(ref, 'it belongs to another owner or is of another kind');
    }
    return secret.value;
  }

  async replace(ref: SecretRef, value: string): Promise<SecretRef> {
    const old = this.secrets.get(ref);
    if (!old) throw new SecretUnavailableError(ref, 'it was replaced, destroyed or never stored');
    const fresh = await this.put(old.owner, old.kind, value);
    this.secrets.delete(ref);
    return fresh;
  }

  async destroy(ref: SecretRef): Promise<void> {
    this.secrets.delete(ref);
  }

  async close(): Promise<void> {}

  get size(): number {
    return this.secrets.size;
  }
}
