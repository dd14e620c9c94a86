import 'reflect-metadata';
import { bootstrapService } from '@mkt/observability';
import { AppModule } from './app.module';
import { provisioningConfigFromEnv } from './config';

const config = provisioningConfigFromEnv();
bootstrapService(AppModule.register(config), { name: 'provisioning', port: config.port }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
