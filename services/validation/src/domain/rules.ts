// The rule data lives in libs/events (offer/prerequisites) so that offer-api checks drafts by the same rules.
export { LIMITS, PREREQUISITE_RULES, type Condition, type Constraint, type FieldRule } from '@mkt/events';
