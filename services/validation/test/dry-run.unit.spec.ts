import { createOfferEvent, type OfferEvent } from '@mkt/events';
import { dryRun } from '@mkt/stages';
import { eventOf, submittedOf } from '@mkt/testing';
import { validationDryRun } from '../src/domain/dry-run';
import { validateSubmission, validationOutcome } from '../src/domain/validate';
import { completeOffer, NOTIFICATION_EMAILS } from './offers';

/** What validation recorded for `cause`: its verdict, caused by the OfferSubmitted. */
function recordedVerdict(
  cause: OfferEvent,
  outcome = validationOutcome(validateSubmission({ offer: (cause.data as unknown as { offer: never }).offer, notificationEmails: NOTIFICATION_EMAILS })),
) {
  return createOfferEvent(
    outcome.type,
    outcome.data as never,
    { subject: cause.subject, attempt: cause.attempt, correlationId: cause.correlationId, causationId: cause.id },
    { source: '/marketplace/validation' },
  ) as OfferEvent;
}

test('a rejected attempt, then a fixed one: the dry run judges each snapshot again and reproduces both verdicts', () => {
  const broken = { ...completeOffer(), title: '' };
  const first = submittedOf(1, { offer: broken, emails: NOTIFICATION_EMAILS });
  const second = submittedOf(2, { offer: completeOffer(), emails: NOTIFICATION_EMAILS });
  const log = [first, recordedVerdict(first), second, recordedVerdict(second)];

  const report = dryRun(validationDryRun, log);

  expect(report.reproduced).toBe(true);
  const [rejected, , validated] = report.steps;
  expect(rejected).toMatchObject({ input: { type: 'OfferSubmitted', attempt: 1 }, outcome: 'accepted', jobs: ['validate'], sameTypes: true, sameData: true });
  expect(rejected.wouldEmit.map((e) => e.type)).toEqual(['PrerequisitesRejected']);
  expect(validated.wouldEmit.map((e) => e.type)).toEqual(['PrerequisitesValidated']);
  // validation ignores its own verdicts
  expect(report.steps[1]).toMatchObject({ outcome: 'ignored', wouldEmit: [], recorded: [] });
});

test('a verdict today rules would not give is reported as a difference, with both sides', () => {
  const submitted = submittedOf(1, { offer: completeOffer(), emails: NOTIFICATION_EMAILS });
  const wrongVerdict = recordedVerdict(submitted, {
    type: 'PrerequisitesRejected',
    data: { problems: [{ path: 'title', code: 'required', message: 'x' }] },
  } as never);

  const report = dryRun(validationDryRun, [submitted, wrongVerdict]);

  expect(report.reproduced).toBe(false);
  expect(report.steps[0]).toMatchObject({ sameTypes: false, recorded: [{ type: 'PrerequisitesRejected' }] });
  expect(report.steps[0].wouldEmit.map((e) => e.type)).toEqual(['PrerequisitesValidated']);
});

test('a canceled attempt asks for no verdict, and an older attempt arriving late is ignored with its reason', () => {
  const second = submittedOf(2, { offer: completeOffer(), emails: NOTIFICATION_EMAILS });
  const canceled = eventOf('PublishCanceled', { canceledBy: 'alice' }, 2);
  const late = submittedOf(1, { offer: completeOffer(), emails: NOTIFICATION_EMAILS });
  const report = dryRun(validationDryRun, [second, recordedVerdict(second), canceled, late]);
  expect(report.steps[2]).toMatchObject({ input: { type: 'PublishCanceled' }, outcome: 'accepted', jobs: [] });
  expect(report.steps[3]).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('older') });
});
