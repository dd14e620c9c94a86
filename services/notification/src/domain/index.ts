export * from './attempt';
export * from './delivery';
export * from './languages';
export * from './mail-model';
export * from './message-id';
export * from './notifications';
export * from './recipients';
export * from './stage';
