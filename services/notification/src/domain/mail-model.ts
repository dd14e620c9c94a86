import type { CertificationCheck, FieldProblem, PublishingStepId, RegionReplication } from '@mkt/events';

/** One template family per kind of e-mail (src/templates/<language>/<template>.{subject,html,text}.hbs). */
export const MAIL_TEMPLATES = ['submitted', 'failed', 'preview-ready', 'live', 'canceled'] as const;
export type MailTemplate = (typeof MAIL_TEMPLATES)[number];

/** The event types that cause an e-mail. */
export const NOTIFIED_EVENT_TYPES = [
  'OfferSubmitted',
  'PrerequisitesRejected',
  'CertificationFailed',
  'ReplicationFailed',
  'PackagingFailed',
  'GoLiveFailed',
  'PreviewReady',
  'WentLive',
  'PublishCanceled',
] as const;
export type NotifiedEventType = (typeof NOTIFIED_EVENT_TYPES)[number];

export interface StageFailureDetails {
  code: string;
  reason: string;
  action: string;
}

/** Which step failed and every reason the stage gave; exactly one of the reason lists is set. */
export interface FailureDetails {
  stepId: PublishingStepId;
  /** 1-based position of the step in the process. */
  stepNumber: number;
  problems?: FieldProblem[];
  /** All problems found; those beyond the listed ones are counted in `moreProblems`. */
  problemCount?: number;
  moreProblems?: number;
  failedChecks?: CertificationCheck[];
  failedCheckCount?: number;
  moreFailedChecks?: number;
  checksRun?: number;
  failedRegions?: RegionReplication[];
  regionsReplicated?: number;
  stageFailure?: StageFailureDetails;
}

export interface PreviewDetails {
  /** Undefined when the URL is not http(s) (then the e-mail points to the status view only). */
  previewUrl?: string;
  subscriptionIds: string[];
  goLiveUrl: string;
  cancelUrl: string;
  testLead?: { destination: string; leadId: string };
}

/** Everything a template may show. Publisher-written values are raw here: templates escape them. */
export interface MailValues {
  offerTitle: string;
  publisherId: string;
  offerId: string;
  attempt: number;
  statusUrl: string;
  /** When the event happened (ISO 8601). */
  eventTime: string;
  submittedBy?: string;
  failure?: FailureDetails;
  preview?: PreviewDetails;
  /** Where customers find the live offer (undefined when it is not an http(s) URL). */
  catalogUrl?: string;
  canceledBy?: string;
  cancelReason?: string;
}

/** What to send about one event, before rendering: the template, the language, and the values. */
export interface MailModel {
  template: MailTemplate;
  language: string;
  aboutEventType: NotifiedEventType;
  values: MailValues;
}
