import { initialStatusView, type OfferStatus, type StatusView, type StepView } from './status-view';

/** The body of GET .../status in the Cloud Partner Portal shape (api-version 2017-10-31), plus our extras. */
export interface StatusResponse {
  publisherId: string;
  offerId: string;
  status: OfferStatus;
  attempt: number;
  steps: Array<
    Omit<StepView, 'messages'> & { messages: Array<{ level: string; messageHtml: string; text: string; timestamp: string; code?: string; field?: string }> }
  >;
  previewLinks: Array<{ displayText: string; uri: string }>;
  liveLinks: Array<{ displayText: string; uri: string }>;
  /** Comma-separated, as in the Cloud Partner Portal. */
  notificationEmails: string;
  notifications: StatusView['notifications'];
  submittedBy: string | null;
  submittedTime: string | null;
  lastEventTime: string | null;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/**
 * The status publishers see: the projection's, except that an accepted Publish it has not seen yet is
 * `notStarted`. (Decisions also count Go Live and Cancel accepted ahead of the projection; the view
 * shows them once projected, so that status and steps always agree.)
 */
export function displayedStatus(offer: { attempt: number }, projected: StatusView | undefined): OfferStatus {
  if (offer.attempt === 0) return 'neverPublished';
  if (!projected || projected.attempt < offer.attempt) return 'notStarted';
  return projected.status;
}

/**
 * Combines the projected view with what offer-api knows ahead of it: an accepted Publish that the
 * projection has not seen yet shows as `notStarted` with every step not started.
 */
export function statusResponse(publisherId: string, offerId: string, offer: { attempt: number }, projected: StatusView | undefined): StatusResponse {
  const behind = !projected || projected.attempt < offer.attempt;
  const view = behind ? { ...(projected ?? initialStatusView(publisherId, offerId)), steps: initialStatusView(publisherId, offerId).steps } : projected;
  const status = displayedStatus(offer, projected);
  return {
    publisherId,
    offerId,
    status,
    attempt: offer.attempt,
    steps: view.steps.map((s) => ({ ...s, messages: s.messages.map((m) => ({ ...m, messageHtml: escapeHtml(m.text) })) })),
    previewLinks: !behind && view.preview ? [{ displayText: 'Preview', uri: view.preview.url }] : [],
    liveLinks: view.live ? [{ displayText: 'Live', uri: view.live.catalogUrl }] : [],
    notificationEmails: behind ? '' : view.notificationEmails.join(','),
    notifications: behind ? [] : view.notifications,
    submittedBy: behind ? null : view.submittedBy,
    submittedTime: behind ? null : view.submittedTime,
    lastEventTime: view.lastEventTime,
  };
}
