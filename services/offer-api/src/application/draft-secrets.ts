import { Inject, Injectable, Logger } from '@nestjs/common';
import { mapPlainSecrets, plainSecretsIn, secretReference, secretReferencesIn, UNAVAILABLE_SECRET_ID, type OfferDraft } from '@mkt/events';
import { SECRET_STORE, type SecretStore } from '@mkt/secrets';
import { invalidInput } from './errors';

/** A draft as it is stored: its secrets in the secret store, references in their place. */
export interface StoredSecrets {
  draft: OfferDraft;
  /** Secrets stored for this draft: destroyed again if the draft is not saved after all. */
  created: string[];
  /** Secrets of the previous draft that the new one no longer references: destroyed once it is saved. */
  dropped: string[];
}

function referencedIds(draft: OfferDraft | undefined): string[] {
  return secretReferencesIn(draft ?? {})
    .map((r) => r.id)
    .filter((id) => id !== UNAVAILABLE_SECRET_ID);
}

/**
 * The write-only secret fields of drafts (docs/secrets.md). A PUT gives secrets as values, which go to
 * the store; a field that still holds the reference a read showed keeps its secret; a value equal to the
 * stored one keeps its reference too (scripts that PUT every field each time do not churn secrets).
 */
@Injectable()
export class DraftSecrets {
  private readonly logger = new Logger(DraftSecrets.name);

  constructor(@Inject(SECRET_STORE) private readonly secretStore: SecretStore) {}

  async store(owner: string, draft: OfferDraft, previous: OfferDraft | undefined): Promise<StoredSecrets> {
    const previousIds = new Set(referencedIds(previous));
    const foreign = secretReferencesIn(draft).filter((r) => r.id !== UNAVAILABLE_SECRET_ID && !previousIds.has(r.id));
    if (foreign.length) {
      throw invalidInput(
        'the draft refers to secrets this offer does not have',
        foreign.map((r) => ({ field: r.path, problems: ['refers to a secret that is not (or no longer) one of this offer; give the value itself'] })),
      );
    }
    const previousByPath = new Map(secretReferencesIn(previous ?? {}).map((r) => [r.path, r.id]));
    const replacements = new Map<string, string>();
    const created: string[] = [];
    try {
      for (const secret of plainSecretsIn(draft)) {
        const kept = previousByPath.get(secret.path);
        if (kept && kept !== UNAVAILABLE_SECRET_ID && (await this.sameValue(owner, kept, secret.value))) {
          replacements.set(secret.path, secretReference(kept));
          continue;
        }
        const id = await this.secretStore.put(owner, secret.kind, secret.value);
        created.push(id);
        replacements.set(secret.path, secretReference(id));
      }
    } catch (error) {
      await this.destroy(created);
      throw error;
    }
    const stored = mapPlainSecrets(draft, (secret) => replacements.get(secret.path) as string);
    const kept = new Set(referencedIds(stored));
    return { draft: stored, created, dropped: [...previousIds].filter((id) => !kept.has(id)) };
  }

  private async sameValue(owner: string, id: string, value: string): Promise<boolean> {
    try {
      return (await this.secretStore.resolve(id, { owner })) === value;
    } catch {
      return false; // gone or unreadable: the value is stored anew
    }
  }

  /** Every secret of a draft that is deleted. */
  async destroyAllOf(draft: OfferDraft): Promise<void> {
    await this.destroy(referencedIds(draft));
  }

  /** Best effort: a secret left behind is in the store only, never in the log; it is reported. */
  async destroy(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      await this.secretStore.destroy(id).catch((error: unknown) => this.logger.warn(`secret ${id} could not be destroyed: ${(error as Error).message}`));
    }
  }

  /** A draft stored before secrets were kept apart (and not migrated yet) must not put them on the log. */
  hasPlainSecrets(draft: OfferDraft): boolean {
    return plainSecretsIn(draft).length > 0;
  }
}
