/**
 * Pushes valid offers through the four stage services (validation, certification, provisioning,
 * packaging: separate processes, zero simulated delays) and measures offers/s and the time from
 * OfferSubmitted to PreviewReady. Baseline in the same run: one offer at a time on the idle pipeline.
 *
 *   npm run bench -- pipeline       (BENCH_OFFERS=1000, BENCH_RATE=50 offers/s, BENCH_BASELINE=20)
 *
 * Goal (issue 14): p99 < 2 s at 50 offers/s with no failure, <= 30 ms CPU per offer over all processes.
 */
import 'reflect-metadata';
import { Partitioners, type Consumer } from 'kafkajs';
import { createOfferEvent, encodeEvent, offerSubject, TYPE_PREFIX, type OfferDraft } from '@mkt/events';
import { testKafka } from '@mkt/testing';
import { sas, VhdServer } from '../services/certification/test/vhd-fixtures';
import { completeOffer } from '../services/validation/test/offers';
import { HttpsFront, TEST_CA_FILE } from '../test/e2e/servers';
import { Stack } from '../test/e2e/stack';
import { benchBrokers, CpuMeter, envNumber, peakRssMb, percentile, pidsNamed, saveResult } from './harness';

const OFFERS = envNumber('BENCH_OFFERS', 1_000);
const RATE = envNumber('BENCH_RATE', 50);
const BASELINE = envNumber('BENCH_BASELINE', 20);
const STAGES = ['validation', 'certification', 'provisioning', 'packaging'] as const;

/** Remembers when each offer's PreviewReady (or a failure) reached the log. */
class Arrivals {
  readonly done = new Map<string, { at: number; type: string }>();
  /** First arrival of each event type per offer, for the per-stage breakdown. */
  readonly seen = new Map<string, Map<string, number>>();
  private consumer?: Consumer;

