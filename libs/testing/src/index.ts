export * from './helpers';
export * from './kafka-admin';
