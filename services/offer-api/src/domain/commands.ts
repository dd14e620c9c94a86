import type { OfferDraft, OfferEventDraft, PublishingStepId } from '@mkt/events';
import { currentStep, type OfferStatus, type StatusView } from './status-view';

/**
 * Publisher commands (Publish, Go Live, Cancel) decided against the offer's current state. Pure: the
 * adapter loads the state under a row lock, calls `decide`, and writes the accepted event to the outbox.
 */

/** What offer-api itself last did on the offer's latest attempt (the write side, ahead of the projection). */
export type CommandPhase = 'none' | 'submitted' | 'goLiveRequested' | 'canceled';

export interface OfferCommandState {
  /** Latest attempt offer-api has started; 0 when never published. */
  attempt: number;
  phase: CommandPhase;
  /** The projected status view (may lag behind the write side). */
  view: StatusView | undefined;
}

export type OfferCommand =
  | { kind: 'publish'; publisherId: string; offerId: string; requestedBy: string; notificationEmails: string[]; language: string; draft: OfferDraft }
  | { kind: 'golive'; requestedBy: string }
  | { kind: 'cancel'; requestedBy: string; reason?: string };

export type CommandKind = OfferCommand['kind'];

export type CommandDecision =
  | { accepted: true; attempt: number; phase: CommandPhase; newAttempt: boolean; event: OfferEventDraft }
  | { accepted: false; code: 'publish-not-allowed' | 'golive-not-allowed' | 'cancel-not-allowed'; reason: string };

/** Where the latest attempt is, combining what offer-api did with what the projection has seen. */
export function attemptStatus(state: OfferCommandState): { status: OfferStatus; step?: PublishingStepId } {
  if (state.attempt === 0) return { status: 'neverPublished' };
  if (state.phase === 'canceled') return { status: 'canceled' };
  const view = state.view;
  if (!view || view.attempt < state.attempt) return { status: 'notStarted', step: 'validate-prerequisites' };
  // Go Live accepted but not projected yet: the attempt is already going live.
  if (state.phase === 'goLiveRequested' && view.status === 'waitingForPublisherReview') return { status: 'running', step: 'live' };
  return { status: view.status, step: currentStep(view)?.id };
}

const STEP_PHRASES: Record<PublishingStepId, string> = {
  'validate-prerequisites': 'prerequisite validation',
  certification: 'certification',
  provisioning: 'provisioning',
  packaging: 'packaging',
  preview: 'preview',
  'publisher-signoff': 'publisher sign-off',
  live: 'going live',
};

/** Where the offer is, in words, for refusal reasons. */
export function describeState(state: OfferCommandState): string {
  const { status, step } = attemptStatus(state);
  switch (status) {
    case 'neverPublished':
      return 'the offer has never been published';
    case 'notStarted':
      return 'the publishing attempt has not started yet';
    case 'running':
      return step === 'live' ? 'the offer is going live' : `the offer is in ${step ? STEP_PHRASES[step] : 'progress'}`;
    case 'waitingForPublisherReview':
      return 'the offer is waiting for publisher sign-off';
    case 'succeeded':
      return 'the offer is live';
    case 'failed':
      return `the last attempt failed${step ? ` at ${STEP_PHRASES[step]}` : ''}`;
    case 'canceled':
      return 'the last attempt was canceled';
  }
}

const CAN_PUBLISH: ReadonlySet<OfferStatus> = new Set(['neverPublished', 'succeeded', 'failed', 'canceled']);

export function decide(state: OfferCommandState, command: OfferCommand): CommandDecision {
  const { status } = attemptStatus(state);
  switch (command.kind) {
    case 'publish': {
      if (!CAN_PUBLISH.has(status)) {
        const hint = status === 'waitingForPublisherReview' ? ' (click Go Live or cancel first)' : '';
        // an accepted Publish whose attempt has not started is not "running" yet: say what it is
        const reason =
          status === 'notStarted'
            ? `publish is not possible yet: attempt ${state.attempt} was accepted and has not started; wait for it to start, then follow it in the status view`
            : `publish is not possible while an attempt is running; ${describeState(state)}${hint}`;
        return { accepted: false, code: 'publish-not-allowed', reason };
      }
      const attempt = state.attempt + 1;
      return {
        accepted: true,
        attempt,
        phase: 'submitted',
        newAttempt: true,
        event: {
          type: 'OfferSubmitted',
          data: {
            publisherId: command.publisherId,
            offerId: command.offerId,
            notificationEmails: command.notificationEmails,
            language: command.language,
            submittedBy: command.requestedBy,
            offer: command.draft,
          },
        },
      };
    }
    case 'golive':
      if (status !== 'waitingForPublisherReview') {
        return {
          accepted: false,
          code: 'golive-not-allowed',
          reason: `go live is possible only at publisher sign-off (preview ready); ${describeState(state)}`,
        };
      }
      return {
        accepted: true,
        attempt: state.attempt,
        phase: 'goLiveRequested',
        newAttempt: false,
        event: { type: 'GoLiveRequested', data: { requestedBy: command.requestedBy } },
      };
    case 'cancel':
      if (status !== 'waitingForPublisherReview') {
        return { accepted: false, code: 'cancel-not-allowed', reason: `cancel is possible only at publisher sign-off; ${describeState(state)}` };
      }
      return {
        accepted: true,
        attempt: state.attempt,
        phase: 'canceled',
        newAttempt: false,
        event: {
          type: 'PublishCanceled',
          data: command.reason ? { canceledBy: command.requestedBy, reason: command.reason } : { canceledBy: command.requestedBy },
        },
      };
  }
}

/**
 * The notification addresses of a Publish request: the Cloud Partner Portal's comma-separated string, or
 * a list. Only shape is checked here; whether each address is valid is a prerequisite rule (step 1).
 */
export function parseNotificationEmails(value: string | string[]): string[] {
  const parts = Array.isArray(value) ? value.flatMap((v) => v.split(/[,;]/)) : value.split(/[,;]/);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}