  async start(topic: string): Promise<void> {
    this.consumer = testKafka().consumer({ groupId: `bench-arrivals-${Date.now()}`, maxWaitTimeInMs: 20 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({
      eachBatch: async ({ batch }) => {
        const at = Date.now();
        for (const m of batch.messages) {
          const type = m.headers?.ce_type?.toString().slice(TYPE_PREFIX.length) ?? '';
          const key = m.headers?.ce_subject?.toString() ?? '';
          let perOffer = this.seen.get(key);
          if (!perOffer) this.seen.set(key, (perOffer = new Map()));
          if (!perOffer.has(type)) perOffer.set(type, at);
          if (type === 'PreviewReady' || type.endsWith('Failed') || type === 'PrerequisitesRejected') {
            const subject = m.headers!.ce_subject!.toString();
            if (!this.done.has(subject)) this.done.set(subject, { at, type });
          }
        }
      },
    });
  }

  async until(subjects: string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = -1;
    while (subjects.some((s) => !this.done.has(s))) {
      const finished = subjects.filter((s) => this.done.has(s)).length;
      if (finished !== last && process.stderr.isTTY) process.stderr.write(`\r  ${finished}/${subjects.length} offers through   `);
      last = finished;
      if (Date.now() > deadline) throw new Error(`only ${finished} of ${subjects.length} offers reached PreviewReady within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

function seenAt(arrivals: Arrivals, subject: string, type: string): number | undefined {
  return arrivals.seen.get(subject)?.get(type);
}

function summarize(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
}

async function main(): Promise<void> {
  const { stop } = await benchBrokers();
  const vhds = await VhdServer.start();
  const blobs = await HttpsFront.start(vhds.origin);
  const draft = (): OfferDraft => {
    const base = completeOffer();
    const image = { version: '1.0.0', osDiskUrl: blobs.url(vhds.url('os-30g.vhd', sas())), dataDiskUrls: [blobs.url(vhds.url('data-1g.vhd', sas()))] };
    return { ...base, plans: [{ ...base.plans![0], imageVersions: [image] }] };
  };
  // production-like pacing: default leases and progress cadence, zero simulated durations
  const stack = await new Stack({
    DEVELOPMENT: 'true',
    NODE_EXTRA_CA_CERTS: TEST_CA_FILE,
    LOG_LEVEL: 'warn',
    JOB_LEASE_MS: '30000',
    CONSUMER_SESSION_TIMEOUT_MS: '30000',
    PROVISIONING_PROGRESS_MIN_INTERVAL_MS: '1000',
  }).init();
  const arrivals = new Arrivals();
  const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  try {
    console.log(`starting ${STAGES.join(', ')} as separate processes...`);
    await stack.startAll([...STAGES]);
    await arrivals.start(stack.topic);
    await producer.connect();
    const submittedAt = new Map<string, number>();
    let serial = 0;
    const submit = async (count: number) => {
      const messages = [];
      const subjects: string[] = [];
      for (let i = 0; i < count; i += 1) {
        const offerId = `bench-${(serial += 1)}`;
        const subject = offerSubject('contoso', offerId);
        const event = createOfferEvent(
          'OfferSubmitted',
          { publisherId: 'contoso', offerId, notificationEmails: ['ops@contoso.test'], language: 'en', submittedBy: 'bench', offer: draft() },
          { subject, attempt: 1, correlationId: subject },
          { source: '/marketplace/offer-api' },
        );
        const wire = encodeEvent(event);
        messages.push({ key: wire.key, value: wire.value, headers: wire.headers });
        subjects.push(subject);
      }
      const now = Date.now();
      await producer.send({ topic: stack.topic, messages, acks: -1 });
      for (const s of subjects) submittedAt.set(s, now);
      return subjects;
    };
    const latencyOf = (subjects: string[]) => subjects.map((s) => arrivals.done.get(s)!.at - submittedAt.get(s)!);

    // baseline: one offer at a time through the idle pipeline
    const baselineSubjects: string[] = [];
    for (let i = 0; i < BASELINE; i += 1) {
      const [subject] = await submit(1);
      baselineSubjects.push(subject);
      await arrivals.until([subject], 60_000);
    }
    const baseline = summarize(latencyOf(baselineSubjects));
    console.log(`\nbaseline (one offer at a time, ${BASELINE} offers): p50 ${baseline.p50} ms, p99 ${baseline.p99} ms`);

    // load: OFFERS offers at RATE offers/s, open loop (submissions do not wait for completions)
    console.log(`pushing ${OFFERS} offers at ${RATE} offers/s...`);
    const loadSubjects: string[] = [];
    const tick = 100;
    const perTick = Math.max(1, Math.round((RATE * tick) / 1000));
    const meter = new CpuMeter(() => ({
      ...Object.fromEntries(STAGES.map((name) => [name, [stack.services.get(name)!.process.process.pid!]])),
      // the bench's broker and this run's databases only: other brokers and databases on the machine are not the pipeline's
      kafka: pidsNamed('java', (cmdline) => cmdline.includes(`kafka-${process.env.BENCH_KAFKA_INSTANCE ?? 'test'}/`)),
      postgres: pidsNamed('postgres', (cmdline) => cmdline.includes(` ${stack.run}`) || !/ (\d+\.\d+\.\d+\.\d+\(\d+\)|\[local\])/.test(cmdline)),
      'bench (load, test servers)': [process.pid],
    }));
    meter.start();
    const started = Date.now();
    while (loadSubjects.length < OFFERS) {
      const due = Math.min(OFFERS - loadSubjects.length, perTick);
      loadSubjects.push(...(await submit(due)));
      const next = started + (loadSubjects.length / perTick) * tick;
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    }
    const submitSeconds = (Date.now() - started) / 1000;
    await arrivals.until(loadSubjects, 600_000);
    const cpu = meter.stop();
    // peak RSS of each service process over its life (baseline and load), read before they stop
    const peakRss = Object.fromEntries([
      ...STAGES.map((name) => [name, peakRssMb(stack.services.get(name)!.process.process.pid!)]),
      ['bench (load, test servers)', peakRssMb(process.pid)],
    ]) as Record<string, number>;
    if (process.env.BENCH_PG_STATS === 'true') {
      const { Client } = await import('pg');
      const client = new Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
      await client.connect();
      const pgStats = await client.query(
        `SELECT datname, xact_commit, tup_inserted, tup_updated, tup_deleted FROM pg_stat_database WHERE datname LIKE $1 ORDER BY 1`,
        [`${stack.run}%`],
      );
      for (const row of pgStats.rows)
        console.log(
          `  ${row.datname}: ${(row.xact_commit / OFFERS).toFixed(1)} commits, ${(row.tup_inserted / OFFERS).toFixed(1)} inserts, ${(row.tup_updated / OFFERS).toFixed(1)} updates per offer`,
        );
      await client.end();
    }
    const finishedAt = Math.max(...loadSubjects.map((s) => arrivals.done.get(s)!.at));
    const seconds = (finishedAt - started) / 1000;
    const failures = loadSubjects.filter((s) => arrivals.done.get(s)!.type !== 'PreviewReady');
    const load = summarize(latencyOf(loadSubjects));
    const throughput = OFFERS / seconds;
    console.log(`\nsubmitted ${OFFERS} offers in ${submitSeconds.toFixed(1)} s (offered ${(OFFERS / submitSeconds).toFixed(0)}/s)`);
    const failureTypes = failures.reduce<Record<string, number>>(
      (acc, s) => ({ ...acc, [arrivals.done.get(s)!.type]: (acc[arrivals.done.get(s)!.type] ?? 0) + 1 }),
      {},
    );
    console.log(
      `all through in ${seconds.toFixed(1)} s: ${throughput.toFixed(0)} offers/s (offered ${RATE}/s), ${failures.length} not PreviewReady ${failures.length ? JSON.stringify(failureTypes) : ''}`,
    );
    console.log(`OfferSubmitted -> PreviewReady under load: p50 ${load.p50} ms, p90 ${load.p90} ms, p99 ${load.p99} ms (goal p99 < 2000), max ${load.max} ms`);
    const stages: Array<[string, string, string]> = [
      ['validation', 'OfferSubmitted', 'PrerequisitesValidated'],
      ['certification', 'PrerequisitesValidated', 'CertificationPassed'],
      ['provisioning', 'CertificationPassed', 'ImagesReplicated'],
      ['packaging', 'ImagesReplicated', 'PreviewReady'],
    ];
    const breakdown = Object.fromEntries(
      stages.map(([name, from, to]) => {
        const gaps = loadSubjects.map((s) => (seenAt(arrivals, s, to) ?? NaN) - (seenAt(arrivals, s, from) ?? NaN)).filter((g) => !Number.isNaN(g));
        return [name, summarize(gaps)];
      }),
    );
    for (const [name, stats] of Object.entries(breakdown)) console.log(`  ${name.padEnd(14)} p50 ${stats.p50} ms, p99 ${stats.p99} ms`);
    const cpuTotal = Object.values(cpu).reduce((a, b) => a + b, 0);
    console.log(`CPU per offer (ms), ${(cpuTotal / 1000 / seconds).toFixed(2)} cores busy on average:`);
    for (const [group, ms] of Object.entries(cpu)) console.log(`  ${group.padEnd(28)} ${(ms / OFFERS).toFixed(2)}`);
    console.log(`  ${'total'.padEnd(28)} ${(cpuTotal / OFFERS).toFixed(2)} (goal <= 30)`);
    console.log(
      `peak RSS (MB, VmHWM; goal <= 200 per service): ${Object.entries(peakRss)
        .map(([name, mb]) => `${name} ${mb}`)
        .join(', ')}`,
    );
    console.log(`compared with the idle baseline: p50 x${(load.p50 / baseline.p50).toFixed(1)}, p99 x${(load.p99 / baseline.p99).toFixed(1)}`);
    const file = saveResult('pipeline', {
      offers: OFFERS,
      offeredRate: RATE,
      throughput: Number(throughput.toFixed(1)),
      latencyMs: load,
      baselineMs: baseline,
      stagesMs: breakdown,
      cpuMsPerOffer: Object.fromEntries(Object.entries(cpu).map(([g, ms]) => [g, Number((ms / OFFERS).toFixed(2))])),
      failures: failures.length,
      peakRssMb: peakRss,
    });
    console.log(`result written to ${file}`);
    if (failures.length) throw new Error(`${failures.length} offers did not reach PreviewReady`);
  } finally {
    await producer.disconnect().catch(() => undefined);
    await arrivals.stop();
    await stack.teardown();
    await blobs.close();
    await vhds.close();
    await stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
