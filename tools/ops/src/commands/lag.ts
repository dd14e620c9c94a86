import { stringOption, UsageError, type Command } from '../command';
import { chosenServices, eachService } from '../fanout';
import { duration, table } from '../render';

export interface LagReport {
  service: string;
  consumers: Array<{ group: string; topic: string; lag: number; partitions: Array<{ partition: number; committed: string | null; end: string; lag: number }> }>;
  outbox: { pending: number; parked: number; oldestPendingSeconds: number | null };
  jobs: Array<{ kind: string; pending: number; running: number; oldestPendingSeconds: number | null }>;
}

export const lagCommand: Command = {
  name: 'lag',
  summary: "each consumer group's lag per partition, each service's outbox backlog, job queue depth and oldest job",
  help: `usage: npm run ops -- lag [--service a,b] [--partitions] [--json]

  Per service: each consumer group's lag (end offset minus committed offset, summed; per partition with
  --partitions), the outbox rows not yet on Kafka and the age of the oldest, parked rows, and per job kind
  the jobs waiting and running and the age of the oldest waiting one.`,
  options: { service: { type: 'string' }, partitions: { type: 'boolean' } },
  async run(parsed, context) {
    if (parsed.positionals.length) throw new UsageError(`lag takes no arguments (got ${parsed.positionals.join(' ')})`);
    const { answers } = await eachService(context, chosenServices(stringOption(parsed, 'service')), (service) =>
      context.client.operatorApi<LagReport>(service, '/lag'),
    );
    const reports = answers.map((a) => a.answer);
    if (context.out.json) {
      context.out.write(`${JSON.stringify({ value: reports }, null, 2)}\n`);
      return;
    }
    const consumerRows = reports.flatMap((r) =>
      r.consumers.flatMap((c) =>
        parsed.values.partitions
          ? c.partitions.map((p) => [r.service, c.group, `${c.topic}[${p.partition}]`, p.committed ?? '-', p.end, p.lag])
          : [[r.service, c.group, c.topic, '', '', c.lag]],
      ),
    );
    context.out.write(table(['SERVICE', 'GROUP', 'TOPIC', 'COMMITTED', 'END', 'LAG'], consumerRows));
    context.out.write('\n');
    context.out.write(
      table(
        ['SERVICE', 'OUTBOX PENDING', 'OLDEST', 'PARKED'],
        reports.map((r) => [r.service, r.outbox.pending, duration(r.outbox.oldestPendingSeconds), r.outbox.parked]),
      ),
    );
    const jobRows = reports.flatMap((r) => r.jobs.map((j) => [r.service, j.kind, j.pending, j.running, duration(j.oldestPendingSeconds)]));
    if (jobRows.length) {
      context.out.write('\n');
      context.out.write(table(['SERVICE', 'JOB KIND', 'WAITING', 'RUNNING', 'OLDEST WAITING'], jobRows));
    }
  },
};
