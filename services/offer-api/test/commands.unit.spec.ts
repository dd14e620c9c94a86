import type { OfferEvent } from '@mkt/events';
import { attemptStatus, decide, parseNotificationEmails, type CommandPhase, type OfferCommand, type OfferCommandState } from '../src/domain/commands';
import { decideDelete, decidePut, etagOf, isSlug, parseEntityTags } from '../src/domain/drafts';
import { operationStatus } from '../src/domain/operations';
import { statusResponse } from '../src/domain/status-response';
import { foldEvents } from '../src/domain/status-view';
import { attemptEvents, SAMPLE_DRAFT, type AttemptOutcome } from './fixtures/events';

const SUBJECT = 'contoso/vm-one';
const publish: OfferCommand = {
  kind: 'publish',
  publisherId: 'contoso',
  offerId: 'vm-one',
  requestedBy: 'alice',
  notificationEmails: ['a@x.com'],
  language: 'en',
  draft: SAMPLE_DRAFT,
};
const golive: OfferCommand = { kind: 'golive', requestedBy: 'alice' };
const cancel: OfferCommand = { kind: 'cancel', requestedBy: 'alice', reason: 'typo' };

function stateAfter(outcome: AttemptOutcome, phase: CommandPhase = 'submitted'): OfferCommandState {
  const events: OfferEvent[] = attemptEvents({ subject: SUBJECT, attempt: 1, outcome });
  return { attempt: 1, phase, view: foldEvents('contoso', 'vm-one', events) };
}

describe('decide: publisher commands against the offer state', () => {
  const never: OfferCommandState = { attempt: 0, phase: 'none', view: undefined };
  const queued: OfferCommandState = { attempt: 1, phase: 'submitted', view: undefined };

  test('Publish of a never-published offer starts attempt 1 with the full draft snapshot', () => {
    const decision = decide(never, publish);
    expect(decision).toMatchObject({ accepted: true, attempt: 1, phase: 'submitted', newAttempt: true });
    if (!decision.accepted || decision.event.type !== 'OfferSubmitted') throw new Error('expected OfferSubmitted');
    expect(decision.event.data).toEqual({
      publisherId: 'contoso',
      offerId: 'vm-one',
      notificationEmails: ['a@x.com'],
      language: 'en',
      submittedBy: 'alice',
      offer: SAMPLE_DRAFT,
    });
  });

  // every state x every command: [state, publish, golive, cancel]
  const matrix: Array<[string, OfferCommandState, boolean, boolean, boolean]> = [
    ['never published', never, true, false, false],
    ['accepted, not yet projected', queued, false, false, false],
    ['in prerequisite validation', stateAfter('submitted'), false, false, false],
    ['rejected', stateAfter('rejected'), true, false, false],
    ['certification failed', stateAfter('certification-failed'), true, false, false],
    ['replication failed', stateAfter('replication-failed'), true, false, false],
    ['packaging failed', stateAfter('packaging-failed'), true, false, false],
    ['at sign-off (preview ready)', stateAfter('preview'), false, true, true],
    ['Go Live accepted, not yet projected', stateAfter('preview', 'goLiveRequested'), false, false, false],
    ['going live', stateAfter('golive-requested', 'goLiveRequested'), false, false, false],
    ['go-live failed', stateAfter('golive-failed', 'goLiveRequested'), true, false, false],
    ['live', stateAfter('live', 'goLiveRequested'), true, false, false],
    ['cancel accepted, not yet projected', stateAfter('preview', 'canceled'), true, false, false],
    ['canceled', stateAfter('canceled', 'canceled'), true, false, false],
  ];

  test.each(matrix)('%s: publish %p, golive %p, cancel %p', (_name, state, canPublish, canGoLive, canCancel) => {
    expect(decide(state, publish).accepted).toBe(canPublish);
    expect(decide(state, golive).accepted).toBe(canGoLive);
    expect(decide(state, cancel).accepted).toBe(canCancel);
  });

  test('a refusal says why, in the words of the current step', () => {
    const inCertification: OfferCommandState = {
      attempt: 1,
      phase: 'submitted',
      view: foldEvents('contoso', 'vm-one', attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'live' }).slice(0, 4)),
    };
    expect(decide(inCertification, cancel)).toEqual({
      accepted: false,
      code: 'cancel-not-allowed',
      reason: 'cancel is possible only at publisher sign-off; the offer is in certification',
    });
    expect(decide(stateAfter('preview'), publish)).toMatchObject({
      accepted: false,
      code: 'publish-not-allowed',
      reason: expect.stringContaining('waiting for publisher sign-off'),
    });
    expect(decide(stateAfter('live', 'goLiveRequested'), golive)).toMatchObject({ accepted: false, reason: expect.stringContaining('the offer is live') });
  });

  test('a Publish refused because the accepted attempt has not started says so, without calling it running', () => {
    const accepted: OfferCommandState = {
      attempt: 2,
      phase: 'submitted',
      view: foldEvents('contoso', 'vm-one', attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'rejected' })),
    };
    const refusal = decide(accepted, publish);
    expect(refusal).toEqual({
      accepted: false,
      code: 'publish-not-allowed',
      reason: 'publish is not possible yet: attempt 2 was accepted and has not started; wait for it to start, then follow it in the status view',
    });
    expect(refusal.accepted === false && refusal.reason).not.toMatch(/running/);
  });

  test('republishing after a failure starts the next attempt; Go Live and Cancel stay on the current one', () => {
    const third = foldEvents(
      'contoso',
      'vm-one',
      [1, 2, 3].flatMap((attempt) => attemptEvents({ subject: SUBJECT, attempt, outcome: 'rejected', idPrefix: `a${attempt}` })),
    );
    expect(decide({ attempt: 3, phase: 'submitted', view: third }, publish)).toMatchObject({ accepted: true, attempt: 4 });
    expect(decide(stateAfter('preview'), golive)).toMatchObject({
      accepted: true,
      attempt: 1,
      phase: 'goLiveRequested',
      event: { type: 'GoLiveRequested', data: { requestedBy: 'alice' } },
    });
    expect(decide(stateAfter('preview'), cancel)).toMatchObject({
      accepted: true,
      attempt: 1,
      phase: 'canceled',
      event: { type: 'PublishCanceled', data: { canceledBy: 'alice', reason: 'typo' } },
    });
  });

  test('attemptStatus: the write side is ahead of the projection', () => {
    expect(attemptStatus(queued).status).toBe('notStarted');
    expect(attemptStatus(stateAfter('preview', 'goLiveRequested'))).toEqual({ status: 'running', step: 'live' });
    expect(attemptStatus(stateAfter('preview', 'canceled')).status).toBe('canceled');
  });

  test('notification e-mails: the CPP comma-separated string or a list', () => {
    expect(parseNotificationEmails('a@x.com, b@y.com;c@z.com')).toEqual(['a@x.com', 'b@y.com', 'c@z.com']);
    expect(parseNotificationEmails(['a@x.com', ' b@y.com ,'])).toEqual(['a@x.com', 'b@y.com']);
  });
});

