import { capList, type OfferEventDraft } from '@mkt/events';
import type { ValidationReport } from '@mkt/prerequisites';

// The engine and its rules are shared (libs/prerequisites): offer-api checks drafts with them.
export {
  isDiskUrl,
  isEmail,
  isHttpsUrl,
  isStorageConnectionString,
  PRODUCTION_CONTEXT,
  validateSubmission,
  type FieldProblem,
  type Submission,
  type ValidationContext,
  type ValidationReport,
} from '@mkt/prerequisites';

/** The stage's result event. */
export function validationOutcome(report: ValidationReport): OfferEventDraft {
  if (report.problems.length === 0) return { type: 'PrerequisitesValidated', data: { rulesChecked: report.rulesChecked } };
  const { listed, more } = capList(report.problems);
  return { type: 'PrerequisitesRejected', data: more ? { problems: listed, moreProblems: more } : { problems: listed } };
}
