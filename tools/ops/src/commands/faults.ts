import { stringOption, UsageError, type Command } from '../command';
import { chosenServices, eachService } from '../fanout';
import { isService, STAGE_SERVICES } from '../services';

/** `key=value`: the value read as JSON when it is (numbers, booleans, lists), as text otherwise; dots nest. */
export function assignments(pairs: string[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`expected key=value, got ${JSON.stringify(pair)}`);
    const path = pair.slice(0, at).split('.');
    const raw = pair.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // plain text
    }
    if (raw.includes(',') && !raw.startsWith('[') && !raw.startsWith('"')) value = raw.split(',').filter(Boolean);
    let target = body;
    for (const key of path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[path[path.length - 1]] = value;
  }
  return body;
}

export const faultsCommand: Command = {
  name: 'faults',
  summary: 'development: the simulated back ends (failing or flaky regions, failure rate, stage durations), changed at run time',
  help: `usage: npm run ops -- faults [show] [--service a,b] [--json]
       npm run ops -- faults set <service> key=value... [--json]

  In development the stage services simulate their back ends; these settings change them without a
  restart (a service outside development mode answers 404). Values are JSON when they parse (numbers,
  true/false), comma lists become lists, dots nest: e.g.
    npm run ops -- faults set provisioning failingRegions=westeurope,eastus
    npm run ops -- faults set provisioning failureRate=0.2 replicationMs=2000
  faults show lists each service's current settings.`,
  options: { service: { type: 'string' } },
  async run(parsed, context) {
    const [action = 'show', ...rest] = parsed.positionals;
    if (action === 'show') {
      const { answers } = await eachService(context, chosenServices(stringOption(parsed, 'service'), STAGE_SERVICES), (service) =>
        context.client.operatorApi<Record<string, unknown>>(service, '/faults'),
      );
      if (context.out.json) context.out.write(`${JSON.stringify(Object.fromEntries(answers.map((a) => [a.service, a.answer])), null, 2)}\n`);
      else for (const { service, answer } of answers) context.out.write(`${service}: ${JSON.stringify(answer)}\n`);
      return;
    }
    if (action === 'set') {
      const [service, ...pairs] = rest;
      if (!service || !isService(service)) throw new UsageError(`faults set takes a service first: one of ${STAGE_SERVICES.join(', ')}`);
      if (pairs.length === 0) throw new UsageError('faults set takes key=value settings');
      const now = await context.client.operatorApi<Record<string, unknown>>(service, '/faults', { method: 'PUT', body: assignments(pairs) });
      context.out.write(context.out.json ? `${JSON.stringify(now, null, 2)}\n` : `${service}: ${JSON.stringify(now)}\n`);
      return;
    }
    throw new UsageError(`faults takes show or set, not ${action}`);
  },
};
