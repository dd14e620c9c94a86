/**
 * The secret store port. Secrets are kept by an owner (the offer's subject) and a kind; whoever holds
 * them elsewhere holds only the reference. Replacing or destroying a secret makes its old value
 * unrecoverable (docs/secrets.md: crypto-shredding), so a reference found in an old copy (the log, a
 * backup of a service's database) leads nowhere.
 */

/** Opaque id of a stored secret. */
export type SecretRef = string;

export interface SecretStore {
  put(owner: string, kind: string, value: string): Promise<SecretRef>;
  /**
   * The value of a secret. With `expected`, a secret of another owner or kind is unavailable too: a
   * reference copied into the wrong offer reveals nothing.
   */
  resolve(ref: SecretRef, expected?: { owner?: string; kind?: string }): Promise<string>;
  /** Stores the new value under a new reference and destroys the old one. */
  replace(ref: SecretRef, value: string): Promise<SecretRef>;
  /** Destroys the secret; destroying one that is gone already is not an error. */
  destroy(ref: SecretRef): Promise<void>;
  close(): Promise<void>;
}

/**
 * The secret is not there (destroyed, replaced, never stored, of another owner): a fact about the
 * reference, not an outage, so the stage reports it instead of retrying.
 */
export class SecretUnavailableError extends Error {
  readonly code = 'secret-unavailable';
  constructor(
    readonly ref: SecretRef,
    reason: string,
  ) {
    super(`secret ${ref} is unavailable: ${reason}`);
  }
}

export function isSecretUnavailable(error: unknown): error is SecretUnavailableError {
  return error instanceof SecretUnavailableError;
}