describe('draft preconditions', () => {
  test('offer ids are lower-case slugs', () => {
    for (const ok of ['a', 'vm-one', 'x1-2-3', 'a'.repeat(50)]) expect(isSlug(ok)).toBe(true);
    for (const bad of ['', 'VM', 'vm_one', '-vm', 'vm-', 'vm--one', 'a'.repeat(51), 'vm one', 'vm/one', 'é']) expect(isSlug(bad)).toBe(false);
  });

  test('create: no precondition or If-None-Match: *; If-Match on a missing offer fails', () => {
    expect(decidePut(undefined, undefined, undefined)).toEqual({ action: 'create' });
    expect(decidePut(undefined, undefined, '*')).toEqual({ action: 'create' });
    expect(decidePut(undefined, '"1"', undefined)).toMatchObject({ action: 'refuse', status: 412 });
  });

  test('update: If-Match required (428), must match (412), * matches anything', () => {
    const current = { version: 3 };
    expect(decidePut(current, undefined, undefined)).toMatchObject({ action: 'refuse', status: 428 });
    expect(decidePut(current, '"2"', undefined)).toMatchObject({ action: 'refuse', status: 412 });
    expect(decidePut(current, undefined, '*')).toMatchObject({ action: 'refuse', status: 412 });
    expect(decidePut(current, '"2", W/"3"', undefined)).toEqual({ action: 'update', expectedVersion: 3 });
    expect(decidePut(current, '*', undefined)).toEqual({ action: 'update', expectedVersion: 3 });
    expect(etagOf(3)).toBe('"3"');
    expect(parseEntityTags(' * ')).toBe('*');
  });

  test('only never-published drafts can be deleted', () => {
    expect(decideDelete({ version: 1, attempt: 0 }, undefined)).toEqual({ ok: true });
    expect(decideDelete({ version: 1, attempt: 1 }, undefined)).toMatchObject({ ok: false, status: 409 });
    expect(decideDelete({ version: 2, attempt: 0 }, '"1"')).toMatchObject({ ok: false, status: 412 });
  });
});

describe('operations and the status response', () => {
  test('an operation reads its status from the view of its attempt', () => {
    const preview = foldEvents('contoso', 'vm-one', attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'preview' }));
    const live = foldEvents('contoso', 'vm-one', attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'live' }));
    const canceled = foldEvents('contoso', 'vm-one', attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'canceled' }));
    expect(operationStatus({ command: 'publish', attempt: 1 }, undefined)).toBe('notStarted');
    expect(operationStatus({ command: 'publish', attempt: 1 }, preview)).toBe('succeeded');
    expect(operationStatus({ command: 'golive', attempt: 1 }, preview)).toBe('running');
    expect(operationStatus({ command: 'golive', attempt: 1 }, live)).toBe('succeeded');
    expect(operationStatus({ command: 'publish', attempt: 1 }, live)).toBe('succeeded');
    expect(operationStatus({ command: 'publish', attempt: 1 }, canceled)).toBe('canceled');
    expect(operationStatus({ command: 'cancel', attempt: 1 }, canceled)).toBe('succeeded');
  });

  test('an accepted Publish not yet projected shows notStarted with no step started', () => {
    const live = foldEvents('contoso', 'vm-one', attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'live' }));
    const response = statusResponse('contoso', 'vm-one', { attempt: 2 }, live);
    expect(response.status).toBe('notStarted');
    expect(response.steps.every((s) => s.status === 'notStarted')).toBe(true);
    expect(response.liveLinks).toEqual([{ displayText: 'Live', uri: 'https://marketplace.test/offers/contoso/vm-one' }]);
  });

  test('messages carry CPP messageHtml, escaped', () => {
    const rejected = foldEvents('contoso', 'vm-one', attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'rejected' }));
    const withTag = {
      ...rejected,
      steps: rejected.steps.map((s, i) => (i === 0 ? { ...s, messages: [{ level: 'error' as const, text: '<b>x</b> & y', timestamp: 't' }] } : s)),
    };
    const response = statusResponse('contoso', 'vm-one', { attempt: 1 }, withTag);
    expect(response.steps[0].messages[0].messageHtml).toBe('&lt;b&gt;x&lt;/b&gt; &amp; y');
    expect(response.notificationEmails).toBe('owner@contoso.example');
  });
});
