import type { OfferEvent } from '@mkt/events';
import { evolve, foldEvents, initialStatusView, MESSAGE_LEVELS, VIEW_LIMITS, type StatusView, type StepStatus } from '../src/domain/status-view';
import { attemptEvents, OUTCOMES } from './fixtures/events';

const SUBJECT = 'contoso/vm-one';
const given = (...events: OfferEvent[][]) => foldEvents('contoso', 'vm-one', events.flat());
const stepStatuses = (view: StatusView): StepStatus[] => view.steps.map((s) => s.status);
const step = (view: StatusView, id: string) => view.steps.find((s) => s.id === id)!;

describe('evolve: the status view of one offer', () => {
  test('before any submission the offer was never published and every step is not started', () => {
    const view = initialStatusView('contoso', 'vm-one');
    expect(view.status).toBe('neverPublished');
    expect(view.steps.map((s) => s.id)).toEqual([
      'validate-prerequisites',
      'certification',
      'provisioning',
      'packaging',
      'preview',
      'publisher-signoff',
      'live',
    ]);
    expect(stepStatuses(view)).toEqual(Array(7).fill('notStarted'));
  });

  test('OfferSubmitted starts the attempt at step 1 with the submission details', () => {
    const [submitted] = attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'submitted' });
    const view = evolve(initialStatusView('contoso', 'vm-one'), submitted);
    expect(view).toMatchObject({ attempt: 1, status: 'running', submittedBy: 'alice', notificationEmails: ['owner@contoso.example'] });
    expect(view.previewSubscriptionIds).toEqual(['11111111-2222-3333-4444-555555555555']);
    expect(step(view, 'validate-prerequisites')).toMatchObject({ status: 'inProgress', startTime: submitted.time, endTime: null });
  });

  test('rejected prerequisites: step 1 blocked with one error message per field, the offer failed', () => {
    const view = given(attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'rejected' }));
    expect(view.status).toBe('failed');
    const first = step(view, 'validate-prerequisites');
    expect(first.status).toBe('blocked');
    expect(first.messages.filter((m) => m.level === 'error').map((m) => [m.field, m.code])).toEqual([
      ['title', 'required'],
      ['plans[0].imageVersions[0].osDiskUrl', 'invalid-url'],
    ]);
    expect(view.notifications.map((n) => n.subject)).toEqual(['Publishing started', 'Publishing failed: prerequisites']);
  });

  test('failed certification: each failed check is a message; a failed e-mail is recorded as failed', () => {
    const view = given(attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'certification-failed' }));
    expect(stepStatuses(view).slice(0, 3)).toEqual(['complete', 'blocked', 'notStarted']);
    expect(step(view, 'certification').messages.map((m) => m.text)).toContain(
      'Plan standard, image 1.0.0, os disk: vhd-cookie: The footer has no conectix cookie.',
    );
    expect(view.notifications.at(-1)).toMatchObject({ status: 'failed', reason: 'SMTP 550 mailbox unavailable (after 5 tries)' });
  });

  test('replication progress updates one message and the percentage; failure blocks provisioning', () => {
    const events = attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'replication-failed' });
    const progressed = given(events.slice(0, -1));
    expect(step(progressed, 'provisioning')).toMatchObject({ status: 'inProgress', progressPercentage: 50 });
    expect(
      step(progressed, 'provisioning')
        .messages.filter((m) => m.code === 'replication-progress')
        .map((m) => m.text),
    ).toEqual(['Replicated to 2 of 4 regions.']);
    const failed = given(events);
    expect(failed.status).toBe('failed');
    expect(step(failed, 'provisioning').messages.map((m) => m.text)).toContain('westeurope: quota exceeded (after 3 tries)');
  });

  test('PreviewReady: packaging and preview complete, sign-off waits for the publisher, with the preview link', () => {
    const view = given(attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'preview' }));
    expect(view.status).toBe('waitingForPublisherReview');
    expect(stepStatuses(view)).toEqual(['complete', 'complete', 'complete', 'complete', 'complete', 'waitingForPublisherReview', 'notStarted']);
    expect(view.preview).toEqual({ attempt: 1, url: '/api/publishers/contoso/offers/vm-one/preview', productPageHash: 'sha256-contoso/vm-one-1' });
    expect(step(view, 'packaging').messages.some((m) => m.code === 'test-lead')).toBe(true);
  });

  test('Go Live then WentLive: every step complete, the offer succeeded with its live link', () => {
    const goingLive = given(attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'golive-requested' }));
    expect(goingLive.status).toBe('running');
    expect(stepStatuses(goingLive).slice(5)).toEqual(['complete', 'inProgress']);
    const live = given(attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'live' }));
    expect(live.status).toBe('succeeded');
    expect(stepStatuses(live)).toEqual(Array(7).fill('complete'));
    expect(live.live).toMatchObject({ attempt: 1, catalogUrl: 'https://marketplace.test/offers/contoso/vm-one', title: 'Contoso VM' });
  });

  test('cancel at sign-off sends the offer back to step 1 and removes the preview', () => {
    const view = given(attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'canceled' }));
    expect(view.status).toBe('canceled');
    expect(stepStatuses(view)).toEqual(['notStarted', 'notStarted', 'notStarted', 'notStarted', 'notStarted', 'canceled', 'notStarted']);
    expect(view.preview).toBeNull();
    expect(view.notifications.at(-1)?.subject).toBe('Publishing canceled');
  });

  test('events of an older attempt change nothing (same object back)', () => {
    const first = attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'preview', idPrefix: 'a1' });
    const second = attemptEvents({ subject: SUBJECT, attempt: 2, outcome: 'submitted', idPrefix: 'a2', start: new Date('2026-02-01T00:00:00Z') });
    const view = given(first, second);
    for (const stale of first) expect(evolve(view, stale)).toBe(view);
    expect(view.attempt).toBe(2);
    expect(view.preview).toBeNull();
    expect(view.attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 'canceled'], // superseded at sign-off
      [2, 'running'],
    ]);
  });

  test('an attempt that is over ignores further stage events but still records its e-mails', () => {
    const failed = given(attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'rejected' }));
    const late = attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'live', idPrefix: 'late' });
    const validated = late.find((e) => e.type === 'PrerequisitesValidated')!;
    expect(evolve(failed, validated)).toBe(failed);
    const mail = late.find((e) => e.type === 'NotificationSent')!;
    expect(evolve(failed, mail).notifications).toHaveLength(failed.notifications.length + 1);
  });

  test('a republished offer starts over at step 1 and keeps the live version in the catalog', () => {
    const live = attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'live', idPrefix: 'a1' });
    const again = attemptEvents({ subject: SUBJECT, attempt: 2, outcome: 'certification-failed', idPrefix: 'a2', start: new Date('2026-03-01T00:00:00Z') });
    const view = given(live, again);
    expect(view).toMatchObject({ attempt: 2, status: 'failed' });
    expect(view.live?.attempt).toBe(1);
    expect(view.attempts.map((a) => a.status)).toEqual(['succeeded', 'failed']);
  });

  test('the view is a pure function of the events: folding twice gives equal views, inputs are not mutated', () => {
    for (const outcome of OUTCOMES) {
      const events = attemptEvents({ subject: SUBJECT, attempt: 1, outcome, idPrefix: outcome });
      const frozen = JSON.stringify(events);
      expect(given(events)).toEqual(given(events));
      expect(JSON.stringify(events)).toBe(frozen);
    }
  });

  test('message levels are the Cloud Partner Portal ones: information, warning, error', () => {
    const levels = new Set<string>();
    for (const outcome of OUTCOMES) {
      const view = given(attemptEvents({ subject: SUBJECT, attempt: 1, outcome, idPrefix: outcome }));
      for (const m of [...view.messages, ...view.steps.flatMap((s) => s.messages)]) levels.add(m.level);
    }
    expect([...levels].sort()).toEqual(['error', 'information']);
    for (const level of levels) expect(MESSAGE_LEVELS).toContain(level);
  });

  test("top-level messages are the attempt's: the failing step's messages, naming the step; none while it goes well", () => {
    for (const outcome of ['submitted', 'preview', 'golive-requested', 'live'] as const) {
      expect(given(attemptEvents({ subject: SUBJECT, attempt: 1, outcome })).messages).toEqual([]);
    }
    const rejected = given(attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'rejected' }));
    expect(rejected.messages.map((m) => [m.step, m.level, m.field])).toEqual([
      ['validate-prerequisites', 'error', 'title'],
      ['validate-prerequisites', 'error', 'plans[0].imageVersions[0].osDiskUrl'],
    ]);
    const certification = given(attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'certification-failed' }));
    expect(certification.messages.every((m) => m.step === 'certification' && m.level === 'error')).toBe(true);
    expect(certification.messages.map(({ step: _, ...m }) => m)).toEqual(step(certification, 'certification').messages.filter((m) => m.level === 'error'));
    const packaging = given(attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'packaging-failed' }));
    expect(packaging.messages.map((m) => [m.step, m.level, m.code])).toEqual([
      ['packaging', 'error', expect.any(String)],
      ['packaging', 'information', 'next-action'],
    ]);
    const goLive = given(attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'golive-failed' }));
    expect(goLive.messages.map((m) => m.step)).toEqual(['live', 'live']);
    const canceled = given(attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'canceled' }));
    expect(canceled.messages.map((m) => [m.step, m.code])).toEqual([['publisher-signoff', 'canceled']]);
  });

  test('a new attempt starts with no top-level messages', () => {
    const failed = attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'certification-failed', idPrefix: 'a1' });
    const again = attemptEvents({ subject: SUBJECT, attempt: 2, outcome: 'submitted', idPrefix: 'a2', start: new Date('2026-02-01T00:00:00Z') });
    expect(given(failed).messages.length).toBeGreaterThan(0);
    expect(given(failed, again).messages).toEqual([]);
  });

  test('the live version stays marked while a newer attempt runs, fails or is canceled', () => {
    const live = attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'live', idPrefix: 'a1' });
    const wentLive = live.find((e) => e.type === 'WentLive')!;
    const marker = { attempt: 1, time: wentLive.time, catalogUrl: 'https://marketplace.test/offers/contoso/vm-one' };
    for (const outcome of OUTCOMES) {
      const again = attemptEvents({ subject: SUBJECT, attempt: 2, outcome, idPrefix: `a2-${outcome}`, start: new Date('2026-03-01T00:00:00Z') });
      const view = given(live, again);
      expect(view.attempt).toBe(2);
      expect(view.live).toMatchObject(outcome === 'live' ? { attempt: 2 } : marker);
    }
  });

  test('replication progress on failure comes from the per-region results, whatever the last progress report said', () => {
    const events = attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'replication-failed' });
    const failure = events.find((e) => e.type === 'ReplicationFailed')!;
    const withoutReports = events.filter((e) => e.type !== 'ImageReplicationProgressed');
    const views = [given(events), given(withoutReports)];
    for (const view of views) {
      // 3 of 4 replicated (one region failed)
      expect(step(view, 'provisioning')).toMatchObject({ status: 'blocked', progressPercentage: 75, endTime: failure.time });
      expect(
        step(view, 'provisioning')
          .messages.filter((m) => m.code === 'replication-progress')
          .map((m) => m.text),
      ).toEqual(['Replicated to 3 of 4 regions.']);
    }
    expect(step(views[0], 'provisioning')).toEqual(step(views[1], 'provisioning'));
    expect(views[0].messages.map((m) => [m.step, m.code])).toEqual([
      ['provisioning', 'replication-failed'],
      ['provisioning', 'region-failed'],
    ]);
  });

  test('a failed replication never shows 100%: the progress is rounded down', () => {
    const events = attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'replication-failed' }).map((e) =>
      e.type === 'ReplicationFailed' ? { ...e, data: { ...e.data, regionsReplicated: 199 } } : e,
    );
    expect(step(given(events), 'provisioning').progressPercentage).toBe(99);
  });

  test('messages per step are bounded, with a note of how many were left out', () => {
    const [submitted] = attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'submitted' });
    const rejected = attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'rejected' })[2] as Extract<OfferEvent, { type: 'PrerequisitesRejected' }>;
    const many = {
      ...rejected,
      data: { problems: Array.from({ length: 1000 }, (_, i) => ({ path: `plans[${i}].id`, code: 'required', message: 'Give the plan an id.' })) },
    };
    const view = evolve(evolve(initialStatusView('contoso', 'vm-one'), submitted), many);
    const messages = step(view, 'validate-prerequisites').messages;
    expect(messages).toHaveLength(VIEW_LIMITS.messagesPerStep);
    expect(messages.at(-1)).toMatchObject({ code: 'truncated', level: 'warning' });
    expect(view.messages).toHaveLength(VIEW_LIMITS.messagesPerStep);
    expect(view.messages.at(-1)).toMatchObject({ code: 'truncated', level: 'warning', step: 'validate-prerequisites' });
  });
});
