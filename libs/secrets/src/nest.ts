import { Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { openSecretStore, secretStoreSettingsFromEnv, type SecretStoreSettings } from './config';
import type { SecretStore } from './store';

/** Nest injection token of the SecretStore. */
export const SECRET_STORE = Symbol('SECRET_STORE');

@Injectable()
class SecretStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(SECRET_STORE) private readonly store: SecretStore) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/** Gives the app its SecretStore (settings from the environment; the ones passed in win, as tests do). */
@Module({})
export class SecretsModule {
  static forRoot(overrides: Partial<SecretStoreSettings> = {}): DynamicModule {
    return {
      module: SecretsModule,
      providers: [
        {
          provide: SECRET_STORE,
          useFactory: () => {
            const fromEnv = secretStoreSettingsFromEnv();
            const settings = { ...fromEnv, ...overrides, table: { ...fromEnv.table, ...overrides.table } };
            if (settings.developmentKey) {
              new Logger('SecretStore').warn(
                'SECRETS_MASTER_KEY is not set: secrets are encrypted with the DEVELOPMENT key, which anyone can read in the source',
              );
            }
            return openSecretStore(settings);
          },
        },
        SecretStoreCloser,
      ],
      exports: [SECRET_STORE],
    };
  }
}
