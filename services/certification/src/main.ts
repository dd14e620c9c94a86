import 'reflect-metadata';
import { bootstrapService } from '@mkt/observability';
import { AppModule } from './app.module';
import { certificationConfigFromEnv, SERVICE_NAME } from './config';

const config = certificationConfigFromEnv();
bootstrapService(AppModule.register(config), { name: SERVICE_NAME, port: config.port }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
