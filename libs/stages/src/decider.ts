import { stateAfter, type Decision } from './decision';

/**
 * A stage's logic, pure (after emmett's deciders): what it decides about an input given its state, and
 * the state an input leaves. Time comes in as `now`; ids and I/O stay outside.
 */
export interface Decider<State, Input, D extends Decision<State, unknown> = Decision<State, unknown>> {
  initialState: State;
  decide(input: Input, state: State, now: Date): D;
  evolve(state: State, input: Input): State;
}

/** Stage states hold no time: `now` only dates the jobs a decision asks for. */
const ANY_TIME = new Date(0);

/**
 * `evolve` of a decider whose decisions carry the state to save: the state an input leaves is the one
 * its decision saves, so the transitions are written once, in `decide`.
 */
export function evolveByDeciding<State, Input>(
  decide: (input: Input, state: State, now: Date) => Decision<State, unknown>,
): (state: State, input: Input) => State {
  return (state, input) => stateAfter(decide(input, state, ANY_TIME), state);
}
