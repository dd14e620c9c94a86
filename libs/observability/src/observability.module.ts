import { Global, Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule, PARAMS_PROVIDER_TOKEN, PinoLogger, type Params } from 'nestjs-pino';
import { HealthController, ReadinessIndicators } from './health';
import { createRootLogger, logSettingsFromEnv, ServiceLogger } from './logging';
import { MetricsController, ServiceMetrics } from './metrics';
import { observabilitySettingsFromEnv, type ObservabilitySettings } from './settings';
import { OBSERVABILITY_SETTINGS } from './tokens';

export interface ObservabilityOptions {
  /** Service name: the `service` label of metrics and field of log lines. */
  service: string;
  settings?: Partial<ObservabilitySettings>;
}

/**
 * Health (`/health/live`, `/health/ready`, `/health`), metrics (`/metrics`) and logs (pino through
 * nestjs-pino) for a service built on MessagingModule. bootstrapService (this library's) adds it.
 */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    const settings = { ...observabilitySettingsFromEnv(), ...options.settings };
    const logger = createRootLogger(options.service, logSettingsFromEnv());
    return {
      module: ObservabilityModule,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        LoggerModule.forRoot({
          // requests are timed by the metrics, not logged one by one; lines logged during a request carry its correlation id
          pinoHttp: { logger, autoLogging: false, quietReqLogger: true, quietResLogger: true },
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: OBSERVABILITY_SETTINGS, useValue: settings },
        ReadinessIndicators,
        ServiceMetrics,
        {
          provide: ServiceLogger,
          useFactory: (pinoLogger: PinoLogger, params: Params) => new ServiceLogger(pinoLogger, params),
          inject: [PinoLogger, PARAMS_PROVIDER_TOKEN],
        },
      ],
      exports: [ServiceMetrics, ServiceLogger],
    };
  }
}
