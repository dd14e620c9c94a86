// The prerequisites of a submitted offer as data (rules, categories) and the engine that judges a
// submission by them: the validation stage judges Publish with them, offer-api checks drafts with them.
export * from './categories';
export * from './rules';
export * from './check';
