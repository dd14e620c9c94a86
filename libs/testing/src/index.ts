export * from './helpers';
export * from './kafka-admin';
export * from './events';
