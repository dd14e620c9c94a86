/**
 * The chaos test's run (test/e2e/chaos/run.ts) as a soak: more offers (CHAOS_OFFERS, 2,000) at
 * CHAOS_RATE offers/s (4) while the fault cycle (service kills, broker kill, PostgreSQL and SMTP
 * outages, poison) repeats CHAOS_CYCLES times (6), CHAOS_FAULT_INTERVAL_MS apart (15 s).
 * CHAOS_SEED reproduces a run's offers and fault targets.
 *
 *   npm run bench -- chaos-soak
 *
 * Writes .local/test-output/chaos-soak.json and bench/results/chaos-soak.json; exits 1 on any finding.
 */
import 'reflect-metadata';
import { soakConfig } from '../test/e2e/chaos/config';
import { runChaos } from '../test/e2e/chaos/run';
import { databaseUrl, saveResult } from './harness';

async function main(): Promise<void> {
  process.env.DATABASE_URL ??= databaseUrl();
  const report = await runChaos(soakConfig());
  saveResult('chaos-soak', report);
  const findings = report.findings.length;
  if (findings || !report.drained.ok) throw new Error(`${findings} findings${report.drained.ok ? '' : `, not drained (${report.drained.missing})`}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
