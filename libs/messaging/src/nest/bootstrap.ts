import { ConsoleLogger, Logger, Module, type DynamicModule, type INestApplication, type LoggerService, type LogLevel, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { envBool, envInt, envString } from '../config';
import { KeepHandlerErrors, EventsTransport } from './transport';

export interface ServiceBootstrapOptions {
  /** Service name for logs. */
  name: string;
  /** HTTP port (health, metrics, and the API where there is one); 0 picks a free one. */
  port: number;
  /** Consume the event log (false for a service that only writes). */
  consume?: boolean;
  /** Called before listening: routes, pipes, OpenAPI. */
  configure?: (app: NestFastifyApplication) => void | Promise<void>;
  bodyLimit?: number;
  /** Modules beside the service's own (libs/observability: health, metrics, logs). */
  imports?: Array<Type<unknown> | DynamicModule>;
  /** The logger the app writes through once created (default: Nest's console logger). */
  logger?: (app: NestFastifyApplication) => LoggerService;
}

function logLevels(): LogLevel[] {
  const order: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
  const level = envString('LOG_LEVEL', 'log') as LogLevel;
  const index = order.indexOf(level);
  return order.slice(0, index < 0 ? 4 : index + 1);
}

/**
 * Starts a service the one way every service starts: Fastify HTTP app, the event-log transport
 * connected as a microservice, graceful shutdown on SIGTERM/SIGINT (finish the batch, commit, drain
 * the outbox, disconnect), JSON logs when LOG_FORMAT=json.
 */
export async function bootstrapService(module: Type<unknown> | DynamicModule, options: ServiceBootstrapOptions): Promise<NestFastifyApplication> {
  const logger = new ConsoleLogger(options.name, { json: envString('LOG_FORMAT', 'text') === 'json', logLevels: logLevels() });
  let root: Type<unknown> | DynamicModule = module;
  if (options.imports?.length) {
    @Module({ imports: [module, ...options.imports] })
    class ServiceRoot {}
    root = ServiceRoot;
  }
  const app = await NestFactory.create<NestFastifyApplication>(
    root,
    new FastifyAdapter({ bodyLimit: options.bodyLimit ?? 1024 * 1024, trustProxy: envBool('TRUST_PROXY', false) }),
    { logger, bufferLogs: true },
  );
  if (options.logger) app.useLogger(options.logger(app));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  if (options.consume !== false) {
    // Its own config (the HTTP app's pipes and filters are not for events), initialised when it starts,
    // so that the filter that keeps handlers' errors intact is registered before its listeners.
    const microservice = app.connectMicroservice({ strategy: app.get(EventsTransport) }, { inheritAppConfig: false, deferInitialization: true });
    (microservice as unknown as { setIsInitHookCalled(called: boolean): void }).setIsInitHookCalled(true);
    microservice.useGlobalFilters(new KeepHandlerErrors());
  }
  await options.configure?.(app);
  await app.startAllMicroservices();
  await app.listen(options.port, envString('HOST', '127.0.0.1'));
  // Always printed, whatever LOG_LEVEL: scripts and tests wait for this line.
  const ready = `${options.name} ready on ${await app.getUrl()}`;
  if (envString('LOG_FORMAT', 'text') === 'json' && !options.logger)
    process.stdout.write(`${JSON.stringify({ level: 'log', context: options.name, message: ready })}\n`);
  else new Logger(options.name).log(ready);
  if (!logLevels().includes('log')) process.stdout.write(`${ready}\n`);
  return app;
}

export function servicePort(fallback: number): number {
  return envInt('PORT', fallback, { min: 0 });
}

export type { INestApplication };
