import { PUBLISHING_STEPS, unhandledEvent, type OfferEvent, type PublishingStepId } from '@mkt/events';
import { compareAttempt } from '@mkt/stages';
import { contactsFromSubmitted, type AttemptContacts } from './attempt';
import type { FailureDetails, MailModel, MailTemplate, MailValues, NotifiedEventType } from './mail-model';

export type NotifiedEvent = Extract<OfferEvent, { type: NotifiedEventType }>;

export interface NotificationSettings {
  /** Base of the links to the offer's status view, e.g. `https://portal.example.com`. */
  statusBaseUrl: string;
  /** Languages there are templates for. */
  languages: readonly string[];
}

export interface NotificationDecision {
  /** The attempt record to store: set when the event is the OfferSubmitted of a newer attempt. */
  save?: AttemptContacts;
  /** The e-mail to send, one message to each recipient. */
  mail?: { model: MailModel; recipients: string[] };
  /** Why nothing is sent. */
  skipped?: string;
}

/**
 * Which e-mail an offer event calls for, given the attempt this service has on record for the offer
 * (from its OfferSubmitted). Events of an older attempt, or of an attempt never submitted here, send nothing.
 */
export function decideNotification(event: NotifiedEvent, recorded: AttemptContacts | undefined, settings: NotificationSettings): NotificationDecision {
  const verdict = compareAttempt(recorded, event.attempt);
  if (event.type === 'OfferSubmitted') {
    if (verdict !== 'newer') return { skipped: `attempt ${event.attempt} is not newer than the recorded attempt ${recorded?.attempt}` };
    const contacts = contactsFromSubmitted(event, settings.languages);
    return withMail({ save: contacts }, contacts, event, 'submitted', { submittedBy: event.data.submittedBy }, settings);
  }
  if (!recorded || verdict !== 'current') {
    return {
      skipped: recorded ? `event of attempt ${event.attempt}, the offer is at attempt ${recorded.attempt}` : `no OfferSubmitted seen for ${event.subject}`,
    };
  }
  switch (event.type) {
    case 'PrerequisitesRejected':
      return withMail(
        {},
        recorded,
        event,
        'failed',
        {
          failure: {
            ...step('validate-prerequisites'),
            problems: event.data.problems,
            problemCount: event.data.problems.length + (event.data.moreProblems ?? 0),
            ...(event.data.moreProblems ? { moreProblems: event.data.moreProblems } : {}),
          },
        },
        settings,
      );
    case 'CertificationFailed': {
      const failed = event.data.failures.filter((check) => !check.passed);
      const listed = failed.length ? failed : event.data.failures;
      const failure: FailureDetails = {
        ...step('certification'),
        failedChecks: listed,
        failedCheckCount: listed.length + (event.data.moreFailures ?? 0),
        ...(event.data.moreFailures ? { moreFailedChecks: event.data.moreFailures } : {}),
        checksRun: event.data.checksRun,
      };
      return withMail({}, recorded, event, 'failed', { failure }, settings);
    }
    case 'ReplicationFailed': {
      const failed = event.data.failedRegions.filter((region) => region.status === 'failed');
      const failure: FailureDetails = {
        ...step('provisioning'),
        failedRegions: failed.length ? failed : event.data.failedRegions,
        regionsReplicated: event.data.regionsReplicated,
      };
      return withMail({}, recorded, event, 'failed', { failure }, settings);
    }
    case 'PackagingFailed':
    case 'GoLiveFailed': {
      const { code, reason, action, reasonCode, actionCode, params } = event.data;
      const stageFailure = {
        code,
        reason,
        action,
        ...(reasonCode ? { reasonCode } : {}),
        ...(actionCode ? { actionCode } : {}),
        ...(params ? { params } : {}),
      };
      const failure: FailureDetails = { ...step(event.type === 'PackagingFailed' ? 'packaging' : 'live'), stageFailure };
      return withMail({}, recorded, event, 'failed', { failure }, settings);
    }
    case 'PreviewReady': {
      const links = offerLinks(settings.statusBaseUrl, recorded);
      const preview = {
        // the portal's preview page (it signs the customer in), not the API route that needs a bearer token
        previewUrl: httpLink(links.preview),
        subscriptionIds: recorded.previewSubscriptionIds,
        goLiveUrl: links.goLive,
        cancelUrl: links.cancel,
        testLead: event.data.testLead && { destination: event.data.testLead.destination, leadId: event.data.testLead.leadId },
      };
      return withMail({}, recorded, event, 'preview-ready', { preview }, settings);
    }
    case 'WentLive':
      return withMail({}, recorded, event, 'live', { catalogUrl: httpLink(offerLinks(settings.statusBaseUrl, recorded).catalog) }, settings);
    case 'PublishCanceled':
      return withMail({}, recorded, event, 'canceled', { canceledBy: event.data.canceledBy, cancelReason: event.data.reason }, settings);
    default:
      return unhandledEvent(event, 'e-mail choice');
  }
}

function withMail(
  decision: NotificationDecision,
  contacts: AttemptContacts,
  event: NotifiedEvent,
  template: MailTemplate,
  specific: Partial<MailValues>,
  settings: NotificationSettings,
): NotificationDecision {
  if (contacts.recipients.length === 0) return { ...decision, skipped: 'no valid notification address was given at Publish' };
  const values: MailValues = {
    offerTitle: contacts.offerTitle,
    publisherId: contacts.publisherId,
    offerId: contacts.offerId,
    attempt: event.attempt,
    statusUrl: offerLinks(settings.statusBaseUrl, contacts).status,
    eventTime: event.time,
    ...specific,
  };
  return { ...decision, mail: { model: { template, language: contacts.language, aboutEventType: event.type, values }, recipients: contacts.recipients } };
}

function step(stepId: PublishingStepId): Pick<FailureDetails, 'stepId' | 'stepNumber'> {
  return { stepId, stepNumber: PUBLISHING_STEPS.findIndex((s) => s.id === stepId) + 1 };
}

/**
 * The portal's pages of the offer (served by offer-api at the root of statusBaseUrl, apps/portal): the Status tab,
 * Go Live and Cancel (the page asks to sign in, then to confirm the action), the preview for allow-listed customers
 * and the offer's page in the public catalog. None needs a bearer token in the link.
 */
export function offerLinks(baseUrl: string, offer: { publisherId: string; offerId: string }) {
  const base = baseUrl.replace(/\/+$/, '');
  const ids = `${encodeURIComponent(offer.publisherId)}/${encodeURIComponent(offer.offerId)}`;
  const root = `${base}/publishers/${encodeURIComponent(offer.publisherId)}/offers/${encodeURIComponent(offer.offerId)}`;
  return { status: `${root}/status`, goLive: `${root}/golive`, cancel: `${root}/cancel`, preview: `${base}/preview/${ids}`, catalog: `${base}/catalog/${ids}` };
}

/** Only http(s) URLs become links; anything else (javascript:, data:) is not shown as one. */
export function httpLink(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.toString() : undefined;
  } catch {
    return undefined;
  }
}
