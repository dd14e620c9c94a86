import { stringOption, UsageError, type Command } from '../command';
import { chosenServices, eachService } from '../fanout';
import { table } from '../render';

interface Readiness {
  status: string;
  info?: Record<string, { status: string; [key: string]: unknown }>;
  error?: Record<string, { status: string; message?: string; [key: string]: unknown }>;
}

export const healthCommand: Command = {
  name: 'health',
  summary: "each service's readiness: database, Kafka, consumer, outbox backlog",
  help: `usage: npm run ops -- health [--service a,b] [--json]

  Asks each service's /health/ready: ready, or not ready with the failing indicator and its reason.
  Exits 1 when a service is not ready or cannot be reached.`,
  options: { service: { type: 'string' } },
  async run(parsed, context) {
    if (parsed.positionals.length) throw new UsageError(`health takes no arguments (got ${parsed.positionals.join(' ')})`);
    const services = chosenServices(stringOption(parsed, 'service'));
    const { answers, failed } = await eachService(context, services, (service) =>
      context.client.request<Readiness>(service, '/health/ready', { accept: [503] }),
    );
    const rows = [
      ...answers.map(({ service, answer }) => {
        const failing = Object.entries(answer.body?.error ?? {}).map(([name, detail]) => `${name}: ${detail.message ?? detail.status}`);
        return { service, ready: answer.status === 200, detail: failing.join('; ') };
      }),
      ...failed.map(({ service, error }) => ({ service, ready: false, detail: error })),
    ];
    if (context.out.json) context.out.write(`${JSON.stringify({ value: rows }, null, 2)}\n`);
    else
      context.out.write(
        table(
          ['SERVICE', 'READY', 'WHY NOT'],
          rows.map((r) => [r.service, r.ready ? 'yes' : 'NO', r.detail]),
          120,
        ),
      );
    if (rows.some((r) => !r.ready)) process.exitCode = 1;
  },
};
