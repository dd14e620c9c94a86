import 'reflect-metadata';
import { offerApiConfigFromEnv } from './config';
import { startOfferApi } from './server';

startOfferApi(offerApiConfigFromEnv()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
