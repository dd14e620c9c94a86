import type { AuthConfig } from '@mkt/auth';
import type { FaultSettings } from './fault-settings';

/** Nest injection token of the OperatorOptions. */
export const OPERATOR_OPTIONS = Symbol('OPERATOR_OPTIONS');

/** The operator endpoints every service serves (`/operator/...`, libs/messaging's OperatorController). */
export interface OperatorOptions {
  /**
   * How operator tokens are verified; read from the environment when absent (AUTH_JWT_SECRET or
   * AUTH_JWKS_URL, ...: libs/auth). null, or nothing in the environment: every token is refused (401).
   */
  auth?: AuthConfig | null;
  /** The service's simulated back ends (development mode only: `GET|PUT /operator/faults`). */
  faults?: FaultSettings;
  /** Development mode; when absent: developmentModeFromEnv() (config.ts: DEVELOPMENT, MKT_DEV or NODE_ENV=development). */
  development?: boolean;
}
