import { capList, type OfferEventDraft } from '@mkt/events';
import { render, type MessageCode } from '@mkt/messages';
import type { CheckResult } from './certify-disk';
import type { ImageList } from './images';

/** A check's message by code, with its English text. */
export function coded(
  messageCode: MessageCode,
  params: Record<string, string | number> = {},
): { message: string; messageCode: string; params: Record<string, string | number> } {
  return { message: render(messageCode, params, 'en'), messageCode, params };
}

/** Problems of the image list itself, found before any disk is read. */
export function imageListProblems(list: ImageList): CheckResult[] {
  const missing = list.plansWithoutImages.map((planId) => ({
    planId,
    imageVersion: '',
    disk: 'os',
    check: 'image-version-present' as const,
    passed: false,
    ...coded('certification.image-version-present.plan', { planId }),
  }));
  if (list.images.length === 0 && missing.length === 0) {
    missing.push({
      planId: '',
      imageVersion: '',
      disk: 'os',
      check: 'image-version-present',
      passed: false,
      ...coded('certification.image-version-present.none'),
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
