import { offerArgument, sinceOption, UsageError } from '../src/command';
import { assignments } from '../src/commands/faults';
import { progressBar, table } from '../src/render';
import { chosenServices } from '../src/fanout';
import { serviceUrl } from '../src/services';
import { failureMessages, timeline } from '../src/timeline';
import { runOps } from '../src/main';

test('failure messages come from field problems, failed checks, failed regions, stage failures and reasons', () => {
  expect(failureMessages({ problems: [{ path: 'title', code: 'required', message: 'Give the offer a title.' }] })).toEqual(['title: Give the offer a title.']);
  expect(
    failureMessages({
      failures: [{ planId: 'gen2', imageVersion: '1.0.0', disk: 'os', check: 'vhd-cookie', passed: false, message: 'not a fixed VHD' }],
      checksRun: 4,
    }),
  ).toEqual(['gen2 1.0.0 os vhd-cookie: not a fixed VHD']);
  expect(
    failureMessages({
      regions: [
        { region: 'westeurope', status: 'failed', tries: 3, reason: 'quota' },
        { region: 'eastus', status: 'replicated', tries: 1 },
      ],
    }),
  ).toEqual(['westeurope: quota']);
  expect(failureMessages({ failure: { code: 'lead-refused', reason: 'the lead endpoint refused the connection', action: 'fix it' } })).toEqual([
    'lead-refused: the lead endpoint refused the connection',
  ]);
  expect(failureMessages({ reason: 'SMTP 550' })).toEqual(['SMTP 550']);
  // a submitted offer's own fields are no failures
  expect(failureMessages({ offer: { plans: [{ status: 'failed', message: 'x' }] }, notificationEmails: [] })).toEqual([]);
});

test('a timeline puts each consumer outcome beside its event, the projection first', () => {
  const event = {
    id: 'e1',
    type: 'OfferSubmitted',
    attempt: 1,
    time: '2026-12-07T10:00:00.000Z',
    source: '/marketplace/offer-api',
    correlationId: 'c',
    causationId: null,
    outcome: 'applied',
    data: {},
  };
  const [entry] = timeline(
    [event],
    [
      { consumer: 'validation', messageId: 'e1', outcome: 'handled' },
      { consumer: 'certification', messageId: 'e1', outcome: 'dead-lettered' },
      { consumer: 'validation', messageId: 'other', outcome: 'handled' },
    ],
  );
  expect(entry.producer).toBe('offer-api');
  expect(entry.consumers).toEqual([
    { consumer: 'projection', outcome: 'applied' },
    { consumer: 'certification', outcome: 'dead-lettered' },
    { consumer: 'validation', outcome: 'handled' },
  ]);
});

test('tables align their columns and cut long cells; bars show the share done', () => {
  expect(
    table(
      ['A', 'LONG NAME'],
      [
        ['x', 'y'],
        ['wide cell', null],
      ],
    ),
  ).toBe('A          LONG NAME\n---------  ---------\nx          y\nwide cell  -\n');
  expect(table(['A'], [['abcdef']], 4)).toContain('abc…');
  expect(progressBar(1, 4, 8)).toBe('[##......]  25%');
  expect(progressBar(5, 0, 4)).toBe('[....]   0%');
});

test('command-line values are checked: offers, spans, services, assignments', () => {
  expect(offerArgument('contoso/web-vm')).toEqual({ publisherId: 'contoso', offerId: 'web-vm' });
  expect(() => offerArgument('Contoso/x')).toThrow(UsageError);
  expect(() => offerArgument('contoso')).toThrow(UsageError);
  expect(sinceOption('2h', Date.parse('2026-12-07T12:00:00Z'))).toBe('2026-12-07T10:00:00.000Z');
  expect(sinceOption('2026-12-01T00:00:00Z')).toBe('2026-12-01T00:00:00.000Z');
  expect(() => sinceOption('yesterday')).toThrow(UsageError);
  expect(chosenServices('validation,notification')).toEqual(['validation', 'notification']);
  expect(() => chosenServices('validaton')).toThrow(/unknown service validaton/);
  expect(assignments(['failingRegions=westeurope,eastus', 'failureRate=0.2', 'lead.refuse=true', 'name=x'])).toEqual({
    failingRegions: ['westeurope', 'eastus'],
    failureRate: 0.2,
    lead: { refuse: true },
    name: 'x',
  });
  expect(() => assignments(['nothing'])).toThrow(UsageError);
  expect(serviceUrl('notification', {})).toBe('http://127.0.0.1:3105');
  expect(serviceUrl('offer-api', { OPS_OFFER_API_URL: 'https://api.example/' })).toBe('https://api.example');
});

test('usage mistakes exit 2 with the command’s help; --help exits 0', async () => {
  const written: string[] = [];
  const output = (json: boolean) => ({ json, write: (t: string) => written.push(t), note: (t: string) => written.push(t) });
  expect(await runOps(['timeline', '--help'], {}, output)).toBe(0);
  expect(written.join('')).toContain('usage: npm run ops -- timeline');
  written.length = 0;
  expect(await runOps(['dlq', 'bounce'], { OPS_TOKEN: 't' }, output)).toBe(2);
  expect(written.join('')).toContain('dlq takes list, show or redrive, not bounce');
  expect(await runOps(['nope'], {}, output)).toBe(2);
  expect(await runOps(['lag', '--bogus'], { OPS_TOKEN: 't' }, output)).toBe(2);
});
