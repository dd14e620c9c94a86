import { JobWorker, MessagingRuntime, type JobWorkerOptions, type MessagingOptions } from '@mkt/messaging';
import { offerEventCodec } from '@mkt/events';
import { TestDatabase, TestTopics } from './helpers';

/** A messaging runtime on its own database and topic, with quick job workers (short leases and backoff) that stop with it. */
export class JobTestRuntime {
  runtime!: MessagingRuntime;
  db!: TestDatabase;
  private readonly topics = new TestTopics();
  private readonly workers: JobWorker<unknown, Record<string, unknown>>[] = [];

  constructor(
    private readonly name: string,
    private readonly migrations: MessagingOptions['migrations'],
  ) {}

  async start(): Promise<MessagingRuntime> {
    this.db = await new TestDatabase(this.name).create();
    const topic = await this.topics.create(this.name);
    this.runtime = await MessagingRuntime.create({
      service: `${this.name}-test`,
      codec: offerEventCodec,
      kafka: { eventsTopic: topic, deadLetterTopic: `${topic}.dlq`, partitions: 1 },
      database: { url: this.db.serverUrl, database: this.db.name, poolSize: 10 },
      migrations: this.migrations,
    });
    return this.runtime;
  }

  worker(
    kind: string,
    handler: ConstructorParameters<typeof JobWorker>[2],
    options: Partial<JobWorkerOptions> = {},
  ): JobWorker<unknown, Record<string, unknown>> {
    const w = new JobWorker(this.runtime.dataSource, this.runtime.unitOfWork, handler, {
      kind,
      concurrency: 4,
      leaseMs: 600,
      pollIntervalMs: 50,
      maxTries: 3,
      backoff: { initialMs: 20, maxMs: 50 },
      ...options,
    });
    this.workers.push(w);
    w.start();
    return w;
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
    await this.runtime?.close();
    await this.db.drop();
    await this.topics.cleanup();
  }
}
