// The rule data lives in libs/prerequisites so that offer-api checks drafts by the same rules.
export { LIMITS, PREREQUISITE_RULES, ruleMessageCode, type Condition, type Constraint, type FieldRule } from '@mkt/prerequisites';
