/** Reading configuration from the environment, with defaults that work on a developer machine. */

export function envString(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

export function envInt(name: string, fallback: number, { min = Number.MIN_SAFE_INTEGER } = {}): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

export function envNumber(name: string, fallback: number, { min = -Infinity } = {}): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min}, got "${raw}"`);
  return value;
}

export function envBool(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

/**
 * Development mode, the one setting every service reads from here and only here: `DEVELOPMENT` (or `MKT_DEV`, or
 * `NODE_ENV=development`). It lets publishers' URLs be http:// and point at this machine or a private network (disk
 * URLs in validation and certification, lead endpoints in packaging) and enables the operator fault endpoints.
 */
export function developmentModeFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const yes = (name: string) => /^(1|true|yes|on)$/i.test(env[name] ?? '');
  return yes('DEVELOPMENT') || yes('MKT_DEV') || env.NODE_ENV === 'development';
}

export interface KafkaSettings {
  brokers: string[];
  /**
   * How connections to brokers are opened (kafkajs' socketFactory): a test routes every broker address,
   * including those the cluster's metadata names, through a proxy it can cut. Unset: plain TCP.
   */
  socketFactory?: import('kafkajs').ISocketFactory;
  clientId: string;
  /** The service's event log: keyed by what the events are about (per-key order), kept forever. */
  eventsTopic: string;
  deadLetterTopic: string;
  /** Partition count used when the topics are created. */
  partitions: number;
}

export function kafkaSettingsFromEnv(service: string): KafkaSettings {
  return {
    brokers: envString('KAFKA_BROKERS', '127.0.0.1:9092')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    clientId: envString('KAFKA_CLIENT_ID', `marketplace-${service}`),
    eventsTopic: envString('OFFER_EVENTS_TOPIC', 'offer.events'),
    deadLetterTopic: envString('DEAD_LETTER_TOPIC', 'offer.events.dlq'),
    partitions: envInt('OFFER_EVENTS_PARTITIONS', 6, { min: 1 }),
  };
}

export interface DatabaseSettings {
  /** Server connection; its database part is replaced by `database`. */
  url: string;
  database: string;
  poolSize: number;
}

/** Each service owns its database: `<DATABASE_PREFIX>_<service>` on the server of DATABASE_URL. */
export function databaseSettingsFromEnv(service: string): DatabaseSettings {
  const prefix = envString('DATABASE_PREFIX', 'marketplace');
  return {
    url: envString('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/postgres'),
    database: envString('DATABASE_NAME', `${prefix}_${service.replace(/-/g, '_')}`),
    poolSize: envInt('DATABASE_POOL_SIZE', 10, { min: 2 }),
  };
}

/** How a service's job workers run; read by `jobSettingsFromEnv`. */
export interface JobSettings {
  /** Jobs one process runs at the same time. */
  concurrency: number;
  /** A crashed worker's job is taken over once its lease has expired. */
  leaseMs: number;
  /** How often idle workers look for due jobs (a NOTIFY wakes them sooner). */
  pollIntervalMs: number;
  /** Tries of a job whose work keeps failing before the stage gives up. */
  maxTries: number;
}

/**
 * One naming scheme for every service's job settings: `<SERVICE>_JOB_CONCURRENCY`,
 * `<SERVICE>_JOB_LEASE_MS`, `<SERVICE>_JOB_POLL_INTERVAL_MS`, `<SERVICE>_JOB_MAX_TRIES` (e.g.
 * `CERTIFICATION_JOB_CONCURRENCY`); unset, the same name without the service (`JOB_LEASE_MS`, for every
 * service at once); unset too, the service's own default.
 */
export function jobSettingsFromEnv(service: string, defaults: JobSettings): JobSettings {
  const prefix = `${service.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_`;
  const read = (setting: string, fallback: number, min: number) => envInt(`${prefix}JOB_${setting}`, envInt(`JOB_${setting}`, fallback, { min }), { min });
  return {
    concurrency: read('CONCURRENCY', defaults.concurrency, 1),
    leaseMs: read('LEASE_MS', defaults.leaseMs, 100),
    pollIntervalMs: read('POLL_INTERVAL_MS', defaults.pollIntervalMs, 10),
    maxTries: read('MAX_TRIES', defaults.maxTries, 1),
  };
}
