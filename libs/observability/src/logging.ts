import { Injectable } from '@nestjs/common';
import { currentLogContext, envString } from '@mkt/messaging';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import pino, { type DestinationStream, type Logger as Pino, type LoggerOptions } from 'pino';

export type LogFormat = 'json' | 'text';

export interface LogSettings {
  format: LogFormat;
  /** pino's level name: fatal, error, warn, info, debug, trace or silent. */
  level: string;
  /** Colour codes in text lines: only when stdout is a terminal (never in files or pipes). */
  colour: boolean;
}

/** Nest's level names (LOG_LEVEL=log, verbose) and pino's (info, trace) are both accepted. */
const LEVELS: Record<string, string> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  info: 'info',
  debug: 'debug',
  verbose: 'trace',
  trace: 'trace',
  silent: 'silent',
};

/** Whether text lines are coloured: NO_COLOR and FORCE_COLOR=0 turn colour off, FORCE_COLOR on; otherwise only on a terminal. */
export function colourWanted(env: NodeJS.ProcessEnv = process.env, isTTY = process.stdout.isTTY === true): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY;
}

export function logSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LogSettings {
  const format = (env.LOG_FORMAT ?? 'text').toLowerCase();
  if (format !== 'json' && format !== 'text') throw new Error(`LOG_FORMAT must be json or text, got "${env.LOG_FORMAT}"`);
  const rawLevel = (env.LOG_LEVEL || 'log').toLowerCase();
  const level = LEVELS[rawLevel];
  if (!level) throw new Error(`LOG_LEVEL must be one of ${Object.keys(LEVELS).join(', ')}, got "${env.LOG_LEVEL}"`);
  return { format, level, colour: format === 'text' && colourWanted(env) };
}

/**
 * The fields every line carries about the work in hand (libs/messaging's log context): the offer
 * (publisherId, offerId, from the subject), the event (id, type), the attempt and the correlation id,
 * and the job when a job is running.
 */
export function contextFields(): Record<string, unknown> {
  const context = currentLogContext();
  if (!context) return {};
  const fields: Record<string, unknown> = {};
  if (context.subject !== undefined) {
    const slash = context.subject.indexOf('/');
    if (slash > 0) {
      fields.publisherId = context.subject.slice(0, slash);
      fields.offerId = context.subject.slice(slash + 1);
    } else fields.subject = context.subject;
  }
  if (context.eventId !== undefined) fields.eventId = context.eventId;
  if (context.eventType !== undefined) fields.eventType = context.eventType;
  if (context.attempt !== undefined) fields.attempt = context.attempt;
  if (context.correlationId !== undefined) fields.correlationId = context.correlationId;
  if (context.jobKind !== undefined) fields.jobKind = context.jobKind;
  if (context.jobId !== undefined) fields.jobId = context.jobId;
  return fields;
}

const LEVEL_COLOURS: Record<string, string> = { fatal: '35', error: '31', warn: '33', info: '32', debug: '34', trace: '90' };
/** Control characters of what is logged (an escape sequence in a publisher's text) are shown escaped, never sent to the terminal. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Fields that a text line shows in its own place, not as key=value. */
const PLACED = new Set(['time', 'level', 'msg', 'context', 'service', 'pid', 'hostname', 'err', 'stack']);
/** Context fields, shown first and in this order. */
const CONTEXT_ORDER = ['publisherId', 'offerId', 'subject', 'eventType', 'eventId', 'attempt', 'correlationId', 'jobKind', 'jobId'];

function showValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[\s"=]/.test(text) || text === '' ? JSON.stringify(text) : text;
}

/**
 * One pino record (a parsed JSON line) as a readable line: time, level, [context], message, then the
 * correlation fields as key=value, then any error's stack on the following lines. Colour codes only when
 * `colour`; without it, no escape sequence at all (control characters of messages are escaped too).
 */
export function formatTextLine(record: Record<string, unknown>, { colour }: { colour: boolean }): string {
  const paint = (code: string, text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);
  const level = String(record.level ?? 'info');
  const time = typeof record.time === 'string' ? record.time : new Date(typeof record.time === 'number' ? record.time : Date.now()).toISOString();
  const context = record.context === undefined ? '' : ` ${paint('36', `[${clean(String(record.context))}]`)}`;
  const message = clean(String(record.msg ?? ''));
  const keys = [...CONTEXT_ORDER.filter((k) => k in record), ...Object.keys(record).filter((k) => !PLACED.has(k) && !CONTEXT_ORDER.includes(k))];
  const fields = clean(keys.map((k) => `${k}=${showValue(record[k])}`).join(' '));
  const err = record.err as { stack?: string; message?: string } | undefined;
  const rawStack = err?.stack ?? (typeof record.stack === 'string' ? record.stack : undefined);
  const stack = rawStack === undefined ? undefined : clean(rawStack);
  const line0 = `${paint('90', time)} ${paint(LEVEL_COLOURS[level] ?? '0', level.toUpperCase().padEnd(5))}${context} ${message}${fields ? `  ${paint('90', fields)}` : ''}`;
  const line = stack && !message.includes(stack) ? `${line0}\n${stack}` : line0;
  return `${line}\n`;
}

/** A pino destination writing readable lines to `out` (stdout by default). */
export function textDestination(colour: boolean, out: { write(chunk: string): unknown } = process.stdout): DestinationStream {
  return {
    write(line: string) {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      out.write(formatTextLine(record, { colour }));
    },
  };
}

export function pinoOptions(service: string, settings: LogSettings): LoggerOptions {
  return {
    level: settings.level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: contextFields,
    // what a request logger might carry that must never be written
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'], censor: '[redacted]' },
  };
}

/** The service's root logger: JSON lines (LOG_FORMAT=json) or readable text, on stdout. */
export function createRootLogger(service: string, settings: LogSettings = logSettingsFromEnv(), destination?: DestinationStream): Pino {
  const out = destination ?? (settings.format === 'json' ? pino.destination({ dest: 1, sync: true }) : textDestination(settings.colour));
  return pino(pinoOptions(service, settings), out);
}

/** Nest's start-up chatter: which routes were mapped and which modules loaded, at debug rather than info. */
const CHATTY_CONTEXTS = new Set(['RoutesResolver', 'RouterExplorer', 'InstanceLoader']);

/** nestjs-pino's Nest logger, with Nest's route-mapping and module-loading lines demoted to debug. */
@Injectable()
export class ServiceLogger extends PinoNestLogger {
  override log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams[optionalParams.length - 1];
    if (typeof context === 'string' && CHATTY_CONTEXTS.has(context)) {
      this.debug(message, ...optionalParams);
      return;
    }
    super.log(message, ...optionalParams);
  }
}

/** The LOG_FORMAT the service runs with. */
export function logFormat(): LogFormat {
  return envString('LOG_FORMAT', 'text') === 'json' ? 'json' : 'text';
}
