import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners, type Consumer, type IHeaders, type KafkaMessage, type Message } from 'kafkajs';
import { dropDatabase, ensureDatabase, ensureTopics, withDatabase } from '@mkt/messaging';

export const REPO_ROOT = join(__dirname, '..', '..', '..');

/** A short random id, to keep suites apart on the shared broker and server. */
export function uniqueId(prefix = 't'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

export function testBrokers(): string[] {
  return (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
}

export function testDatabaseUrl(): string {
  return process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function testKafka(clientId = uniqueId('client-')): Kafka {
  return new Kafka({ clientId, brokers: testBrokers(), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
}

/** Thrown by a probe to stop waiting at once (the awaited thing can no longer happen). */
export class WaitAborted extends Error {}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls until `probe` returns a truthy value and returns it; fails with `description` and the last value
 * seen. This, not a sleep, is how tests wait for asynchronous effects.
 */
export async function waitFor<T>(
  description: string,
  probe: () => T | Promise<T>,
  { timeoutMs = 30_000, intervalMs = 50 }: WaitOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
    } catch (error) {
      if (error instanceof WaitAborted) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError ? ` (last error: ${(lastError as Error).message})` : ` (last value: ${JSON.stringify(last)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Topics of one suite: created with the given partitions, deleted by `cleanup`. */
export class TestTopics {
  readonly names: string[] = [];
  constructor(private readonly kafka: Kafka = testKafka()) {}

  async create(prefix: string, partitions = 6): Promise<string> {
    const name = `${prefix}.${uniqueId('')}`;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, [{ topic: name, partitions }]);
    } finally {
      await admin.disconnect();
    }
    this.names.push(name);
    return name;
  }

  async cleanup(): Promise<void> {
    if (!this.names.length) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: this.names, timeout: 10_000 }).catch(() => undefined);
    } finally {
      await admin.disconnect();
    }
  }
}

/** A database of one suite, dropped by `drop`. */
export class TestDatabase {
  readonly name: string;
  readonly serverUrl = testDatabaseUrl();

  constructor(label: string) {
    this.name = `t_${label.replace(/[^a-z0-9_]/g, '_')}_${uniqueId('')}`;
  }

  get url(): string {
    return withDatabase(this.serverUrl, this.name);
  }

  async create(): Promise<this> {
    await ensureDatabase(this.serverUrl, this.name);
    return this;
  }

  async drop(): Promise<void> {
    await dropDatabase(this.serverUrl, this.name);
  }
}

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

function stringHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k] = (Array.isArray(v) ? v[0] : v).toString();
  return out;
}

/** Reads a topic from the beginning into memory (its own consumer group), for assertions. */
export class TopicReader {
  readonly messages: ReadMessage[] = [];
  private consumer?: Consumer;

  constructor(
    private readonly topic: string,
    private readonly kafka: Kafka = testKafka(),
  ) {}

  async start(): Promise<this> {
    this.consumer = this.kafka.consumer({ groupId: uniqueId('reader-'), maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }: { topic: string; partition: number; message: KafkaMessage }) => {
        this.messages.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers: stringHeaders(message.headers),
        });
      },
    });
    return this;
  }

  async waitForCount(count: number, options?: WaitOptions): Promise<ReadMessage[]> {
    await waitFor(`${count} messages on ${this.topic} (have ${this.messages.length})`, () => this.messages.length >= count, options);
    return this.messages;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

export async function produceRaw(topic: string, messages: Message[], kafka: Kafka = testKafka()): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 1000) await producer.send({ topic, messages: messages.slice(i, i + 1000), acks: -1 });
  } finally {
    await producer.disconnect();
  }
}

export interface ChildHandle {
  readonly process: ChildProcess;
  readonly output: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForOutput(pattern: RegExp, options?: WaitOptions): Promise<string>;
}

/**
 * Runs a TypeScript file (through @swc-node/register) or a built .js file as its own process, capturing
 * its output for assertions and failure messages.
 */
export function startProcess(
  file: string,
  env: Record<string, string | undefined>,
  label = file.split('/').pop() ?? file,
  nodeArgs: string[] = [],
): ChildHandle {
  const args = file.endsWith('.ts') ? ['-r', '@swc-node/register', file] : [file];
  const child = spawn(process.execPath, ['--enable-source-maps', ...nodeArgs, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) output.push(line);
    if (process.env.TEST_CHILD_OUTPUT === 'true') process.stderr.write(`[${label}] ${chunk}`);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    process: child,
    output,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    async waitForOutput(pattern: RegExp, options?: WaitOptions) {
      return waitFor(
        `${label} to print ${pattern}`,
        () => {
          if (child.exitCode !== null || child.signalCode !== null) {
            const line = output.find((l) => pattern.test(l));
            if (line) return line;
            throw new WaitAborted(`${label} exited (${child.exitCode ?? child.signalCode}):\n${output.slice(-30).join('\n')}`);
          }
          return output.find((l) => pattern.test(l));
        },
        options,
      );
    },
  };
}
