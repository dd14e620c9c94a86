import { accepted, compareAttempt, evolveByDeciding, ignored, readAttemptRecord, stateAfter, type AttemptRecord, type Decision } from '../src';

describe('compareAttempt', () => {
  test('nothing on record: any attempt is newer', () => {
    expect(compareAttempt(undefined, 1)).toBe('newer');
  });

  test.each([
    [2, 1, 'stale'],
    [2, 2, 'current'],
    [2, 3, 'newer'],
  ] as const)('attempt %i on record, event of attempt %i: %s', (recorded, event, verdict) => {
    expect(compareAttempt({ attempt: recorded }, event)).toBe(verdict);
  });
});

describe('readAttemptRecord', () => {
  const STATES = ['submitted', 'certifying', 'canceled'] as const;

  test('a known state is read as it is; no row is no record', () => {
    expect(readAttemptRecord({ attempt: 1, state: 'certifying' }, STATES, 'certification')).toEqual({ attempt: 1, state: 'certifying' });
    expect(readAttemptRecord(undefined, STATES, 'certification')).toBeUndefined();
  });

  test('a state this stage does not know is an error, not a guess', () => {
    expect(() => readAttemptRecord({ attempt: 1, state: 'bogus' }, STATES, 'certification')).toThrow(/unknown certification state "bogus"/);
  });
});

describe('decisions and state', () => {
  type State = AttemptRecord<'a' | 'b'> | undefined;
  const decide = (input: number, state: State): Decision<State> =>
    input > (state?.attempt ?? 0) ? accepted({ state: { attempt: input, state: 'a' } }) : ignored(`attempt ${input} is not newer`);

  test('accepted leaves the state it saves; ignored, and accepted without a state, leave the state as it was', () => {
    expect(stateAfter(decide(2, undefined), undefined)).toEqual({ attempt: 2, state: 'a' });
    expect(stateAfter(decide(1, { attempt: 2, state: 'b' }), { attempt: 2, state: 'b' })).toEqual({ attempt: 2, state: 'b' });
    expect(stateAfter(accepted<State>({ events: [] }), { attempt: 2, state: 'b' })).toEqual({ attempt: 2, state: 'b' });
  });

  test('evolve by deciding folds inputs into the states their decisions save', () => {
    const evolve = evolveByDeciding(decide);
    expect([1, 3, 2].reduce(evolve, undefined as State)).toEqual({ attempt: 3, state: 'a' });
  });

  test('accepted fills in what a decision does not ask for', () => {
    expect(accepted({ state: { attempt: 1, state: 'a' } })).toEqual({
      outcome: 'accepted',
      state: { attempt: 1, state: 'a' },
      jobs: [],
      events: [],
      effects: [],
    });
  });
});
