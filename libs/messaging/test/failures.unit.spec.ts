/** How failures are told apart (transient / permanent / deterministic), and the outbox's limits on what it stores. */
import { createOfferEvent, offerEventCodec } from '@mkt/events';
import { classifyFailure, EventTooLargeError, eventRecord, PermanentEventError, recordBytes, refusedForGood, storableText, TransientError } from '../src';

function pgError(code: string, message = `pg ${code}`): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR' });
}

describe('classifyFailure', () => {
  test.each([
    ['08006', 'connection failure'],
    ['40001', 'serialization failure'],
    ['40P01', 'deadlock'],
    ['53300', 'too many connections'],
    ['57P01', 'admin shutdown'],
    ['57014', 'query canceled (statement timeout)'],
    ['58030', 'I/O error'],
    ['55P03', 'lock not available'],
  ])('PostgreSQL %s (%s) is transient', (code) => {
    expect(classifyFailure(pgError(code))).toMatchObject({ kind: 'transient', code: `pg-${code}` });
  });

  test.each([
    ['22P05', 'unsupported Unicode escape sequence'],
    ['22001', 'string too long'],
    ['22021', 'invalid byte sequence'],
    ['23505', 'unique violation'],
    ['23502', 'not-null violation'],
    ['42703', 'undefined column (a bug)'],
  ])('PostgreSQL %s (%s) is deterministic', (code) => {
    expect(classifyFailure(pgError(code))).toMatchObject({ kind: 'deterministic', code: `pg-${code}` });
  });

  test('connection errors without a SQLSTATE are transient', () => {
    expect(classifyFailure(new Error('Connection terminated unexpectedly')).kind).toBe('transient');
    expect(classifyFailure(new Error('timeout exceeded when trying to connect')).kind).toBe('transient');
    expect(classifyFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })).kind).toBe('transient');
    expect(classifyFailure(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })).kind).toBe('transient');
  });

  test('kafkajs connection and timeout errors are transient, wherever they sit in the cause chain', () => {
    const connection = Object.assign(new Error('Connection error: connect ECONNREFUSED'), { name: 'KafkaJSConnectionError', retriable: true });
    expect(classifyFailure(connection).kind).toBe('transient');
    expect(classifyFailure(new Error('wrapped', { cause: connection })).kind).toBe('transient');
    expect(classifyFailure(Object.assign(new Error('Request Produce timed out'), { name: 'KafkaJSRequestTimeoutError' })).kind).toBe('transient');
  });

  test('a handler can say transient or permanent itself', () => {
    expect(classifyFailure(new TransientError('the region API is down')).kind).toBe('transient');
    expect(classifyFailure(new PermanentEventError('never', 'my-code'))).toEqual({ kind: 'permanent', code: 'my-code', reason: 'never' });
    // what Nest's RPC layer makes of a PermanentEventError
    expect(classifyFailure({ kind: 'permanent', code: 'c', reason: 'r' })).toEqual({ kind: 'permanent', code: 'c', reason: 'r' });
  });

  test('programming errors and errors we cannot place are deterministic: bounded tries, then a dead letter', () => {
    let typeError: unknown;
    try {
      (null as unknown as { trim(): string }).trim();
    } catch (error) {
      typeError = error;
    }
    expect(classifyFailure(typeError)).toMatchObject({ kind: 'deterministic', code: 'TypeError', reason: expect.stringMatching(/trim/) });
    expect(classifyFailure(new RangeError('Invalid array length'))).toMatchObject({ kind: 'deterministic', code: 'RangeError' });
    expect(classifyFailure(new Error('something odd'))).toMatchObject({ kind: 'deterministic', code: 'handler-error' });
    expect(classifyFailure('a string was thrown')).toMatchObject({ kind: 'deterministic', code: 'string', reason: 'a string was thrown' });
    expect(classifyFailure(new EventTooLargeError('PrerequisitesRejected', 2_000_000, 1_048_576))).toMatchObject({
      kind: 'deterministic',
      code: 'event-too-large',
    });
  });
});

describe('the outbox stores only what PostgreSQL and the broker take', () => {
  test('storableText replaces NUL and unpaired surrogates, keeps everything else', () => {
    expect(storableText('a\u0000b')).toBe('a\uFFFDb');
    expect(storableText('x\ud800y')).toBe('x\uFFFDy');
    expect(storableText('x\udc00')).toBe('x\uFFFD');
    expect(storableText('emoji 😀 ok, ção')).toBe('emoji 😀 ok, ção');
  });

  test('an event over the size budget is refused when it is emitted', () => {
    const event = (title: string) =>
      createOfferEvent('GoLiveRequested', { requestedBy: title }, { subject: 'p/o', attempt: 1, correlationId: 'c' }, { source: '/test' });
    const small = eventRecord('t', event('me'), offerEventCodec.encode, 10_000);
    expect(recordBytes(small)).toBeLessThan(10_000);
    expect(() => eventRecord('t', event('x'.repeat(20_000)), offerEventCodec.encode, 10_000)).toThrow(EventTooLargeError);
    expect(() => eventRecord('t', event('x'.repeat(20_000)), offerEventCodec.encode, 10_000)).toThrow(/over the budget of 10000 bytes/);
  });

  test('the relay tells a refusal for good from a passing failure', () => {
    const tooLarge = Object.assign(new Error('The request included a message larger than the max message size the server will accept'), {
      name: 'KafkaJSProtocolError',
      type: 'MESSAGE_TOO_LARGE',
      retriable: false,
    });
    expect(refusedForGood(tooLarge)).toBe(true);
    // kafkajs wraps it without the type when it gives up
    expect(refusedForGood(Object.assign(new Error(tooLarge.message), { name: 'KafkaJSNonRetriableError' }))).toBe(true);
    expect(refusedForGood({ name: 'KafkaJSAggregateError', errors: [tooLarge] })).toBe(true);
    expect(refusedForGood(Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError' }))).toBe(false);
    expect(refusedForGood(Object.assign(new Error('leader not available'), { type: 'LEADER_NOT_AVAILABLE' }))).toBe(false);
  });
});
