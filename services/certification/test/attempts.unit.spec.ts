import { accepted, readAttemptRecord } from '@mkt/stages';
import { eventOf, stageSpec, submittedOf } from '@mkt/testing';
import { CERTIFICATION_STATES, certificationDecider, imageListOf, type CertificationInput, type CheckResult } from '../src/domain';

const NOW = new Date('2026-11-20T12:00:00Z');
const spec = stageSpec(certificationDecider({ durationMs: 3000 }), NOW);
const immediate = stageSpec(certificationDecider({ durationMs: 0 }), NOW);

const OFFER = { plans: [{ id: 'gold', imageVersions: [{ version: '1.0.0', osDiskUrl: 'https://disks.test/os.vhd?sig=x' }] }] };
const submitted = (attempt: number) => submittedOf(attempt, { offer: OFFER });
const validated = (attempt: number) => eventOf('PrerequisitesValidated', { rulesChecked: 80 }, attempt);
const canceled = (attempt: number) => eventOf('PublishCanceled', { canceledBy: 'alice' }, attempt);
const keepImages = { type: 'keep-image-list' as const, images: imageListOf(OFFER) };
const PASSED: CheckResult = { planId: 'gold', imageVersion: '1.0.0', disk: 'os', check: 'vhd-cookie', passed: true, message: 'ok' };
const checked = (attempt: number, checks = [PASSED]): CertificationInput => ({ type: 'CertificationChecked', attempt, checks });

describe('OfferSubmitted', () => {
  test('given a first attempt, then it is recorded as submitted', () => {
    spec
      .given([])
      .when(submitted(1))
      .then(accepted({ state: { attempt: 1, state: 'submitted' }, cancelJobs: { beforeAttempt: 1 }, effects: [keepImages] }));
  });

  test('given attempt 1 certifying, when attempt 2 is submitted, then it supersedes attempt 1', () => {
    spec
      .given([submitted(1), validated(1)])
      .when(submitted(2))
      .then(accepted({ state: { attempt: 2, state: 'submitted' }, cancelJobs: { beforeAttempt: 2 }, effects: [keepImages] }));
  });

  test('given attempt 2, when attempt 1 is submitted late, then nothing changes', () => {
    spec
      .given([submitted(2)])
      .when(submitted(1))
      .thenIgnored();
  });

  test('given attempt 2, when it is submitted again, then nothing changes', () => {
    spec
      .given([submitted(2), validated(2)])
      .when(submitted(2))
      .thenIgnored();
  });
});

describe('PrerequisitesValidated', () => {
  test('given the submitted attempt, then certification starts after the simulated duration', () => {
    spec
      .given([submitted(3)])
      .when(validated(3))
      .then(accepted({ state: { attempt: 3, state: 'certifying' }, jobs: [{ kind: 'certify', runAfter: new Date('2026-11-20T12:00:03Z') }] }));
  });

  test('given a duration of 0, then the job may run at once', () => {
    immediate
      .given([submitted(1)])
      .when(validated(1))
      .thenMatches({ jobs: [{ kind: 'certify', runAfter: NOW }] });
  });

  test('given attempt 2, when attempt 1 is validated, then it is ignored', () => {
    spec
      .given([submitted(2)])
      .when(validated(1))
      .thenIgnored();
  });

  test('given an attempt already certifying or canceled, then nothing starts again', () => {
    spec
      .given([submitted(1), validated(1)])
      .when(validated(1))
      .thenIgnored();
    spec
      .given([submitted(1), canceled(1)])
      .when(validated(1))
      .thenIgnored();
  });

  test('given no OfferSubmitted for the attempt, then it is rejected (no image list)', () => {
    spec.given([]).when(validated(1)).thenMatches({ outcome: 'rejected', code: 'attempt-not-submitted' });
    spec
      .given([submitted(1)])
      .when(validated(2))
      .thenMatches({ outcome: 'rejected', code: 'attempt-not-submitted' });
  });
});

describe('PublishCanceled', () => {
  test('given the current attempt, then it is canceled with its jobs', () => {
    spec
      .given([submitted(2), validated(2)])
      .when(canceled(2))
      .then(accepted({ state: { attempt: 2, state: 'canceled' }, cancelJobs: { upToAttempt: 2 } }));
  });

  test('given a newer attempt, then it too is recorded as canceled', () => {
    spec
      .given([submitted(1), validated(1)])
      .when(canceled(2))
      .thenMatches({ outcome: 'accepted', cancelJobs: { upToAttempt: 2 } });
  });

  test('given an older attempt, then nothing changes', () => {
    spec
      .given([submitted(3), validated(3)])
      .when(canceled(2))
      .thenIgnored();
  });
});

describe('the certification job', () => {
  test('given the attempt certifying, when its checks are done, then the result event is emitted and recorded', () => {
    spec
      .given([submitted(2), validated(2)])
      .when(checked(2))
      .then(accepted({ events: [{ type: 'CertificationPassed', data: { checks: [PASSED] } }], effects: [{ type: 'record-result', checks: [PASSED] }] }));
  });

  test('given the attempt superseded or canceled, when an old job finishes, then it emits nothing', () => {
    spec
      .given([submitted(2), validated(2), submitted(3)])
      .when(checked(2))
      .thenIgnored();
    spec
      .given([submitted(2), validated(2), canceled(2)])
      .when(checked(2))
      .thenIgnored();
  });

  test('given the job gave up, then CertificationFailed says it was our error and to publish again', () => {
    spec
      .given([submitted(2), validated(2)])
      .when({ type: 'CertificationAbandoned', attempt: 2, error: 'database unavailable' })
      .thenMatches({
        events: [
          {
            type: 'CertificationFailed',
            data: {
              checksRun: 0,
              failures: [{ check: 'certification-run', passed: false, message: expect.stringContaining('internal error (database unavailable)') }],
            },
          },
        ],
        effects: [{ type: 'record-result' }],
      });
  });
});

test('a recorded state this service does not know is an error, not a guess', () => {
  expect(readAttemptRecord({ attempt: 1, state: 'certifying' }, CERTIFICATION_STATES, 'certification')).toEqual({ attempt: 1, state: 'certifying' });
  expect(readAttemptRecord(undefined, CERTIFICATION_STATES, 'certification')).toBeUndefined();
  expect(() => readAttemptRecord({ attempt: 1, state: 'bogus' }, CERTIFICATION_STATES, 'certification')).toThrow(/unknown certification state/);
});
