import 'reflect-metadata';

export * from './envelope';
export * from './catalog';
export * from './codec';
export * from './offer/draft';
export * from './offer/events';
export * from './offer/secret-fields';
export * from './offer/steps';
export * from './json-schema';
export * from './asyncapi';
export * from './offer/prerequisites';
