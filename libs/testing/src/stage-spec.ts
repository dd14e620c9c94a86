import { createOfferEvent, parseOfferSubject, type OfferDraft, type OfferEventData, type OfferEventOf, type OfferEventType } from '@mkt/events';
import { stateAfter, type Decider, type Decision } from '@mkt/stages';

export const SPEC_NOW = new Date('2025-01-10T12:00:00.000Z');

/**
 * given/when/then specs of a stage's decider (after emmett's DeciderSpecification): the inputs so far
 * are folded with `evolve` from `initialState`, then `decide` answers the input under test.
 *
 *   spec.given([submitted]).when(validated).then(accepted({ state, jobs }))
 */
export function stageSpec<State, Input, D extends Decision<State, unknown>>(decider: Decider<State, Input, D>, now: Date = SPEC_NOW) {
  return {
    given(inputs: readonly Input[] = []) {
      return {
        when(input: Input) {
          const state = inputs.reduce((s, i) => decider.evolve(s, i), decider.initialState);
          const decision = decider.decide(input, state, now);
          return {
            decision,
            /** The whole decision. */
            then(expected: D): void {
              expect(decision).toEqual(expected);
            },
            /** The parts of the decision named (asymmetric matchers welcome). */
            thenMatches(expected: Record<string, unknown>): void {
              expect(decision).toMatchObject(expected);
            },
            thenIgnored(reason: string | RegExp = /./): void {
              expect(decision).toEqual({ outcome: 'ignored', reason: expect.stringMatching(reason) });
            },
            thenRejected(reason: string | RegExp = /./): void {
              expect(decision).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(reason) });
            },
            /** The state the input leaves. */
            thenState(expected: State): void {
              expect(stateAfter(decision, state)).toEqual(expected);
            },
          };
        },
      };
    },
  };
}

/** An offer event of `attempt` as an upstream stage would write it, for specs. */
export function eventOf<T extends OfferEventType>(type: T, data: OfferEventData<T>, attempt: number, subject = 'contoso/web-vm'): OfferEventOf<T> {
  return createOfferEvent(
    type,
    data,
    { subject, attempt, correlationId: `corr-${subject}-${attempt}` },
    { source: '/marketplace/spec', now: () => SPEC_NOW },
  ) as OfferEventOf<T>;
}

/** OfferSubmitted of `attempt` with the given draft (empty by default). */
export function submittedOf(attempt: number, options: { subject?: string; offer?: OfferDraft; emails?: string[] } = {}): OfferEventOf<'OfferSubmitted'> {
  const subject = options.subject ?? 'contoso/web-vm';
  const { publisherId, offerId } = parseOfferSubject(subject);
  const data = {
    publisherId,
    offerId,
    notificationEmails: options.emails ?? ['ops@contoso.test'],
    language: 'en',
    submittedBy: 'alice',
    offer: options.offer ?? {},
  };
  return eventOf('OfferSubmitted', data, attempt, subject);
}
