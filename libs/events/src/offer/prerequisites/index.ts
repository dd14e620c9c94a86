export * from './categories';
export * from './rules';
export * from './check';
