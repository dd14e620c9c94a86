export * from './bootstrap';
export * from './correlation';
export * from './health';
export * from './logging';
export * from './metrics';
export * from './observability.module';
export * from './settings';
export * from './tokens';
