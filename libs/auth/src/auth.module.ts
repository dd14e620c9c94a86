import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AUTH_CONFIG, type AuthConfig } from './config';
import { AccessGuard } from './guard';
import { TokenVerifier } from './verifier';

/** The token verifier and guard for the whole application (MessagingModule imports it for the operator routes). */
@Global()
@Module({})
export class AuthModule {
  static forRoot(config: AuthConfig | null): DynamicModule {
    return {
      module: AuthModule,
      providers: [{ provide: AUTH_CONFIG, useValue: config }, TokenVerifier, AccessGuard],
      exports: [AUTH_CONFIG, TokenVerifier, AccessGuard],
    };
  }
}
