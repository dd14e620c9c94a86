/**
 * The library's pure parts: backoff, the wait for a dependency at startup, and the codec port (the offer
 * events' codec meets it; records go through it and back unchanged; headers become text).
 */
import { createOfferEvent, offerEventCodec, type Envelope, type OfferEvent } from '@mkt/events';
import { backoffDelay, headersToStrings, headerToString, jobSettingsFromEnv, whenAvailable, Waker, type EventCodec } from '../src';

describe('backoffDelay', () => {
  test('doubles from the initial delay up to the cap, with jitter in the upper half', () => {
    const backoff = { initialMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, backoff, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, backoff, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
  });

  test('stays finite for any number of tries', () => {
    expect(backoffDelay(10_000, { initialMs: 200, maxMs: 30_000 }, () => 1)).toBe(30_000);
  });
});

describe('Waker', () => {
  test('a wake ends the current wait, or the next one when nobody waits', async () => {
    const waker = new Waker();
    const started = Date.now();
    const waiting = waker.wait(60_000);
    waker.wake();
    await waiting;
    waker.wake();
    await waker.wait(60_000);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('whenAvailable', () => {
  const quick = { initialMs: 1, maxMs: 2 };
  test('retries while the failure is transient, then returns the result', async () => {
    const said: string[] = [];
    let calls = 0;
    const result = await whenAvailable(
      'the thing',
      async () => {
        calls += 1;
        if (calls < 3) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        return 'up';
      },
      { deadlineMs: 5_000, isTransient: () => true, log: (m) => said.push(m), backoff: quick },
    );
    expect(result).toBe('up');
    expect(said).toHaveLength(2);
    expect(said[0]).toMatch(/^waiting for the thing \(connect ECONNREFUSED\); retrying in \d+ ms$/);
  });

  test('a failure that is not transient, or one past the deadline, is thrown', async () => {
    const bad = () => Promise.reject(new Error('invalid database name'));
    await expect(whenAvailable('x', bad, { deadlineMs: 5_000, isTransient: () => false, log: () => undefined, backoff: quick })).rejects.toThrow(
      /invalid database name/,
    );
    await expect(whenAvailable('x', bad, { deadlineMs: 0, isTransient: () => true, log: () => undefined, backoff: quick })).rejects.toThrow(
      /invalid database name/,
    );
  });
});

describe('the codec port', () => {
  // Type-level: the offer events' codec is an EventCodec of the offer union, encoding envelopes.
  const codec: EventCodec<OfferEvent, Envelope> = offerEventCodec;
  const event = createOfferEvent('GoLiveRequested', { requestedBy: 'ana' }, { subject: 'p/o', attempt: 2, correlationId: 'c' }, { source: '/t' });

  test('an encoded event decodes to the same event; its type is readable from the headers alone', () => {
    const encoded = codec.encode(event);
    const headers = headersToStrings(encoded.headers);
    expect(codec.typeOf(headers)).toBe('GoLiveRequested');
    expect(codec.isKnownType('GoLiveRequested')).toBe(true);
    expect(codec.isKnownType('OfferTeleported')).toBe(false);
    const decoded = codec.decode({ key: encoded.key === null ? null : encoded.key.toString(), value: Buffer.from(encoded.value ?? ''), headers });
    expect(decoded).toEqual({
      ok: true,
      event: expect.objectContaining({ id: event.id, type: 'GoLiveRequested', subject: 'p/o', attempt: 2, data: { requestedBy: 'ana' } }),
    });
  });

  test('the type is also readable from its one header, as the consumer reads it to skip a record (bytes, repeated or missing)', () => {
    const raw = Object.fromEntries(Object.entries(codec.encode(event).headers).map(([name, value]) => [name, Buffer.from(value)]));
    const name = codec.typeHeader!;
    expect(name).toBe('ce_type');
    expect(codec.typeOf({ [name]: headerToString(raw, name)! })).toBe('GoLiveRequested');
    expect(headerToString({ [name]: [Buffer.from('a'), Buffer.from('b')] }, name)).toBe('a');
    expect(headerToString({}, name)).toBeUndefined();
    expect(headerToString(undefined, name)).toBeUndefined();
  });

  test('a record that is not an event is a decode failure with a code and a reason, never a throw', () => {
    const decoded = codec.decode({ key: 'p/o', value: Buffer.from('not json'), headers: { ...headersToStrings(codec.encode(event).headers) } });
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) {
      expect(typeof decoded.error.code).toBe('string');
      expect(decoded.error.toString()).toMatch(/json|schema/i);
    }
  });

  test('headersToStrings: bytes become text, the first of repeated values is kept, missing values are dropped', () => {
    expect(headersToStrings({ a: Buffer.from('x'), b: ['1', '2'], c: undefined, d: 'plain' })).toEqual({ a: 'x', b: '1', d: 'plain' });
    expect(headersToStrings(undefined)).toEqual({});
  });
});

describe('jobSettingsFromEnv', () => {
  const defaults = { concurrency: 8, leaseMs: 30_000, pollIntervalMs: 1_000, maxTries: 5 };
  afterEach(() => {
    delete process.env.OFFER_API_JOB_CONCURRENCY;
    delete process.env.CERTIFICATION_JOB_MAX_TRIES;
    delete process.env.JOB_LEASE_MS;
    delete process.env.JOB_MAX_TRIES;
  });

  test('reads <SERVICE>_JOB_<SETTING>, falling back to the service default', () => {
    process.env.CERTIFICATION_JOB_MAX_TRIES = '2';
    expect(jobSettingsFromEnv('certification', defaults)).toEqual({ ...defaults, maxTries: 2 });
    process.env.OFFER_API_JOB_CONCURRENCY = '3';
    expect(jobSettingsFromEnv('offer-api', defaults)).toEqual({ ...defaults, concurrency: 3 });
  });

  test("the name without the service sets every service at once; the service's own name wins", () => {
    process.env.JOB_LEASE_MS = '1500';
    process.env.JOB_MAX_TRIES = '7';
    process.env.CERTIFICATION_JOB_MAX_TRIES = '2';
    expect(jobSettingsFromEnv('certification', defaults)).toEqual({ ...defaults, leaseMs: 1_500, maxTries: 2 });
    expect(jobSettingsFromEnv('validation', defaults)).toEqual({ ...defaults, leaseMs: 1_500, maxTries: 7 });
  });

  test('a value that is not a whole number in range names the variable', () => {
    process.env.CERTIFICATION_JOB_MAX_TRIES = '0';
    expect(() => jobSettingsFromEnv('certification', defaults)).toThrow('CERTIFICATION_JOB_MAX_TRIES must be an integer >= 1, got "0"');
  });
});
