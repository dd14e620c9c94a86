import {
  Global,
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { authConfigFromEnv, AuthModule } from '@mkt/auth';
import { OPERATOR_OPTIONS } from '../operator/options';
import { MessagingRuntime, type MessagingOptions } from '../runtime';
import { UnitOfWork } from '../unit-of-work';
import { OperatorController } from './operator.controller';
import { EventsTransport } from './transport';

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

@Injectable()
export class MessagingLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(@Inject(MessagingRuntime) private readonly runtime: MessagingRuntime) {}

  onApplicationBootstrap(): void {
    this.runtime.startRelay();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runtime.stopProcessing();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runtime.close();
  }
}

/**
 * Gives a service its database (DataSource with outbox and inbox), a UnitOfWork for transactions that
 * emit events, the outbox relay, and the EventsTransport to connect as a microservice:
 * `app.connectMicroservice({ strategy: app.get(EventsTransport) })`.
 */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      // operator routes: every service's own, behind an operator token (libs/auth)
      imports: [
        AuthModule.forRoot(options.operator?.auth !== undefined ? options.operator.auth : authConfigFromEnv({ service: options.service, required: false })),
      ],
      controllers: [OperatorController],
      providers: [
        { provide: OPERATOR_OPTIONS, useValue: options.operator ?? {} },
        { provide: MESSAGING_OPTIONS, useValue: options },
        { provide: MessagingRuntime, useFactory: (o: MessagingOptions) => MessagingRuntime.create(o), inject: [MESSAGING_OPTIONS] },
        { provide: DataSource, useFactory: (r: MessagingRuntime) => r.dataSource, inject: [MessagingRuntime] },
        { provide: UnitOfWork, useFactory: (r: MessagingRuntime) => r.unitOfWork, inject: [MessagingRuntime] },
        { provide: EventsTransport, useFactory: (r: MessagingRuntime) => new EventsTransport(r), inject: [MessagingRuntime] },
        MessagingLifecycle,
      ],
      exports: [MessagingRuntime, DataSource, UnitOfWork, EventsTransport],
    };
  }
}
