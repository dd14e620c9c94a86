import type { Logger } from '@nestjs/common';
import type { OfferEventDraft } from '@mkt/events';
import { cancelJobs, enqueueJob, PermanentEventError, type Tx } from '@mkt/messaging';
import type { Decision } from '../domain';
import { saveAttemptState } from '../persistence/packaging-store';

/** What a job needs to emit its events in the attempt's correlation, caused by the event that started it. */
export interface JobPayload {
  correlationId: string;
  causationId: string;
}

export interface DecisionTarget {
  tx: Tx;
  subject: string;
  emit(drafts: readonly OfferEventDraft[]): void;
  /** For enqueue-job effects. */
  jobPayload?: JobPayload;
  storeSnapshot?(): Promise<void>;
  storeProductPage?(): Promise<void>;
  publishToCatalog?(): Promise<void>;
}

function required(step: (() => Promise<void>) | undefined, effect: string): () => Promise<void> {
  if (!step) throw new Error(`the decision asked for ${effect}, which this adapter cannot do`);
  return step;
}

/**
 * Carries out a domain decision in the open transaction: effects, then the new attempt state, then the
 * events (outbox). Ignored decisions change nothing; rejected ones dead-letter the event with the reason.
 */
export async function applyDecision(decision: Decision, target: DecisionTarget, logger: Logger): Promise<void> {
  if (decision.outcome === 'ignored') {
    logger.debug(`${target.subject}: ${decision.reason}`);
    return;
  }
  if (decision.outcome === 'rejected') throw new PermanentEventError(decision.reason, 'not-applicable');
  for (const effect of decision.effects) {
    switch (effect.type) {
      case 'store-snapshot':
        await required(target.storeSnapshot, effect.type)();
        break;
      case 'store-product-page':
        await required(target.storeProductPage, effect.type)();
        break;
      case 'publish-to-catalog':
        await required(target.publishToCatalog, effect.type)();
        break;
      case 'cancel-jobs': {
        const canceled = await cancelJobs(target.tx, target.subject, effect.range);
        if (canceled) logger.log(`${target.subject}: canceled ${canceled} job(s) (${JSON.stringify(effect.range)})`);
        break;
      }
      case 'enqueue-job':
        if (!target.jobPayload) throw new Error('enqueue-job needs the payload of the triggering event');
        await enqueueJob(target.tx, { kind: effect.kind, subject: target.subject, attempt: decision.state.attempt, payload: target.jobPayload, runAfter: effect.runAfter });
        break;
    }
  }
  await saveAttemptState(target.tx, target.subject, decision.state);
  target.emit(decision.events);
}
