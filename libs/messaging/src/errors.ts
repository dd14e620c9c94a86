export interface PermanentFailurePayload {
  kind: 'permanent';
  code: string;
  reason: string;
}

/**
 * Thrown by a handler when the event can never be processed (retrying cannot help): the consumer
 * dead-letters it at once with `code` and `reason` and moves on. (Other errors are classified by
 * `classifyFailure`.) A plain error: the Nest transport hands handler errors to the consumer as thrown.
 */
export class PermanentEventError extends Error {
  readonly kind = 'permanent';
  constructor(
    readonly reason: string,
    readonly code = 'handler-rejected',
  ) {
    super(reason);
    this.name = 'PermanentEventError';
  }
}

export function asPermanentFailure(error: unknown): PermanentFailurePayload | undefined {
  if (error instanceof PermanentEventError) return { kind: 'permanent', code: error.code, reason: error.reason };
  if (error && typeof error === 'object' && (error as { kind?: unknown }).kind === 'permanent') {
    const e = error as Partial<PermanentFailurePayload>;
    return { kind: 'permanent', code: String(e.code ?? 'handler-rejected'), reason: String(e.reason ?? 'rejected') };
  }
  return undefined;
}

/**
 * Thrown by a handler or the library when an infrastructure dependency is unavailable: retried with
 * backoff for as long as it takes, never dead-lettered.
 */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** An event bigger than the size budget: a deterministic failure of the message that emitted it. */
export class EventTooLargeError extends Error {
  readonly code = 'event-too-large';
  constructor(
    readonly type: string,
    readonly bytes: number,
    readonly budget: number,
  ) {
    super(`event ${type} would be ${bytes} bytes, over the budget of ${budget} bytes (EVENT_MAX_BYTES)`);
    this.name = 'EventTooLargeError';
  }
}

/**
 * - `transient`: the infrastructure is unavailable (connection lost, broker down, timeouts, PostgreSQL
 *   classes 08, 40, 53, 57, 58): retry with backoff without limit and without skipping.
 * - `permanent`: the handler said the event can never succeed: dead-letter it at once.
 * - `deterministic`: the message itself makes the work fail (PostgreSQL data and integrity classes 22
 *   and 23, a programming error such as a TypeError, an oversized event) and so does any error we
 *   cannot place: retry that one message a bounded number of times, then dead-letter it.
 */
export type FailureClass = 'transient' | 'permanent' | 'deterministic';

export interface ClassifiedFailure {
  kind: FailureClass;
  /** Stable code for the dead letter: `pg-22P05`, `TypeError`, `event-too-large`, ... */
  code: string;
  reason: string;
}

const TRANSIENT_PG_CLASSES = new Set(['08', '40', '53', '57', '58']);
const TRANSIENT_PG_CODES = new Set(['55P03', '55006']); // lock not available, object in use
const TRANSIENT_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ESOCKETTIMEDOUT',
]);
/** node-postgres and pool errors that carry no SQLSTATE. */
const TRANSIENT_MESSAGES =
  /connection terminated|connection ended|connection refused|timeout exceeded when trying to connect|client has encountered a connection error|not queryable|database system is (starting up|shutting down|in recovery mode)|terminating connection|server closed the connection|query read timeout|socket hang up/i;
/** kafkajs errors a producer or admin call raises while the broker is away. */
const TRANSIENT_KAFKA_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSTimeout',
]);

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 5; depth += 1) {
    chain.push(e);
    const next = (e as { cause?: unknown; originalError?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
    if (next === e) break;
    e = next;
  }
  return chain;
}

export function classifyFailure(error: unknown): ClassifiedFailure {
  const permanent = asPermanentFailure(error);
  if (permanent) return { kind: 'permanent', code: permanent.code, reason: permanent.reason };
  const reason = describeError(error);
  for (const e of causes(error)) {
    if (e instanceof TransientError) return { kind: 'transient', code: 'transient', reason };
    if (e instanceof EventTooLargeError) return { kind: 'deterministic', code: e.code, reason };
    const { code, name, retriable } = (e ?? {}) as { code?: unknown; name?: unknown; retriable?: unknown };
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      // a SQLSTATE
      if (TRANSIENT_PG_CLASSES.has(code.slice(0, 2)) || TRANSIENT_PG_CODES.has(code)) return { kind: 'transient', code: `pg-${code}`, reason };
      return { kind: 'deterministic', code: `pg-${code}`, reason };
    }
    if (typeof code === 'string' && TRANSIENT_ERRNO.has(code)) return { kind: 'transient', code, reason };
    if (typeof name === 'string' && name.startsWith('KafkaJS')) {
      if (TRANSIENT_KAFKA_NAMES.has(name) || retriable === true) return { kind: 'transient', code: name, reason };
    }
    if (e instanceof Error && TRANSIENT_MESSAGES.test(e.message)) return { kind: 'transient', code: 'connection', reason };
  }
  const name = error instanceof Error ? error.name : typeof error;
  return { kind: 'deterministic', code: name === 'Error' ? 'handler-error' : name, reason };
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object') {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    try {
      return JSON.stringify(error);
    } catch {
      return String(error);
    }
  }
  return String(error);
}
