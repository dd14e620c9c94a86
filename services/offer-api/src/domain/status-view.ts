import { PUBLISHING_STEPS, unhandledEvent, type OfferEvent, type OfferEventOf, type PublishingStepId } from '@mkt/events';
import { say, type Said, type SaidPart } from './status-text';

/**
 * The status view of one offer, in the shape of the Cloud Partner Portal API (api-version 2017-10-31),
 * and `evolve`, the pure function that folds the offer's events into it. Time comes from the events,
 * never from a clock, so that a replay from offset 0 gives exactly the same view.
 */

/** The offer an event is about, when its subject is `publisherId/offerId` (the only subjects the projection places). */
export function projectableSubject(subject: string): { publisherId: string; offerId: string } | undefined {
  const [publisherId, offerId, ...rest] = subject.split('/');
  if (rest.length > 0 || !publisherId || !offerId || publisherId.length > 200 || offerId.length > 200) return undefined;
  return { publisherId, offerId };
}

export const OFFER_STATUSES = ['neverPublished', 'notStarted', 'running', 'waitingForPublisherReview', 'succeeded', 'canceled', 'failed'] as const;
export type OfferStatus = (typeof OFFER_STATUSES)[number];

export const STEP_STATUSES = ['notStarted', 'inProgress', 'waitingForPublisherReview', 'complete', 'blocked', 'canceled'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** The Cloud Partner Portal's message levels. */
export const MESSAGE_LEVELS = ['information', 'warning', 'error'] as const;
export type MessageLevel = (typeof MESSAGE_LEVELS)[number];

/**
 * Version of the fold: bump it whenever `evolve` would fold the same events into a different view. Each
 * stored view row records the version that folded it; at start-up offer-api rebuilds the projection from
 * the log when a stored view is older (persistence/projection.ts, application/stale-views.ts).
 * 1: levels and messages of the Cloud Partner Portal, top-level messages, replication progress on failure.
 */
export const VIEW_VERSION = 1;

export interface StepMessage {
  level: MessageLevel;
  text: string;
  timestamp: string;
  /** Machine-readable code, e.g. the validation rule or the certification check. */
  code?: string;
  /** Path into the offer for per-field validation messages. */
  field?: string;
  /** The message by code in libs/messages (`text` is its English rendering); status-text.ts renders it per language. */
  messageCode?: string;
  params?: Record<string, string | number>;
  /** Parameters that are messages of their own (a field problem's, a check's, a stage's reason), rendered first. */
  parts?: Record<string, SaidPart>;
}

/** A message of the attempt as a whole (top-level `messages`): a step's message, with the step it is about. */
export interface AttemptMessage extends StepMessage {
  step: PublishingStepId;
}

export interface StepView {
  id: PublishingStepId;
  stepName: string;
  description: string;
  status: StepStatus;
  estimatedTimeFrame: string;
  startTime: string | null;
  endTime: string | null;
  progressPercentage: number;
  messages: StepMessage[];
}

export interface NotificationRecord {
  aboutEventId: string;
  aboutEventType: string;
  status: 'sent' | 'failed';
  recipients: string[];
  subject: string | null;
  reason: string | null;
  timestamp: string;
}

export interface AttemptSummary {
  attempt: number;
  status: OfferStatus;
  submittedTime: string;
  endTime: string | null;
}

export interface LiveVersion {
  attempt: number;
  catalogUrl: string;
  title: string | null;
  summary: string | null;
  time: string;
}

export interface StatusView {
  publisherId: string;
  offerId: string;
  /** The attempt the view shows; 0 before the first OfferSubmitted. */
  attempt: number;
  status: OfferStatus;
  correlationId: string | null;
  submittedBy: string | null;
  submittedTime: string | null;
  notificationEmails: string[];
  language: string;
  /** From the submitted snapshot of the current attempt: who may see the preview, and the catalog text. */
  previewSubscriptionIds: string[];
  title: string | null;
  summary: string | null;
  /** Set when PreviewReady of the current attempt has been seen. */
  preview: { attempt: number; url: string; productPageHash: string } | null;
  /** The version in the public catalog; stays while later attempts run, fail or are canceled. */
  live: LiveVersion | null;
  /** The attempt's messages (the Cloud Partner Portal's top-level `messages`): why it failed or was canceled. */
  messages: AttemptMessage[];
  steps: StepView[];
  notifications: NotificationRecord[];
  /** The offer's attempts, oldest first (bounded). */
  attempts: AttemptSummary[];
  lastEventTime: string | null;
}

/** Bounds so that one offer's view stays small whatever the stages report. */
export const VIEW_LIMITS = { messagesPerStep: 200, notifications: 100, attempts: 50 } as const;

const FINAL_STATUSES: ReadonlySet<OfferStatus> = new Set(['succeeded', 'failed', 'canceled']);

export function isFinal(status: OfferStatus): boolean {
  return FINAL_STATUSES.has(status);
}

function freshSteps(): StepView[] {
  return PUBLISHING_STEPS.map((step) => ({
    id: step.id,
    stepName: step.stepName,
    description: step.description,
    status: 'notStarted',
    estimatedTimeFrame: step.estimatedTimeFrame,
    startTime: null,
    endTime: null,
    progressPercentage: 0,
    messages: [],
  }));
}

export function initialStatusView(publisherId: string, offerId: string): StatusView {
  return {
    publisherId,
    offerId,
    attempt: 0,
    status: 'neverPublished',
    correlationId: null,
    submittedBy: null,
    submittedTime: null,
    notificationEmails: [],
    language: 'en',
    previewSubscriptionIds: [],
    title: null,
    summary: null,
    preview: null,
    live: null,
    messages: [],
    steps: freshSteps(),
    notifications: [],
    attempts: [],
    lastEventTime: null,
  };
}

/** The step the attempt is at: the first one that is neither done nor untouched. */
export function currentStep(view: StatusView): StepView | undefined {
  return (
    view.steps.find((s) => s.status === 'inProgress' || s.status === 'waitingForPublisherReview' || s.status === 'blocked' || s.status === 'canceled') ??
    undefined
  );
}

// ---------------------------------------------------------------------------------------------
// Small immutable helpers

type StepPatch = Partial<Omit<StepView, 'messages' | 'id'>> & { add?: StepMessage[]; replaceCode?: string };

function patchStep(view: StatusView, id: PublishingStepId, patch: StepPatch): StatusView {
  const { add = [], replaceCode, ...fields } = patch;
  return {
    ...view,
    steps: view.steps.map((step) => {
      if (step.id !== id) return step;
      const kept = replaceCode ? step.messages.filter((m) => m.code !== replaceCode) : step.messages;
      return { ...step, ...fields, messages: boundMessages([...kept, ...add]) };
    }),
  };
}

function boundMessages<M extends StepMessage>(messages: M[], truncated: (message: StepMessage) => M = (m) => m as M): M[] {
  if (messages.length <= VIEW_LIMITS.messagesPerStep) return messages;
  const kept = messages.slice(0, VIEW_LIMITS.messagesPerStep - 1);
  const last = messages[messages.length - 1];
  const omitted = messages.length - kept.length;
  return [...kept, truncated({ level: 'warning', ...say('status.truncated', { omitted }), timestamp: last.timestamp, code: 'truncated' })];
}

/** The step's messages are also the attempt's (top-level), naming the step. */
function withAttemptMessages(view: StatusView, id: PublishingStepId, add: StepMessage[]): StatusView {
  const step = (m: StepMessage): AttemptMessage => ({ ...m, step: id });
  return { ...view, messages: boundMessages([...view.messages, ...add.map(step)], step) };
}

function start(view: StatusView, id: PublishingStepId, time: string, add: StepMessage[] = []): StatusView {
  const step = view.steps.find((s) => s.id === id);
  return patchStep(view, id, { status: 'inProgress', startTime: step?.startTime ?? time, endTime: null, add });
}

function complete(view: StatusView, id: PublishingStepId, time: string, add: StepMessage[] = []): StatusView {
  const step = view.steps.find((s) => s.id === id);
  return patchStep(view, id, { status: 'complete', startTime: step?.startTime ?? time, endTime: time, progressPercentage: 100, add });
}

function block(view: StatusView, id: PublishingStepId, time: string, add: StepMessage[]): StatusView {
  const step = view.steps.find((s) => s.id === id);
  const blocked = patchStep(view, id, { status: 'blocked', startTime: step?.startTime ?? time, endTime: time, add });
  return withStatus(withAttemptMessages(blocked, id, add), 'failed', time);
}

function withStatus(view: StatusView, status: OfferStatus, time: string): StatusView {
  const attempts = view.attempts.map((a) => (a.attempt === view.attempt ? { ...a, status, endTime: isFinal(status) ? time : null } : a));
  return { ...view, status, attempts };
}

function info(said: Said, timestamp: string, code?: string): StepMessage {
  return code ? { level: 'information', ...said, timestamp, code } : { level: 'information', ...said, timestamp };
}

/** A message of an event item by its code, or its English text when it has none (`text` renders it as is). */
function partOf(code: string | undefined, params: Record<string, string | number> | undefined, text: string): SaidPart {
  return code ? { code, params: params ?? {} } : { code: 'text', params: { text } };
}

function failureMessages(
  failure: { code: string; reason: string; action: string; reasonCode?: string; actionCode?: string; params?: Record<string, string | number> },
  timestamp: string,
): StepMessage[] {
  const reason = partOf(failure.reasonCode, failure.params, failure.reason);
  const action = partOf(failure.actionCode, failure.actionCode ? failure.params : { text: failure.action }, failure.action);
  return [
    { level: 'error', ...say('status.stage-failure', {}, { detail: reason }), timestamp, code: failure.code },
    { level: 'information', ...say('status.next-action', {}, { detail: action }), timestamp, code: 'next-action' },
  ];
}

// ---------------------------------------------------------------------------------------------
// evolve

/**
 * The view after `event`. Returns the same object when the event changes nothing: events of an older
 * attempt, of an attempt that is over, or a repeated submission of the current attempt.
 */
export function evolve(view: StatusView, event: OfferEvent): StatusView {
  if (event.type === 'OfferSubmitted') return event.attempt > view.attempt ? submitted(view, event) : view;
  if (view.attempt === 0 || event.attempt !== view.attempt) return view;
  const time = event.time;
  const next = ((): StatusView => {
    // e-mail outcomes are recorded whatever the state of the attempt
    if (event.type === 'NotificationSent' || event.type === 'NotificationFailed') return notified(view, event);
    if (isFinal(view.status)) return view;
    switch (event.type) {
      case 'PrerequisitesValidated':
        return start(
          complete(view, 'validate-prerequisites', time, [info(say('status.validation-passed', { rules: event.data.rulesChecked }), time)]),
          'certification',
          time,
        );
      case 'PrerequisitesRejected':
        return block(view, 'validate-prerequisites', time, [
          ...event.data.problems.map((p): StepMessage => ({
            level: 'error',
            ...say('status.field-problem', { path: p.path }, { detail: partOf(p.messageCode, p.params, p.message) }),
            timestamp: time,
            code: p.code,
            field: p.path,
          })),
          ...(event.data.moreProblems
            ? [
                {
                  level: 'error',
                  ...say('status.more-problems', { count: event.data.moreProblems }),
                  timestamp: time,
                  code: 'more-problems',
                } satisfies StepMessage,
              ]
            : []),
        ]);
      case 'CertificationStarted':
        return start(view, 'certification', time, [info(say('status.certifying', { disks: event.data.disks }), time)]);
      case 'CertificationPassed':
        return start(
          complete(view, 'certification', time, [
            info(say('status.certification-passed', { checks: event.data.checks.length + (event.data.moreChecks ?? 0) }), time),
          ]),
          'provisioning',
          time,
        );
      case 'CertificationFailed':
        return block(view, 'certification', time, [
          {
            level: 'error',
            ...say(event.data.moreFailures ? 'status.certification-failed-listed' : 'status.certification-failed', {
              failed: event.data.failures.length + (event.data.moreFailures ?? 0),
              run: event.data.checksRun,
              listed: event.data.failures.length,
            }),
            timestamp: time,
            code: 'certification-failed',
          },
          ...event.data.failures.map((f): StepMessage => ({
            level: 'error',
            ...say(
              'status.check-failed',
              { planId: f.planId, imageVersion: f.imageVersion, disk: f.disk, check: f.check },
              { detail: partOf(f.messageCode, f.params, f.message) },
            ),
            timestamp: time,
            code: f.check,
          })),
        ]);
      case 'ReplicationStarted':
        return start(view, 'provisioning', time, [info(say('status.replicating', { images: event.data.images, regions: event.data.regions }), time)]);
      case 'ImageReplicationProgressed':
        return patchStep(start(view, 'provisioning', time), 'provisioning', {
          progressPercentage: Math.round(event.data.percentage),
          replaceCode: 'replication-progress',
          add: [info(say('status.replication-progress', { done: event.data.regionsDone, total: event.data.regionsTotal }), time, 'replication-progress')],
        });
      case 'ImagesReplicated':
        return start(
          complete(view, 'provisioning', time, [info(say('status.replicated', { regions: event.data.regions.length }), time, 'replication-progress')]),
          'packaging',
          time,
        );
      case 'ReplicationFailed':
        return block(replicationDone(view, event), 'provisioning', time, [
          {
            level: 'error',
            ...say('status.replication-failed', {
              failed: event.data.failedRegions.length,
              replicated: event.data.regionsReplicated,
              total: event.data.regionsReplicated + event.data.failedRegions.length,
            }),
            timestamp: time,
            code: 'replication-failed',
          },
          ...event.data.failedRegions.map((r): StepMessage => ({
            level: 'error',
            ...(r.reason === undefined && r.reasonCode === undefined
              ? say('status.region-failed-no-reason', { region: r.region, tries: r.tries })
              : say('status.region-failed', { region: r.region, tries: r.tries }, { detail: partOf(r.reasonCode, r.params, r.reason ?? '') })),
            timestamp: time,
            code: 'region-failed',
          })),
        ]);
      case 'PackagingStarted':
        return start(view, 'packaging', time, [info(say(event.data.leadGeneration ? 'status.packaging-started-lead' : 'status.packaging-started'), time)]);
      case 'PreviewReady':
        return previewReady(view, event);
      case 'PackagingFailed':
        return block(view, 'packaging', time, failureMessages(event.data, time));
      case 'GoLiveRequested':
        return withStatus(
          start(complete(view, 'publisher-signoff', time, [info(say('status.golive-requested', { by: event.data.requestedBy }), time)]), 'live', time),
          'running',
          time,
        );
      case 'WentLive':
        return wentLive(view, event);
      case 'GoLiveFailed':
        return block(view, 'live', time, failureMessages(event.data, time));
      case 'PublishCanceled':
        return canceled(view, event);
      default:
        return unhandledEvent(event, 'status view');
    }
  })();
  return next === view ? view : { ...next, lastEventTime: time };
}

function submitted(view: StatusView, event: OfferEventOf<'OfferSubmitted'>): StatusView {
  const time = event.time;
  const fresh: StatusView = {
    ...view,
    attempt: event.attempt,
    status: 'running',
    correlationId: event.correlationId,
    submittedBy: event.data.submittedBy,
    submittedTime: time,
    notificationEmails: event.data.notificationEmails,
    language: event.data.language,
    previewSubscriptionIds: event.data.offer.previewSubscriptionIds ?? [],
    title: event.data.offer.title ?? null,
    summary: event.data.offer.summary ?? null,
    preview: null,
    messages: [],
    steps: freshSteps(),
    notifications: [],
    attempts: [
      // an attempt still open when a newer one starts was superseded
      ...view.attempts.map((a) => (isFinal(a.status) ? a : { ...a, status: 'canceled' as const, endTime: time })),
      { attempt: event.attempt, status: 'running' as const, submittedTime: time, endTime: null },
    ].slice(-VIEW_LIMITS.attempts),
    lastEventTime: time,
  };
  return start(fresh, 'validate-prerequisites', time, [info(say('status.submitted', { attempt: event.attempt, by: event.data.submittedBy }), time)]);
}

/**
 * What replication did, from the per-region results of the outcome, not from the last progress report
 * (which came whenever the job happened to report): replicated of total, the same for the same events.
 */
function replicationDone(view: StatusView, event: OfferEventOf<'ReplicationFailed'>): StatusView {
  const time = event.time;
  const replicated = event.data.regionsReplicated;
  const total = replicated + event.data.failedRegions.length;
  return patchStep(start(view, 'provisioning', time), 'provisioning', {
    // rounded down: a failed step never shows 100%
    progressPercentage: total === 0 ? 0 : Math.floor((replicated * 100) / total),
    replaceCode: 'replication-progress',
    add: [info(say('status.replication-progress', { done: replicated, total }), time, 'replication-progress')],
  });
}

function previewReady(view: StatusView, event: OfferEventOf<'PreviewReady'>): StatusView {
  const time = event.time;
  const lead = event.data.testLead;
  const packaged = complete(view, 'packaging', time, [
    info(say('status.page-generated'), time),
    ...(lead ? [info(say('status.test-lead', { leadId: lead.leadId, destination: lead.destination }), time, 'test-lead')] : []),
  ]);
  const previewed = complete(packaged, 'preview', time, [info(say('status.preview-link', { url: event.data.previewUrl }), time, 'preview-link')]);
  const waiting = patchStep(previewed, 'publisher-signoff', {
    status: 'waitingForPublisherReview',
    startTime: time,
    add: [info(say('status.signoff-waiting'), time)],
  });
  return {
    ...withStatus(waiting, 'waitingForPublisherReview', time),
    preview: { attempt: event.attempt, url: event.data.previewUrl, productPageHash: event.data.productPageHash },
  };
}

function wentLive(view: StatusView, event: OfferEventOf<'WentLive'>): StatusView {
  const time = event.time;
  const live = complete(view, 'live', time, [info(say('status.live-link', { url: event.data.catalogUrl }), time, 'live-link')]);
  return {
    ...withStatus(live, 'succeeded', time),
    live: { attempt: event.attempt, catalogUrl: event.data.catalogUrl, title: view.title, summary: view.summary, time },
  };
}

/** Cancel sends the offer back to the start: every step not started, the sign-off step says why. */
function canceled(view: StatusView, event: OfferEventOf<'PublishCanceled'>): StatusView {
  const time = event.time;
  // the publisher's reason is quoted as given, so that it never runs into the sentence after it
  const reason = event.data.reason?.trim();
  const by = event.data.canceledBy;
  const reset: StatusView = { ...view, steps: freshSteps(), preview: null };
  const marked = patchStep(reset, 'publisher-signoff', {
    status: 'canceled',
    endTime: time,
    add: [info(reason ? say('status.canceled-with-reason', { by, reason }) : say('status.canceled', { by }), time, 'canceled')],
  });
  // the reason is also the attempt's message
  const said = marked.steps.find((s) => s.id === 'publisher-signoff')?.messages ?? [];
  return withStatus(withAttemptMessages(marked, 'publisher-signoff', said), 'canceled', time);
}

function notified(view: StatusView, event: OfferEventOf<'NotificationSent'> | OfferEventOf<'NotificationFailed'>): StatusView {
  const record: NotificationRecord =
    event.type === 'NotificationSent'
      ? {
          aboutEventId: event.data.aboutEventId,
          aboutEventType: event.data.aboutEventType,
          status: 'sent',
          recipients: event.data.recipients,
          subject: event.data.subject,
          reason: null,
          timestamp: event.time,
        }
      : {
          aboutEventId: event.data.aboutEventId,
          aboutEventType: event.data.aboutEventType,
          status: 'failed',
          recipients: event.data.recipients,
          subject: null,
          // the tries are said once: reasons written before they were their own field quoted them too
          reason: say('status.mail-failed', { detail: event.data.reason.replace(/^gave up after \d+ tries: /, 'gave up: '), tries: event.data.tries }).text,
          timestamp: event.time,
        };
  return { ...view, notifications: [...view.notifications, record].slice(-VIEW_LIMITS.notifications) };
}

/** Folds events in order (replay of one offer). */
export function foldEvents(publisherId: string, offerId: string, events: readonly OfferEvent[]): StatusView {
  return events.reduce(evolve, initialStatusView(publisherId, offerId));
}
