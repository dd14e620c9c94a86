import type { CommandKind } from './commands';
import type { OfferStatus, StatusView } from './status-view';

export type OperationStatus = 'notStarted' | 'running' | 'waitingForPublisherReview' | 'succeeded' | 'failed' | 'canceled';

export interface OperationRecord {
  command: CommandKind;
  attempt: number;
}

/** An operation's status, read from the status view of its attempt. */
export function operationStatus(op: OperationRecord, view: StatusView | undefined): OperationStatus {
  const status = attemptStatusOf(op.attempt, view);
  switch (op.command) {
    case 'publish': {
      // a publish operation's work ends at preview: what follows is the publisher's Go Live
      const previewed = view?.attempt === op.attempt && view.steps.some((s) => s.id === 'preview' && s.status === 'complete');
      return previewed ? 'succeeded' : status === 'neverPublished' ? 'notStarted' : status;
    }
    case 'golive':
      return status === 'waitingForPublisherReview' ? 'running' : status === 'neverPublished' ? 'notStarted' : status;
    case 'cancel':
      return status === 'canceled' ? 'succeeded' : 'running';
  }
}

function attemptStatusOf(attempt: number, view: StatusView | undefined): OfferStatus {
  if (!view || view.attempt < attempt) return 'notStarted';
  if (view.attempt === attempt) return view.status;
  return view.attempts.find((a) => a.attempt === attempt)?.status ?? 'canceled';
}

/** An accepted command as publishers poll it (the Operation-Location of Publish, Go Live and Cancel). */
export interface Operation {
  id: string;
  command: CommandKind;
  publisherId: string;
  offerId: string;
  attempt: number;
  status: OperationStatus;
  eventId: string;
  requestedBy: string;
  createdTime: string;
}
