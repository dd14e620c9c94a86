import 'reflect-metadata';
import { bootstrapService } from '@mkt/observability';
import { AppModule } from './app.module';
import { validationConfigFromEnv } from './config';

const config = validationConfigFromEnv();
bootstrapService(AppModule.register(config), { name: 'validation', port: config.port }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
