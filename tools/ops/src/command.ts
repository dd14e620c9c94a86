import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { OperatorClient } from './client';
import type { Output } from './render';

/** What every command runs with: the API client, the output and the environment (the Kafka brokers for --from-log). */
export interface Context {
  client: OperatorClient;
  out: Output;
  env: NodeJS.ProcessEnv;
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  name: string;
  summary: string;
  /** Shown by `--help`: usage lines, then what the options mean. */
  help: string;
  options: Options;
  run(parsed: Parsed, context: Context): Promise<void>;
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** A mistake in the command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

export function parseCommandLine(command: Command, argv: string[]): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...command.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Parsed['values'], positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function stringOption(parsed: Parsed, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function listOption(parsed: Parsed, name: string): string[] {
  const value = parsed.values[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

/** `<publisher>/<offer>` as the API spells offers; both parts lower-case slugs. */
export function offerArgument(value: string | undefined): { publisherId: string; offerId: string } {
  const match = /^([a-z0-9][a-z0-9-]{0,49})\/([a-z0-9][a-z0-9-]{0,49})$/.exec(value ?? '');
  if (!match) throw new UsageError(`expected <publisher>/<offer> (lower-case slugs), got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
  return { publisherId: match[1], offerId: match[2] };
}

/** An ISO time or a span back from now: 30m, 2h, 7d. */
export function sinceOption(value: string | undefined, now = Date.now()): string | undefined {
  if (value === undefined) return undefined;
  const span = /^(\d+)([smhd])$/.exec(value);
  if (span) return new Date(now - Number(span[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[span[2] as 's' | 'm' | 'h' | 'd']).toISOString();
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new UsageError(`--since takes an ISO time or a span like 30m, 2h, 7d; got ${JSON.stringify(value)}`);
  return new Date(time).toISOString();
}

export function json(out: Output, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}
