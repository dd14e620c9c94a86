export * from './attempts';
export * from './decision';
export * from './decider';
export * from './inputs';
export * from './executor';
export * from './persistence';
export * from './dry-run';
