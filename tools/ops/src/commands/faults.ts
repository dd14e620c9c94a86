import { stringOption, UsageError, type Command } from '../command';
import { chosenServices, eachService } from '../fanout';
import { table } from '../render';
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

interface FaultsAnswer {
  service: string;
  settings: Record<string, unknown>;
  descriptions: Record<string, string>;
}

function renderFaults(answer: FaultsAnswer): string {
  return `${answer.service}\n${table(
    ['SETTING', 'NOW', 'WHAT IT DOES'],
    Object.entries(answer.settings).map(([name, value]) => [name, JSON.stringify(value), answer.descriptions[name]]),
    100,
  )}`;
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
      const services = chosenServices(stringOption(parsed, 'service'), STAGE_SERVICES);
      // notification has no simulated back end: asked only when named
      const asked = stringOption(parsed, 'service') ? services : services.filter((s) => s !== 'notification');
      const { answers } = await eachService(context, asked, (service) => context.client.operatorApi<FaultsAnswer>(service, '/faults'));
      if (context.out.json) context.out.write(`${JSON.stringify({ value: answers.map((a) => a.answer) }, null, 2)}\n`);
      else for (const { answer } of answers) context.out.write(renderFaults(answer));
      return;
    }
    if (action === 'set') {
      const [service, ...pairs] = rest;
      if (!service || !isService(service)) throw new UsageError(`faults set takes a service first: one of ${STAGE_SERVICES.join(', ')}`);
      if (pairs.length === 0) throw new UsageError('faults set takes key=value settings');
      const now = await context.client.operatorApi<FaultsAnswer>(service, '/faults', { method: 'PUT', body: assignments(pairs) });
      context.out.write(context.out.json ? `${JSON.stringify(now, null, 2)}\n` : renderFaults(now));
      return;
    }
    throw new UsageError(`faults takes show or set, not ${action}`);
  },
};
