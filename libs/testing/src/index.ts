export * from './helpers';
export * from './kafka-admin';
export * from './events';
export * from './tcp-proxy';
export * from './stage-spec';
export * from './job-runtime';
