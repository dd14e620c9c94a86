export * from './config';
export * from './verifier';
export * from './guard';
export * from './auth.module';
