/**
 * The log formatter: plain text without a single escape sequence when the output is a file or a pipe,
 * colour only when asked (a terminal); JSON lines with the correlation fields of the work in hand.
 */
import { Writable } from 'node:stream';
import { withLogContext } from '@mkt/messaging';
import { colourWanted, createRootLogger, formatTextLine, logSettingsFromEnv, textDestination } from '../src/logging';
import { correlationIdOf } from '../src/correlation';

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[/;

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

const EVENT_CONTEXT = {
  subject: 'contoso/vm-1',
  eventId: 'e-1',
  eventType: 'OfferSubmitted',
  attempt: 2,
  correlationId: 'corr-12345678',
};

describe('text lines', () => {
  test('in file mode hold no ANSI code, even for a message that carries one, and show the context fields', () => {
    const out: string[] = [];
    const logger = createRootLogger(
      'validation',
      { format: 'text', level: 'info', colour: false },
      textDestination(false, { write: (c: string) => out.push(c) }),
    );
    withLogContext(EVENT_CONTEXT, () => logger.info({ context: 'Stage' }, 'contoso/vm-1#2: failed \x1b[31mred\x1b[0m'));
    logger.error({ context: 'Relay', err: new Error('boom') }, 'relay interrupted');
    const text = out.join('');
    expect(text).not.toMatch(ANSI);
    expect(out[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}\[Stage\] contoso\/vm-1#2: failed \\x1b\[31mred/);
    expect(out[0]).toContain('publisherId=contoso offerId=vm-1 eventType=OfferSubmitted eventId=e-1 attempt=2 correlationId=corr-12345678');
    expect(out[1]).toMatch(/ERROR \[Relay\] relay interrupted/);
    expect(out[1]).toContain('Error: boom'); // the stack follows on its own lines
  });

  test('are coloured only when colour is wanted', () => {
    const record = { time: '2026-01-01T00:00:00.000Z', level: 'warn', msg: 'slow', context: 'X' };
    expect(formatTextLine(record, { colour: true })).toMatch(ANSI);
    expect(formatTextLine(record, { colour: false })).toBe('2026-01-01T00:00:00.000Z WARN  [X] slow\n');
  });

  test('colour: never with NO_COLOR or FORCE_COLOR=0 (what stack.mjs sets), on a terminal otherwise', () => {
    expect(colourWanted({}, false)).toBe(false);
    expect(colourWanted({}, true)).toBe(true);
    expect(colourWanted({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colourWanted({ NO_COLOR: '1', FORCE_COLOR: '0' }, true)).toBe(false);
    expect(colourWanted({ FORCE_COLOR: '1' }, false)).toBe(true);
  });
});

describe('JSON lines', () => {
  test('carry service, level, context, message and the offer, event, attempt and correlation of the work in hand', () => {
    const { lines, stream } = capture();
    const logger = createRootLogger('certification', { format: 'json', level: 'info', colour: false }, stream);
    withLogContext(EVENT_CONTEXT, () => withLogContext({ jobKind: 'certify', jobId: '7' }, () => logger.info({ context: 'JobWorker' }, 'job done')));
    logger.debug('not at info');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]);
    expect(record).toMatchObject({
      level: 'info',
      service: 'certification',
      context: 'JobWorker',
      msg: 'job done',
      publisherId: 'contoso',
      offerId: 'vm-1',
      eventId: 'e-1',
      eventType: 'OfferSubmitted',
      attempt: 2,
      correlationId: 'corr-12345678',
      jobKind: 'certify',
      jobId: '7',
    });
    expect(new Date(record.time).toISOString()).toBe(record.time);
    expect(lines[0]).not.toMatch(ANSI);
  });
});

test('settings: LOG_FORMAT json|text, LOG_LEVEL in Nest or pino names; anything else is refused', () => {
  expect(logSettingsFromEnv({})).toEqual({ format: 'text', level: 'info', colour: false });
  expect(logSettingsFromEnv({ LOG_FORMAT: 'json', LOG_LEVEL: 'verbose' })).toMatchObject({ format: 'json', level: 'trace', colour: false });
  expect(logSettingsFromEnv({ LOG_LEVEL: 'warn' }).level).toBe('warn');
  expect(() => logSettingsFromEnv({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  expect(() => logSettingsFromEnv({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
});

test('x-correlation-id: 8 to 128 characters of [A-Za-z0-9._:-] are taken, anything else is replaced by a new id', () => {
  expect(correlationIdOf('order-42:retry.1')).toBe('order-42:retry.1');
  expect(correlationIdOf(['abcdefgh', 'other'])).toBe('abcdefgh');
  for (const bad of [undefined, 'short', 'x'.repeat(129), 'has space!', 'nul\u0000byte1', '<script>alert(1)</script>']) {
    const id = correlationIdOf(bad);
    expect(id).not.toBe(bad);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  }
});
