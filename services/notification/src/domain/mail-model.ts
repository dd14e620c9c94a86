import type { CertificationCheck, FieldProblem, OfferEventType, PublishingStepId, RegionReplication } from '@mkt/events';

/** One template family per kind of e-mail (src/templates/<language>/<template>.{subject,html,text}.hbs). */
export const MAIL_TEMPLATES = ['submitted', 'failed', 'preview-ready', 'live', 'canceled'] as const;
export type MailTemplate = (typeof MAIL_TEMPLATES)[number];

/**
 * Which e-mail each event type causes (null: none), decided for every type of the catalog: a type added
 * to the catalog fails to compile here until someone decides whether the publisher hears of it.
 */
export const MAIL_FOR_EVENT = {
  OfferSubmitted: 'submitted',
  PrerequisitesValidated: null,
  PrerequisitesRejected: 'failed',
  CertificationStarted: null,
  CertificationPassed: null,
  CertificationFailed: 'failed',
  ReplicationStarted: null,
  ImageReplicationProgressed: null,
  ImagesReplicated: null,
  ReplicationFailed: 'failed',
  PackagingStarted: null,
  PreviewReady: 'preview-ready',
  PackagingFailed: 'failed',
  GoLiveRequested: null,
  WentLive: 'live',
  GoLiveFailed: 'failed',
  PublishCanceled: 'canceled',
  NotificationSent: null,
  NotificationFailed: null,
} as const satisfies Record<OfferEventType, MailTemplate | null>;

type MailFor = typeof MAIL_FOR_EVENT;
/** The event types that cause an e-mail. */
export type NotifiedEventType = { [T in keyof MailFor]: MailFor[T] extends null ? never : T }[keyof MailFor];
export const NOTIFIED_EVENT_TYPES = (Object.keys(MAIL_FOR_EVENT) as OfferEventType[]).filter(
  (type): type is NotifiedEventType => MAIL_FOR_EVENT[type] !== null,
);

export interface StageFailureDetails {
  code: string;
  /** English texts, and their codes in libs/messages (templates render the codes in the mail's language). */
  reason: string;
  action: string;
  reasonCode?: string;
  actionCode?: string;
  params?: Record<string, string | number>;
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
