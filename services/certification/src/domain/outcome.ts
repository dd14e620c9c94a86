import { capList, type OfferEventDraft } from '@mkt/events';
import type { CheckResult } from './certify-disk';
import type { ImageList } from './images';

/** Problems of the image list itself, found before any disk is read. */
export function imageListProblems(list: ImageList): CheckResult[] {
  const missing = list.plansWithoutImages.map((planId) => ({
    planId,
    imageVersion: '',
    disk: 'os',
    check: 'image-version-present' as const,
    passed: false,
    message: `Plan ${planId} has no VM image version; add an image version with the URL of its OS disk VHD`,
  }));
  if (list.images.length === 0 && missing.length === 0) {
    missing.push({
      planId: '',
      imageVersion: '',
      disk: 'os',
      check: 'image-version-present',
      passed: false,
      message: 'The offer has no plan with a VM image; add a plan with an image version and the URL of its OS disk VHD',
    });
  }
  return missing;
}

/** CertificationPassed when every check passed; otherwise CertificationFailed with the failed checks. */
export function certificationOutcome(checks: readonly CheckResult[]): Extract<OfferEventDraft, { type: 'CertificationPassed' | 'CertificationFailed' }> {
  const failures = checks.filter((c) => !c.passed);
  if (failures.length === 0 && checks.length > 0) {
    const { listed, more } = capList(checks);
    return { type: 'CertificationPassed', data: more ? { checks: listed, moreChecks: more } : { checks: listed } };
  }
  const { listed, more } = capList(failures);
  return {
    type: 'CertificationFailed',
    data: more ? { failures: listed, moreFailures: more, checksRun: checks.length } : { failures: listed, checksRun: checks.length },
  };
}
