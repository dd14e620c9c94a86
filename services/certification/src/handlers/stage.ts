import { attemptStore, type EffectRunner, type Stage } from '@mkt/stages';
import type { CertificationConfig } from '../config';
import { CERTIFICATION_STATES, certificationDecider, type CertificationEffect, type CertificationInput, type CertificationState } from '../domain';
import { forgetImageListsBefore, recordResult, saveImageList } from '../persistence/queries';

const effects: EffectRunner<CertificationEffect> = async (effect, { tx, events, scope }) => {
  const { subject, attempt } = scope.cause;
  switch (effect.type) {
    case 'keep-image-list':
      // a superseded attempt's images are never read again
      await forgetImageListsBefore(tx, subject, attempt);
      await saveImageList(tx, subject, attempt, effect.images);
      return;
    case 'record-result': {
      const [event] = events;
      await recordResult(tx, {
        subject,
        attempt,
        outcome: event.type === 'CertificationPassed' ? 'passed' : 'failed',
        checks: effect.checks,
        eventId: event.id,
      });
      return;
    }
  }
};

/** The certification stage: its decider, its attempt rows, and its image lists and results. */
export function certificationStage(config: CertificationConfig): Stage<CertificationState, CertificationInput, CertificationEffect> {
  return { decider: certificationDecider(config), store: attemptStore(CERTIFICATION_STATES, 'certification'), effects };
}
