import { Client } from 'pg';

/* eslint-disable @typescript-eslint/no-require-imports */
type Globals = typeof globalThis & { __mktStartedKafka?: boolean; __mktContainers?: Array<{ stop(): Promise<unknown> }> };

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Brings up the infrastructure of the int and e2e tiers once per run:
 * - Kafka: KAFKA_BROKERS if set; else the project's own test broker (port 19092, started here and stopped
 *   by the teardown, or reused when already running).
 * - PostgreSQL: DATABASE_URL if set, else the server on 127.0.0.1:5432; each suite creates its own databases.
 * - With USE_TESTCONTAINERS=true and a Docker engine, Testcontainers provides both instead (not exercised
 *   on machines without Docker).
 */
export default async function globalSetup(): Promise<void> {
  const globals = globalThis as Globals;
  if (process.env.USE_TESTCONTAINERS === 'true') {
    await startContainers(globals);
  } else if (!process.env.KAFKA_BROKERS) {
    const kafka = require('../../../scripts/infra/kafka.js');
    const result = await kafka.start('test');
    process.env.KAFKA_BROKERS = result.brokers;
    if (result.started && process.env.KEEP_TEST_BROKER !== 'true') globals.__mktStartedKafka = true;
  }
  process.env.DATABASE_URL ??= DEFAULT_DATABASE_URL;
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${process.env.DATABASE_URL}: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function startContainers(globals: Globals): Promise<void> {
  const { KafkaContainer } = require('@testcontainers/kafka');
  const { PostgreSqlContainer } = require('@testcontainers/postgresql');
  const kafka = await new KafkaContainer('confluentinc/cp-kafka:7.7.1').withKraft().start();
  const postgres = await new PostgreSqlContainer('postgres:16-alpine').start();
  process.env.KAFKA_BROKERS = `${kafka.getHost()}:${kafka.getMappedPort(9093)}`;
  process.env.DATABASE_URL = postgres.getConnectionUri();
  globals.__mktContainers = [kafka, postgres];
}
