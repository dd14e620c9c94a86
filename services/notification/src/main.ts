import 'reflect-metadata';
import { bootstrapService } from '@mkt/observability';
import { AppModule } from './app.module';
import { notificationConfigFromEnv } from './config';

async function main(): Promise<void> {
  const config = notificationConfigFromEnv();
  await bootstrapService(AppModule.register(config), { name: 'notification', port: config.port });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
