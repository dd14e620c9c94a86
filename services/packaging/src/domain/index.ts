export * from './html';
export * from './lead-failures';
export * from './product-page';
export * from './stages';
export * from './test-lead';
export * from './urls';
export * from './snapshot';
