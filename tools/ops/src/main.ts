/**
 * The operators' console: `npm run ops -- <command>`. It works through offer-api's operator API and each
 * service's own operator endpoints (and, for --from-log, the event log); it never opens a service's database.
 */
import { OperatorClient } from './client';
import { parseCommandLine, UsageError, type Command } from './command';
import { decideCommand } from './commands/decide';
import { dlqCommand } from './commands/dlq';
import { faultsCommand } from './commands/faults';
import { healthCommand } from './commands/health';
import { lagCommand } from './commands/lag';
import { mailsCommand } from './commands/mails';
import { offersCommand } from './commands/offers';
import { parkedCommand } from './commands/parked';
import { rebuildCommand } from './commands/rebuild';
import { timelineCommand } from './commands/timeline';
import { streamsOutput, type Output } from './render';

export const COMMANDS: Command[] = [
  timelineCommand,
  offersCommand,
  rebuildCommand,
  dlqCommand,
  parkedCommand,
  mailsCommand,
  decideCommand,
  lagCommand,
  healthCommand,
  faultsCommand,
];

export function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `usage: npm run ops -- <command> [options] [--json] [--help]

${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Authenticated as an operator: OPS_TOKEN, or a token minted with AUTH_JWT_SECRET (or npm start's
development secret) for OPS_OPERATOR (default: your login name). Services are reached at their development
addresses unless OPS_<SERVICE>_URL is set (e.g. OPS_OFFER_API_URL, OPS_NOTIFICATION_URL).
`;
}

/** Runs one command line; returns the exit code (0 done, 1 failed, 2 wrong usage). */
export async function runOps(argv: string[], env: NodeJS.ProcessEnv = process.env, output?: (json: boolean) => Output): Promise<number> {
  const [name, ...rest] = argv;
  const makeOutput = output ?? ((json: boolean) => streamsOutput(json));
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    makeOutput(false).write(overview());
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    makeOutput(false).note(`unknown command ${name}\n\n${overview()}`);
    return 2;
  }
  let out = makeOutput(false);
  try {
    const parsed = parseCommandLine(command, rest);
    if (parsed.values.help) {
      out.write(`${command.help}\n`);
      return 0;
    }
    out = makeOutput(parsed.values.json === true);
    const client = new OperatorClient(env);
    await client.authenticate();
    await command.run(parsed, { client, out, env });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof UsageError) {
      out.note(`${error.message}\n\n${command.help}\n`);
      return 2;
    }
    out.note(`${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void runOps(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
