import { createHash } from 'node:crypto';
import type { PublishingStepId } from '@mkt/events';
import { CATALOGUES, chooseLanguage, render } from '@mkt/messages';
import { stepMessageText } from './status-text';
import { initialStatusView, VIEW_VERSION, type MessageLevel, type OfferStatus, type StatusView, type StepMessage, type StepView } from './status-view';

/** A message as the Cloud Partner Portal shows it: level information, warning or error, text and HTML. */
export interface ResponseMessage {
  level: MessageLevel;
  messageHtml: string;
  text: string;
  timestamp: string;
  code?: string;
  field?: string;
}

/** The version in the public catalog, whatever the latest attempt is doing (null when never live). */
export interface LiveMarker {
  attempt: number;
  time: string;
  catalogUrl: string;
}

/** The body of GET .../status in the Cloud Partner Portal shape (api-version 2017-10-31), plus our extras. */
export interface StatusResponse {
  publisherId: string;
  offerId: string;
  status: OfferStatus;
  attempt: number;
  /** The attempt's messages (why it failed or was canceled), each naming its step; the steps keep theirs too. */
  messages: Array<ResponseMessage & { step: PublishingStepId }>;
  steps: Array<Omit<StepView, 'messages'> & { messages: ResponseMessage[] }>;
  /** Still live with this version while a newer attempt runs, fails or is canceled. */
  live: LiveMarker | null;
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

/** The level as the Cloud Partner Portal names it; `info` is how views folded before VIEW_VERSION 1 stored it. */
export function portalLevel(level: string): MessageLevel {
  return level === 'info' ? 'information' : (level as MessageLevel);
}

/**
 * A message as the response shows it: the Portal's level, its text in the reader's language (the code and
 * parameters stay in the view). Built key by key, like the whole response: the same view gives the same
 * JSON text whatever order its keys were read in (jsonb reorders them), see responseText.
 */
function responseMessage(message: StepMessage, language: string): ResponseMessage {
  const text = stepMessageText(message, language);
  return {
    level: portalLevel(message.level),
    text,
    messageHtml: escapeHtml(text),
    timestamp: message.timestamp,
    ...(message.code !== undefined ? { code: message.code } : {}),
    ...(message.field !== undefined ? { field: message.field } : {}),
  };
}

/** The language of the step messages: the one asked for when supported, else the offer's notification language. */
export function statusLanguage(requested: string | undefined, projected: StatusView | undefined): string {
  return requested ?? chooseLanguage(projected?.language);
}

export function liveMarker(view: Pick<StatusView, 'live'> | undefined): LiveMarker | null {
  const live = view?.live;
  return live ? { attempt: live.attempt, time: live.time, catalogUrl: live.catalogUrl } : null;
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
 * projection has not seen yet shows as `notStarted` with every step not started. Messages are rendered
 * in `language` (default: the offer's notification language).
 */
export function statusResponse(
  publisherId: string,
  offerId: string,
  offer: { attempt: number },
  projected: StatusView | undefined,
  language: string = statusLanguage(undefined, projected),
): StatusResponse {
  const behind = !projected || projected.attempt < offer.attempt;
  const view = behind ? { ...(projected ?? initialStatusView(publisherId, offerId)), steps: initialStatusView(publisherId, offerId).steps } : projected;
  const status = displayedStatus(offer, projected);
  return {
    publisherId,
    offerId,
    status,
    attempt: offer.attempt,
    // a view stored before VIEW_VERSION 1 has none until the projection is rebuilt
    messages: behind ? [] : (view.messages ?? []).map((m) => ({ ...responseMessage(m, language), step: m.step })),
    steps: view.steps.map((s) => ({
      id: s.id,
      stepName: render(`step.${s.id}`, {}, language),
      description: render(`step-description.${s.id}`, {}, language),
      status: s.status,
      estimatedTimeFrame: render(`step-timeframe.${s.id}`, {}, language),
      startTime: s.startTime,
      endTime: s.endTime,
      progressPercentage: s.progressPercentage,
      messages: s.messages.map((m) => responseMessage(m, language)),
    })),
    live: liveMarker(view),
    previewLinks: !behind && view.preview ? [{ displayText: 'Preview', uri: view.preview.url }] : [],
    liveLinks: view.live ? [{ displayText: 'Live', uri: view.live.catalogUrl }] : [],
    notificationEmails: behind ? '' : view.notificationEmails.join(','),
    notifications: behind
      ? []
      : view.notifications.map((n) => ({
          aboutEventId: n.aboutEventId,
          aboutEventType: n.aboutEventType,
          status: n.status,
          recipients: n.recipients,
          subject: n.subject,
          reason: n.reason,
          timestamp: n.timestamp,
        })),
    submittedBy: behind ? null : view.submittedBy,
    submittedTime: behind ? null : view.submittedTime,
    lastEventTime: view.lastEventTime,
  };
}

/** Bumped when statusResponse changes what it makes of a view (the message catalogues are hashed in). */
const RESPONSE_SHAPE = 1;

/**
 * What a stored response text was rendered with: the fold, the response's shape and the message
 * catalogues. A text of another version (written before a deploy changed any of them) is not sent: the
 * view is rendered again instead.
 */
export const RESPONSE_TEXT_VERSION = createHash('sha256')
  .update(JSON.stringify({ view: VIEW_VERSION, shape: RESPONSE_SHAPE, catalogues: CATALOGUES }))
  .digest('hex')
  .slice(0, 16);

/** A status response as the projection stores it beside its view: ready-to-send JSON, and its language. */
export interface ResponseText {
  json: string;
  language: string;
}

/**
 * The response GET status sends for a view while the offer's latest attempt is the view's and the reader
 * asks for no other language than the offer's notification language: rendered once when the view changes
 * instead of on every read (the status view is polled by every portal page and script).
 */
export function responseText(view: StatusView): ResponseText {
  const language = statusLanguage(undefined, view);
  return { json: responseJson(statusResponse(view.publisherId, view.offerId, { attempt: view.attempt }, view, language)), language };
}

/** A response as JSON text: every object of it is built key by key, so equal views give equal text. */
export function responseJson(response: StatusResponse): string {
  return JSON.stringify(response);
}
