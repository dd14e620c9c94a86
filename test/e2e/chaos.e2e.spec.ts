/**
 * The whole pipeline under faults: two instances of every stage service plus offer-api, their own
 * Kafka broker (SIGKILLed and restarted with its data), PostgreSQL behind a proxy that goes away for
 * 10 s, the SMTP server stopped and restarted, processes SIGKILLed, poison on every partition; some 300
 * offers of every outcome through offer-api's HTTP API. The checker (chaos/checker.ts) names whatever
 * was lost, duplicated, reordered or stuck; the summary goes to .local/test-output/chaos.json.
 * The longer soak with the same code: npm run bench -- chaos-soak.
 */
import { CATEGORIES } from './chaos/checker';
import { testConfig } from './chaos/config';
import { runChaos, type ChaosReport } from './chaos/run';

jest.setTimeout(900_000);

let report: ChaosReport;

beforeAll(async () => {
  report = await runChaos(testConfig());
});

test('the pipeline ran at least 300 offers of every outcome under every kind of fault', () => {
  expect(report.offers.total).toBeGreaterThanOrEqual(Number(process.env.CHAOS_OFFERS ?? 300));
  expect(Object.keys(report.offers.byKind).sort()).toEqual(['cancel', 'invalid', 'lead-down', 'live', 'region', 'vhd']);
  expect(Object.keys(report.faults.byKind).sort()).toEqual(['broker-kill', 'poison', 'postgres-outage', 'service-kill', 'smtp-outage']);
  expect(report.faults.timeline.filter((f) => f.error)).toEqual([]);
});

test.each(CATEGORIES)('nothing %s', (category) => {
  const findings = report.findings.filter((f) => f.category === category).map((f) => `${f.subject ?? ''} ${f.what}`.trim());
  expect(findings).toEqual([]);
});

test('the pipeline drained: every offer at its outcome, every mail sent, every poison record dead-lettered, lag 0', () => {
  expect(report.drained).toMatchObject({ ok: true });
});
