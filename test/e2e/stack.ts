/**
 * Runs services as their own processes (the built dist/main.js, as in production) against one topic
 * and one database per service, all unique to the run, for the end-to-end tests and the benchmarks.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { dropDatabase } from '@mkt/messaging';
import { REPO_ROOT, startProcess, testBrokers, testDatabaseUrl, TestTopics, uniqueId, type ChildHandle } from '@mkt/testing';

export type ServiceName = 'validation' | 'certification' | 'provisioning' | 'packaging' | 'notification' | 'offer-api';

/** Zero simulated durations and short leases: what tests and benchmarks run with. */
export const FAST_ENV: Record<string, string> = {
  VALIDATION_DURATION_MS: '0',
  CERTIFICATION_DURATION_MS: '0',
  PROVISIONING_DURATION_MS: '0',
  PROVISIONING_LATENCY_MS: '0',
  PACKAGING_DURATION_MS: '0',
  GO_LIVE_DELAY_MS: '0',
  JOB_LEASE_MS: '3000',
  PROVISIONING_PROGRESS_MIN_INTERVAL_MS: '0',
  CONSUMER_SESSION_TIMEOUT_MS: '6000',
  LOG_LEVEL: 'warn',
};

export interface RunningService {
  name: ServiceName;
  process: ChildHandle;
  url: string;
  env: Record<string, string>;
}

export class Stack {
  readonly run = uniqueId('e2e');
  readonly topics = new TestTopics();
  topic = '';
  deadLetterTopic = '';
  readonly services = new Map<ServiceName, RunningService>();
  private readonly databases = new Set<string>();

  constructor(private readonly sharedEnv: Record<string, string> = {}) {}

  async init(partitions = 6): Promise<this> {
    this.topic = await this.topics.create(`${this.run}.offer.events`, partitions);
    this.deadLetterTopic = await this.topics.create(`${this.run}.offer.events.dlq`, partitions);
    return this;
  }

  databaseOf(name: ServiceName): string {
    return `${this.run}_${name.replace(/-/g, '_')}`;
  }

  /** The secret store every service of the run shares (as they share SECRETS_DATABASE in production). */
  get secretsDatabase(): string {
    return `${this.run}_secrets`;
  }

  envOf(name: ServiceName, extra: Record<string, string> = {}): Record<string, string> {
    return {
      KAFKA_BROKERS: testBrokers().join(','),
      DATABASE_URL: testDatabaseUrl(),
      DATABASE_NAME: this.databaseOf(name),
      SECRETS_DATABASE: this.secretsDatabase,
      CONSUMER_GROUP: `${this.run}-${name}`,
      OFFER_EVENTS_TOPIC: this.topic,
      DEAD_LETTER_TOPIC: this.deadLetterTopic,
      PORT: '0',
      ...FAST_ENV,
      ...this.sharedEnv,
      ...extra,
    };
  }

  /** Starts a service and waits until it is consuming. */
  async start(name: ServiceName, extra: Record<string, string> = {}): Promise<RunningService> {
    const service = await this.launch(name, extra);
    this.services.set(name, service);
    return service;
  }

  /**
   * Starts one more process of a service without registering it by name (several instances of one
   * service in one consumer group, as the chaos test runs them); the caller stops it. Its database is
   * still dropped by `teardown`.
   */
  async launch(name: ServiceName, extra: Record<string, string> = {}, label: string = name): Promise<RunningService> {
    const main = join(REPO_ROOT, 'services', name, 'dist', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);
    const env = this.envOf(name, extra);
    // PROFILE_SERVICES=validation,certification writes a CPU profile of those processes to .local/profiles
    const profile = (process.env.PROFILE_SERVICES ?? '').split(',').includes(name);
    const child = startProcess(main, env, label, profile ? ['--cpu-prof', `--cpu-prof-dir=${join(REPO_ROOT, '.local', 'profiles', name)}`] : []);
    this.databases.add(env.DATABASE_NAME);
    this.databases.add(env.SECRETS_DATABASE);
    const line = await child.waitForOutput(/ready on (http:\/\/[^\s"]+)/, { timeoutMs: 90_000 }).catch(async (error: unknown) => {
      await child.kill('SIGKILL'); // never leave a process behind that did not come up
      throw error;
    });
    const url = /ready on (http:\/\/[^\s"]+)/.exec(line)![1];
    return { name, process: child, url, env };
  }

  async startAll(names: ServiceName[], extra: Partial<Record<ServiceName, Record<string, string>>> = {}): Promise<void> {
    await Promise.all(names.map((n) => this.start(n, extra[n])));
  }

  async stop(name: ServiceName, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const service = this.services.get(name);
    this.services.delete(name);
    await service?.process.kill(signal);
  }

  async teardown(): Promise<void> {
    await Promise.all([...this.services.keys()].map((n) => this.stop(n, 'SIGTERM')));
    await this.topics.cleanup();
    await Promise.all([...this.databases].map((d) => dropDatabase(testDatabaseUrl(), d).catch(() => undefined)));
  }
}
