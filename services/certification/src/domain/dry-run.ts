import type { DryRunKit } from '@mkt/stages';
import type { CheckResult } from './certify-disk';
import { certificationDecider, type CertificationInput, type CertificationState } from './stage';

/**
 * Certification's job reads the publisher's disks: a dry run does not fetch them again; it feeds today's
 * decider the checks the recorded outcome lists (a failure lists its failed checks).
 */
export const certificationDryRun: DryRunKit<CertificationState, CertificationInput> = {
  stage: 'certification',
  source: '/marketplace/certification',
  decider: certificationDecider({ durationMs: 0 }),
  progressTypes: ['CertificationStarted'],
  jobResultFrom: (recorded) => {
    if (recorded.type === 'CertificationPassed')
      return { type: 'CertificationChecked', attempt: recorded.attempt, checks: recorded.data.checks as CheckResult[] };
    if (recorded.type === 'CertificationFailed')
      return { type: 'CertificationChecked', attempt: recorded.attempt, checks: recorded.data.failures as CheckResult[] };
    return undefined;
  },
};
