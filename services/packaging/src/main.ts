import 'reflect-metadata';
import { bootstrapService } from '@mkt/observability';
import { AppModule } from './app.module';
import { packagingConfigFromEnv, PACKAGING_SERVICE } from './config';

const config = packagingConfigFromEnv();
bootstrapService(AppModule.register(config), { name: PACKAGING_SERVICE, port: config.port }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
