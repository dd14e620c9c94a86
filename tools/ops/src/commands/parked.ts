import { stringOption, UsageError, type Command } from '../command';
import { chosenServices, eachService } from '../fanout';
import { list, time } from '../render';
import { isService } from '../services';

interface ParkedRow {
  id: string;
  parkedAt: string;
  type: string | null;
  eventId: string | null;
  key: string | null;
  bytes: number;
  heldBack: number;
  reason: string;
}

export const parkedCommand: Command = {
  name: 'parked',
  summary: "outbox rows the broker refused for good, each holding back its offer's later events; release them",
  help: `usage: npm run ops -- parked list [--service a,b] [--json]
       npm run ops -- parked release <service> <row id>... [--discard] [--json]

  list      each service's parked outbox rows: the event, its size, why the broker refused it, how many
            later events of the offer it holds back
  release   send them again once the cause is fixed (e.g. the broker's size limit raised), or with
            --discard give them up for good (kept, marked discarded) so that the offer's later events go on`,
  options: { service: { type: 'string' }, discard: { type: 'boolean' } },
  async run(parsed, context) {
    const [action, ...rest] = parsed.positionals;
    if (action === 'list') {
      const { answers } = await eachService(context, chosenServices(stringOption(parsed, 'service')), (service) =>
        context.client.operatorApi<{ value: ParkedRow[] }>(service, '/outbox/parked'),
      );
      const rows = answers.flatMap(({ service, answer }) => answer.value.map((row) => ({ ...row, service })));
      list(
        context.out,
        rows,
        [
          ['SERVICE', (r) => r.service],
          ['ROW', (r) => r.id],
          ['PARKED', (r) => time(r.parkedAt)],
          ['EVENT', (r) => `${r.type ?? '-'} ${r.eventId ?? ''}`],
          ['KEY', (r) => r.key],
          ['BYTES', (r) => r.bytes],
          ['HELD BACK', (r) => r.heldBack],
          ['REASON', (r) => r.reason],
        ],
        'no parked rows',
      );
      return;
    }
    if (action === 'release') {
      const [service, ...ids] = rest;
      if (!service || !isService(service)) throw new UsageError('parked release takes a service name first');
      if (ids.length === 0 || ids.some((id) => !/^\d+$/.test(id))) throw new UsageError('parked release takes the numeric row ids (parked list shows them)');
      const mode = parsed.values.discard === true ? 'discard' : 'retry';
      const answer = await context.client.operatorApi<{ value: Array<{ id: string; released: boolean }> }>(service, '/outbox/parked/release', {
        method: 'POST',
        body: { ids, mode },
      });
      const released = answer.value.filter((row) => row.released).map((row) => row.id);
      const skipped = answer.value.filter((row) => !row.released).map((row) => row.id);
      if (context.out.json) context.out.write(`${JSON.stringify({ service, mode, released, notParked: skipped }, null, 2)}\n`);
      else
        context.out.write(
          `${mode === 'retry' ? 'sent again' : 'discarded'}: ${released.join(', ') || 'none'}${skipped.length ? `; not parked (left alone): ${skipped.join(', ')}` : ''}\n`,
        );
      return;
    }
    throw new UsageError(`parked takes list or release${action ? `, not ${action}` : ''}`);
  },
};
