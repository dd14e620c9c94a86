import { onOfferSubmitted, onPrerequisitesValidated, onPublishCanceled, parseAttemptSeen } from '../src/domain';

const NOW = new Date('2026-11-20T12:00:00Z');

describe('OfferSubmitted', () => {
  test('given a first attempt, then it is recorded as submitted', () => {
    expect(onOfferSubmitted(undefined, 1)).toEqual({ kind: 'record', next: { attempt: 1, state: 'submitted' }, cancelBefore: 1 });
  });

  test('given attempt 1 certifying, when attempt 2 is submitted, then it supersedes attempt 1', () => {
    expect(onOfferSubmitted({ attempt: 1, state: 'certifying' }, 2)).toEqual({ kind: 'record', next: { attempt: 2, state: 'submitted' }, cancelBefore: 2 });
  });

  test('given attempt 2, when attempt 1 is submitted late, then nothing changes', () => {
    expect(onOfferSubmitted({ attempt: 2, state: 'submitted' }, 1).kind).toBe('ignore');
  });

  test('given attempt 2, when it is submitted again, then nothing changes', () => {
    expect(onOfferSubmitted({ attempt: 2, state: 'certifying' }, 2).kind).toBe('ignore');
  });
});

describe('PrerequisitesValidated', () => {
  test('given the submitted attempt, then certification starts after the simulated duration', () => {
    expect(onPrerequisitesValidated({ attempt: 3, state: 'submitted' }, 3, NOW, 3000)).toEqual({
      kind: 'certify',
      next: { attempt: 3, state: 'certifying' },
      runAfter: new Date('2026-11-20T12:00:03Z'),
    });
  });

  test('given a duration of 0, then the job may run at once', () => {
    expect(onPrerequisitesValidated({ attempt: 1, state: 'submitted' }, 1, NOW, 0)).toMatchObject({ runAfter: NOW });
  });

  test('given attempt 2, when attempt 1 is validated, then it is ignored', () => {
    expect(onPrerequisitesValidated({ attempt: 2, state: 'submitted' }, 1, NOW, 0).kind).toBe('ignore');
  });

  test('given an attempt already certifying or canceled, then nothing starts again', () => {
    expect(onPrerequisitesValidated({ attempt: 1, state: 'certifying' }, 1, NOW, 0).kind).toBe('ignore');
    expect(onPrerequisitesValidated({ attempt: 1, state: 'canceled' }, 1, NOW, 0).kind).toBe('ignore');
  });

  test('given no OfferSubmitted for the attempt, then it is rejected (no image list)', () => {
    expect(onPrerequisitesValidated(undefined, 1, NOW, 0)).toMatchObject({ kind: 'reject' });
    expect(onPrerequisitesValidated({ attempt: 1, state: 'submitted' }, 2, NOW, 0)).toMatchObject({ kind: 'reject' });
  });
});

describe('PublishCanceled', () => {
  test('given the current attempt, then it is canceled with its jobs', () => {
    expect(onPublishCanceled({ attempt: 2, state: 'certifying' }, 2)).toEqual({ kind: 'cancel', next: { attempt: 2, state: 'canceled' }, cancelUpTo: 2 });
  });

  test('given a newer attempt, then it too is recorded as canceled', () => {
    expect(onPublishCanceled({ attempt: 1, state: 'certifying' }, 2)).toMatchObject({ kind: 'cancel', cancelUpTo: 2 });
  });

  test('given an older attempt, then nothing changes', () => {
    expect(onPublishCanceled({ attempt: 3, state: 'certifying' }, 2).kind).toBe('ignore');
  });
});

test('a recorded state this service does not know is an error, not a guess', () => {
  expect(parseAttemptSeen({ attempt: 1, state: 'certifying' })).toEqual({ attempt: 1, state: 'certifying' });
  expect(parseAttemptSeen(undefined)).toBeUndefined();
  expect(() => parseAttemptSeen({ attempt: 1, state: 'bogus' })).toThrow(/unknown certification state/);
});
