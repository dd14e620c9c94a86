import { parseOfferSubject } from '@mkt/events';
import { attemptStore, type EffectRunner, type Stage } from '@mkt/stages';
import type { PackagingConfig } from '../config';
import { PACKAGING_STAGES, packagingDecider, type Effect, type PackagingInput, type PackagingState } from '../domain';
import { publishToCatalog, savePreview, storeSnapshot } from '../persistence/packaging-store';

const effects: EffectRunner<Effect> = async (effect, { tx, scope }) => {
  const { subject, attempt } = scope.cause;
  switch (effect.type) {
    case 'store-snapshot':
      return storeSnapshot(tx, { subject, attempt, ...effect.snapshot });
    case 'store-product-page':
      return savePreview(tx, subject, attempt, effect.page, effect.testLead, scope.now);
    case 'publish-to-catalog':
      return publishToCatalog(tx, {
        ...parseOfferSubject(subject),
        subject,
        attempt,
        title: effect.title,
        page: effect.page,
        catalogUrl: effect.catalogUrl,
        at: scope.now,
      });
  }
};

/** The packaging stage: its decider, its attempt rows, the snapshot, preview and catalog rows. */
export function packagingStage(config: PackagingConfig): Stage<PackagingState, PackagingInput, Effect> {
  return { decider: packagingDecider(config.durations), store: attemptStore(PACKAGING_STAGES, 'packaging'), effects };
}
