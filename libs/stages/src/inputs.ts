import type { OfferEventType } from '@mkt/events';

/**
 * The offer-event types a stage does not react to, named one by one: with them set aside by `isOneOf`,
 * the stage's switch ends in `unhandledEvent(input)`, so a type added to the catalog fails to compile
 * until each stage says whether it reacts to it.
 */
export function eventTypes<const T extends readonly OfferEventType[]>(...types: T): ReadonlySet<T[number]> {
  return new Set(types);
}

export function isOneOf<I extends { type: string }, T extends I['type']>(input: I, types: ReadonlySet<T>): input is Extract<I, { type: T }> {
  return (types as ReadonlySet<string>).has(input.type);
}
