/**
 * One chaos run of the whole pipeline: its own Kafka broker (the `chaos` instance of
 * scripts/infra/kafka.js), two instances of every stage service and offer-api as processes from dist/,
 * every service's database on the real PostgreSQL behind a TCP proxy the run controls, the real test
 * servers (VHD blob store, lead endpoint, SMTP). Offers of every outcome go in through offer-api's HTTP
 * API while a fault schedule kills processes and the broker, takes PostgreSQL and SMTP away and puts
 * poison on the log; then the checker (checker.ts) reads everything back and names what went wrong.
 * Used by test/e2e/chaos.e2e.spec.ts (a short schedule) and bench/chaos-soak.bench.ts (a long one).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ensureTopics, withDatabase } from '@mkt/messaging';
import { REPO_ROOT, TcpProxy, testDatabaseUrl, waitFor } from '@mkt/testing';
import { VhdServer } from '../../../services/certification/test/vhd-fixtures';
import { TestSmtpServer } from '../../../services/notification/test/smtp-test-server';
import { HttpsFront, LeadEndpoint, TEST_CA_FILE } from '../servers';
import { Stack, type ServiceName } from '../stack';
import { CATEGORIES, check, type CheckResult, type Finding } from './checker';
import { Fleet } from './fleet';
import { FAULT_KINDS, injectPoison, percentile, type FaultKind, type FaultRecord, type PoisonRecord } from './faults';
import { chaosKafka, committedOffsets, endOffsets, lagOf, LiveLog, readWholeTopic, type LogRecord } from './log';
import { CHAOS_JWT_SECRET, NOTIFIED, OUTCOME, planOffers, prng, publisherToken, PublisherClient, TERMINAL, type OfferKind, type OfferProgress } from './offers';

const kafkaInfra = require('../../../scripts/infra/kafka.js') as {
  start(name: string, options?: { keepData?: boolean; timeoutMs?: number }): Promise<{ brokers: string; started: boolean }>;
  stop(name: string): Promise<boolean>;
  kill(name: string): boolean;
};

export const SERVICES: ServiceName[] = ['validation', 'certification', 'provisioning', 'packaging', 'notification', 'offer-api'];
export const TOPIC = 'offer.events';
export const DEAD_LETTER_TOPIC = 'offer.events.dlq';
const BROKER = 'chaos';

export interface ChaosConfig {
  /** Names the output file: .local/test-output/<name>.json. */
  name: string;
  offers: number;
  /** Offers submitted per second (open loop). */
  rate: number;
  mix: Record<OfferKind, number>;
  /** Instances of each stage service (validation ... notification). */
  instances: number;
  offerApiInstances: number;
  partitions: number;
  /** The faults, in order; each starts `faultIntervalMs` after the previous one ended. */
  faults: FaultKind[];
  firstFaultAfterMs: number;
  faultIntervalMs: number;
  /** How long a killed service stays down before it is started again. */
  serviceDownMs: number;
  brokerDownMs: number;
  postgresOutageMs: number;
  smtpOutageMs: number;
  /** After the last offer and the last fault: how long the pipeline gets to finish everything. */
  drainTimeoutMs: number;
  seed: number;
}

export interface ChaosReport {
  name: string;
  seed: number;
  startedAt: string;
  durationMs: number;
  offers: { total: number; accepted: number; byKind: Record<string, number>; outcomes: CheckResult['outcomes'] };
  faults: {
    byKind: Record<string, number>;
    timeline: Array<Omit<FaultRecord, 'drainTarget' | 'startedAt' | 'endedAt'> & { atMs: number; durationMs?: number }>;
  };
  recovery: Record<string, { count: number; progressMs: { p50?: number; max?: number; none: number }; drainMs: { p50?: number; max?: number; none: number } }>;
  counts: CheckResult['counts'];
  findings: Finding[];
  redelivered: CheckResult['redelivered'];
  mails: CheckResult['mails'];
  leads: CheckResult['leads'];
  deadLetters: CheckResult['deadLetters'] & { poisonDeadLetteredMs: { p50?: number; max?: number } };
  drained: { ok: boolean; waitedMs: number; missing?: string };
  infrastructure: {
    postgresConnectionsDropped: number;
    serviceRestarts: number;
    failedStarts: Array<{ instance: string; error: string }>;
    httpRetries: number;
    liveReaderRestarts: number;
  };
  logDirectory: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function serverOf(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || 5432) };
}

function throughProxy(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

export async function runChaos(config: ChaosConfig, say: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<ChaosReport> {
  const began = Date.now();
  const random = prng(config.seed);
  const outputDir = join(REPO_ROOT, '.local', 'test-output');
  const logDir = join(outputDir, `${config.name}-logs`);
  mkdirSync(logDir, { recursive: true });
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((error: Error) => say(`cleanup: ${error.message}`));
  };

  try {
    // infrastructure this run owns: a fresh broker, a proxy in front of PostgreSQL, the test servers
    await kafkaInfra.stop(BROKER);
    const brokers = [(await kafkaInfra.start(BROKER)).brokers];
    cleanups.push(() => kafkaInfra.stop(BROKER));
    const kafka = chaosKafka(brokers);
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [
      { topic: TOPIC, partitions: config.partitions },
      { topic: DEAD_LETTER_TOPIC, partitions: config.partitions },
    ]);
    await admin.disconnect();

    const database = serverOf(testDatabaseUrl());
    const proxy = await new TcpProxy(database.host, database.port).up();
    cleanups.push(() => proxy.close());
    const smtp = await new TestSmtpServer().start();
    cleanups.push(() => smtp.stop());
    const vhds = await VhdServer.start();
    const blobs = await HttpsFront.start(vhds.origin);
    const leads = await LeadEndpoint.start();
    cleanups.push(() => Promise.all([vhds.close(), blobs.close(), leads.close()]));

    const stack = new Stack({
      KAFKA_BROKERS: brokers.join(','),
      DATABASE_URL: throughProxy(testDatabaseUrl(), proxy.port),
      DATABASE_POOL_SIZE: '4',
      OFFER_EVENTS_PARTITIONS: String(config.partitions),
      DEVELOPMENT: 'true',
      NODE_EXTRA_CA_CERTS: TEST_CA_FILE,
      CERTIFICATION_TIMEOUT_MS: '3000',
      PACKAGING_LEAD_TIMEOUT_MS: '2000',
      PACKAGING_RETRY_BACKOFF_MS: '100',
      PACKAGING_JOB_MAX_TRIES: '2',
      PROVISIONING_RETRY_BACKOFF_MS: '20',
      JOB_POLL_INTERVAL_MS: '250',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SMTP_TIMEOUT_MS: '3000',
      NOTIFICATION_RETRY_INITIAL_MS: '200',
      NOTIFICATION_RETRY_MAX_MS: '2000',
      NOTIFICATION_JOB_MAX_TRIES: '100',
      NOTIFICATION_JOB_LEASE_MS: '5000',
      NOTIFICATION_JOB_POLL_INTERVAL_MS: '250',
      AUTH_JWT_SECRET: CHAOS_JWT_SECRET,
      // one publisher, one token, thousands of offers as fast as the fleet takes them
      OFFER_API_MAX_DRAFTS_PER_PUBLISHER: '1000000',
      OFFER_API_MAX_DRAFT_BYTES_PER_PUBLISHER: '1000000000',
      OFFER_API_MAX_PUBLISHES_PER_HOUR: '1000000',
      OFFER_API_RATE_LIMIT_PER_SECOND: '1000000',
      OFFER_API_RATE_LIMIT_BURST: '1000000',
    });
    stack.topic = TOPIC;
    stack.deadLetterTopic = DEAD_LETTER_TOPIC;
    cleanups.push(() => stack.teardown());
    const groups = SERVICES.map((s) => `${stack.run}-${s}`);

    // provisioning starts with a region that refuses every image, for the ReplicationFailed offers that go first
    const failingRegion = { PROVISIONING_FAILING_REGIONS: 'brazilsouth', PROVISIONING_REGION_MAX_TRIES: '2' };
    const fleet = new Fleet(stack, logDir);
    for (const name of SERVICES)
      fleet.add(name, name === 'offer-api' ? config.offerApiInstances : config.instances, name === 'provisioning' ? failingRegion : {});
    cleanups.push(() => fleet.stopAll());
    say(
      `chaos ${config.name}: seed ${config.seed}, run ${stack.run}, broker ${brokers}, PostgreSQL via proxy :${proxy.port}, SMTP :${smtp.port}; starting ${fleet.instances.length} service processes...`,
    );
    await fleet.startAll();
    say(`  services up in ${((Date.now() - began) / 1000).toFixed(0)} s`);

    const live = await new LiveLog(kafka, TOPIC).start();
    const deadLetters = await new LiveLog(kafka, DEAD_LETTER_TOPIC).start();
    cleanups.push(() => Promise.all([live.stop(), deadLetters.stop()]));

    // progress after each fault, and lag drained to the log as it stood when the fault ended
    const faults: FaultRecord[] = [];
    const progressed = (record: LogRecord, filter: FaultRecord['progressFilter'], dlq: boolean) => {
      if (filter === 'dead-letter') return dlq;
      if (dlq || !record.event) return false;
      return filter === 'any-event' || filter === `source:${record.event.source}`;
    };
    const watch = (record: LogRecord, dlq: boolean) => {
      for (const fault of faults) {
        if (fault.endedAt !== undefined && fault.progressMs === undefined && record.seenAt >= fault.endedAt && progressed(record, fault.progressFilter, dlq)) {
          fault.progressMs = record.seenAt - fault.endedAt;
        }
      }
    };
    live.onRecord((r) => watch(r, false));
    deadLetters.onRecord((r) => watch(r, true));
    const mailsAtEnd = new Map<FaultRecord, number>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await sleep(500);
        for (const [fault, count] of mailsAtEnd) {
          if (smtp.received.length > count) {
            fault.progressMs = Date.now() - fault.endedAt!;
            mailsAtEnd.delete(fault);
          }
        }
        const draining = faults.filter((f) => f.drainTarget && f.drainMs === undefined);
        if (!draining.length) continue;
        try {
          const committed = await Promise.all(groups.map((g) => committedOffsets(kafka, g, TOPIC)));
          for (const fault of draining) {
            if (committed.every((c) => [...fault.drainTarget!].every(([p, end]) => (c.get(p) ?? -1) >= end))) fault.drainMs = Date.now() - fault.endedAt!;
          }
        } catch {
          // the broker is away: try again at the next sample
        }
      }
    })();

    const poison: PoisonRecord[] = [];
    const endFault = async (fault: FaultRecord) => {
      fault.endedAt = Date.now();
      if (fault.progressFilter === 'mail') mailsAtEnd.set(fault, smtp.received.length);
      fault.drainTarget = await waitFor('end offsets after a fault', () => endOffsets(kafka, TOPIC), { timeoutMs: 60_000, intervalMs: 500 }).catch(
        () => undefined,
      );
    };
    const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
    const inject = async (kind: FaultKind) => {
      const fault: FaultRecord = { kind, target: '', startedAt: Date.now(), progressFilter: 'any-event' };
      faults.push(fault);
      try {
        switch (kind) {
          case 'service-kill': {
            const name = pick(SERVICES);
            const both = random() < 0.3;
            const victims = both ? fleet.of(name) : [pick(fleet.of(name))];
            fault.target = victims.map((v) => v.id).join('+');
            fault.progressFilter = `source:/marketplace/${name}`;
            await Promise.all(victims.map((v) => fleet.kill(v.id)));
            await sleep(config.serviceDownMs);
            await Promise.all(victims.map((v) => fleet.restart(v.id)));
            break;
          }
          case 'broker-kill':
            fault.target = `kafka ${BROKER}`;
            kafkaInfra.kill(BROKER);
            await sleep(config.brokerDownMs);
            await kafkaInfra.start(BROKER, { keepData: true });
            break;
          case 'postgres-outage':
            fault.target = `PostgreSQL proxy :${proxy.port} (${config.postgresOutageMs} ms)`;
            await proxy.down();
            await sleep(config.postgresOutageMs);
            await proxy.up();
            break;
          case 'smtp-outage':
            fault.target = `SMTP :${smtp.port} (${config.smtpOutageMs} ms)`;
            fault.progressFilter = 'mail';
            await smtp.stop();
            await sleep(config.smtpOutageMs);
            await smtp.start(smtp.port);
            break;
          case 'poison': {
            const round = faults.filter((f) => f.kind === 'poison').length;
            fault.progressFilter = 'dead-letter';
            const records = await waitFor('poison produced', () => injectPoison(kafka, TOPIC, config.partitions, round), {
              timeoutMs: 60_000,
              intervalMs: 1_000,
            });
            poison.push(...records);
            fault.target = `${records.length} records on ${config.partitions} partitions`;
            break;
          }
        }
      } catch (error) {
        fault.error = (error as Error).message;
        say(`  fault ${kind} failed: ${fault.error}`);
      }
      await endFault(fault);
      say(`  [${((Date.now() - began) / 1000).toFixed(0)} s] ${kind} ${fault.target}: ${((fault.endedAt! - fault.startedAt) / 1000).toFixed(1)} s`);
    };

    // the offers: ReplicationFailed ones first (while provisioning has its failing region), with the
    // ones that never reach provisioning; then the rest
    const plans = planOffers(config.offers, config.mix, stack.run, { vhds, blobs, leads }, random);
    const progress: OfferProgress[] = plans.map((plan) => ({ plan, httpRetries: 0 }));
    const regionOffers = progress.filter((p) => p.plan.kind === 'region');
    const early = progress.filter((p) => p.plan.kind === 'invalid' || p.plan.kind === 'vhd');
    const later = progress.filter((p) => !regionOffers.includes(p) && !early.includes(p));
    const client = new PublisherClient(() => fleet.urls('offer-api'), await publisherToken(), 8, config.drainTimeoutMs);
    const tasks: Array<Promise<void>> = [];
    const drive = async (p: OfferProgress) => {
      try {
        await client.create(p);
        await client.publish(p);
        if (p.plan.kind !== 'live' && p.plan.kind !== 'cancel') return;
        await waitFor(
          `PreviewReady of ${p.plan.subject}`,
          () => live.has(p.plan.subject, 'PreviewReady') || TERMINAL.some((t) => live.has(p.plan.subject, t)),
          {
            timeoutMs: config.drainTimeoutMs + config.faults.length * 30_000,
            intervalMs: 200,
          },
        );
        if (!live.has(p.plan.subject, 'PreviewReady') || TERMINAL.some((t) => live.has(p.plan.subject, t))) return;
        await client.signOff(p, p.plan.kind === 'live' ? 'golive' : 'cancel');
      } catch (error) {
        p.refused = (error as Error).message;
      }
    };
    const feed = async (list: OfferProgress[]) => {
      const start = Date.now();
      for (const [i, p] of list.entries()) {
        await sleep(Math.max(0, start + (i * 1000) / config.rate - Date.now()));
        tasks.push(drive(p));
      }
    };

    const feedStart = Date.now();
    const schedule = (async () => {
      await sleep(config.firstFaultAfterMs);
      for (const kind of config.faults) {
        await inject(kind);
        await sleep(config.faultIntervalMs);
      }
    })();
    await feed([...regionOffers, ...early]);
    await waitFor(
      'every ReplicationFailed offer at its outcome',
      () => regionOffers.every((p) => p.refused || TERMINAL.some((t) => live.has(p.plan.subject, t))),
      { timeoutMs: config.drainTimeoutMs, intervalMs: 250 },
    ).catch((error: Error) => say(`  ${error.message}`));
    await fleet.reconfigure('provisioning', {});
    say(`  [${((Date.now() - began) / 1000).toFixed(0)} s] provisioning restarted without its failing region; ${later.length} more offers`);
    await feed(later);
    await schedule;
    say(
      `  [${((Date.now() - began) / 1000).toFixed(0)} s] all ${plans.length} offers submitted in ${((Date.now() - feedStart) / 1000).toFixed(0)} s, ${faults.length} faults injected; draining...`,
    );

    // drained: every offer at its outcome, every mail in, every poison record dead-lettered, lag 0
    let missing = '';
    const drainStart = Date.now();
    const quiescent = async (): Promise<boolean> => {
      const settled = await Promise.race([Promise.all(tasks).then(() => true), sleep(10).then(() => false)]);
      const waiting = progress.filter(
        (p) => p.acceptedAt && !p.refused && !live.has(p.plan.subject, OUTCOME[p.plan.kind]) && !TERMINAL.some((t) => live.has(p.plan.subject, t)),
      );
      const notified = progress.flatMap((p) =>
        live
          .eventsOf(p.plan.subject)
          .filter((e) => NOTIFIED.includes(e.type))
          .flatMap((e) => p.plan.emails.map((m) => `${e.id} ${m}`)),
      );
      const mailed = new Set(smtp.received.flatMap((m) => m.envelopeTo.map((to) => `${m.eventId} ${to}`)));
      const unmailed = notified.filter((k) => !mailed.has(k));
      const letters = new Set(deadLetters.records.map((r) => r.headers.dlq_partition + '/' + r.headers.dlq_offset));
      const poisonAt = new Map(live.records.filter((r) => r.key?.startsWith('chaos-poison/')).map((r) => [r.key!, `${r.partition}/${r.offset}`]));
      const undead = poison.filter((p) => !letters.has(poisonAt.get(p.key) ?? '?'));
      let lag = -1;
      try {
        const ends = await endOffsets(kafka, TOPIC);
        lag = (await Promise.all(groups.map(async (g) => lagOf(ends, await committedOffsets(kafka, g, TOPIC))))).reduce((a, b) => a + b, 0);
      } catch {
        // broker away
      }
      missing = [
        settled ? '' : `${progress.filter((p) => !p.refused && p.acceptedAt === undefined).length} publish(es) and some sign-offs in progress`,
        waiting.length
          ? `${waiting.length} offers not at their outcome (e.g. ${waiting[0].plan.subject}: ${live
              .eventsOf(waiting[0].plan.subject)
              .map((e) => e.type)
              .slice(-2)
              .join(', ')})`
          : '',
        unmailed.length ? `${unmailed.length} mails not received` : '',
        undead.length ? `${undead.length} poison records not dead-lettered` : '',
        lag !== 0 ? `lag ${lag}` : '',
      ]
        .filter(Boolean)
        .join('; ');
      return !missing;
    };
    const drained = await waitFor('the pipeline to drain', quiescent, { timeoutMs: config.drainTimeoutMs, intervalMs: 1_000 }).then(
      () => true,
      () => false,
    );
    const drainedAfter = Date.now() - drainStart;
    say(drained ? `  drained in ${(drainedAfter / 1000).toFixed(0)} s` : `  NOT drained after ${(drainedAfter / 1000).toFixed(0)} s: ${missing}`);
    sampling = false;
    await sampler;

    // the verdict, from the whole log read back
    const [log, dlq] = await Promise.all([readWholeTopic(kafka, TOPIC), readWholeTopic(kafka, DEAD_LETTER_TOPIC)]);
    const ends = await endOffsets(kafka, TOPIC);
    const lag = Object.fromEntries(await Promise.all(groups.map(async (g) => [g, lagOf(ends, await committedOffsets(kafka, g, TOPIC))] as const)));
    const leftovers = await leftoversOf(stack);
    const result = check({
      topic: TOPIC,
      offers: progress,
      log,
      deadLetters: dlq,
      mails: smtp.received,
      leads: leads.leads,
      poison,
      lag,
      leftovers,
      unexpectedExits: fleet.unexpectedExits,
    });

    const recovery: ChaosReport['recovery'] = {};
    for (const kind of FAULT_KINDS) {
      const of = faults.filter((f) => f.kind === kind);
      if (!of.length) continue;
      const progressMs = of.flatMap((f) => (f.progressMs === undefined ? [] : [f.progressMs]));
      const drainMs = of.flatMap((f) => (f.drainMs === undefined ? [] : [f.drainMs]));
      recovery[kind] = {
        count: of.length,
        progressMs: { p50: percentile(progressMs, 50), max: percentile(progressMs, 100), none: of.length - progressMs.length },
        drainMs: { p50: percentile(drainMs, 50), max: percentile(drainMs, 100), none: of.length - drainMs.length },
      };
    }
    const poisonAt = new Map(log.filter((r) => r.key?.startsWith('chaos-poison/')).map((r) => [`${r.partition}/${r.offset}`, r.key!]));
    const firstLetter = new Map<string, number>();
    for (const letter of deadLetters.records) {
      const key = poisonAt.get(`${letter.headers.dlq_partition}/${letter.headers.dlq_offset}`);
      if (key && !firstLetter.has(key)) firstLetter.set(key, letter.seenAt);
    }
    const poisonMs = poison.flatMap((p) => (firstLetter.has(p.key) ? [firstLetter.get(p.key)! - p.injectedAt] : []));
    const byKind = (list: string[]) => list.reduce<Record<string, number>>((acc, k) => ({ ...acc, [k]: (acc[k] ?? 0) + 1 }), {});
    const report: ChaosReport = {
      name: config.name,
      seed: config.seed,
      startedAt: new Date(began).toISOString(),
      durationMs: Date.now() - began,
      offers: {
        total: plans.length,
        accepted: progress.filter((p) => p.acceptedAt).length,
        byKind: byKind(plans.map((p) => p.kind)),
        outcomes: result.outcomes,
      },
      faults: {
        byKind: byKind(faults.map((f) => f.kind)),
        timeline: faults.map(({ drainTarget: _t, startedAt, endedAt, ...f }) => ({
          ...f,
          atMs: startedAt - began,
          durationMs: endedAt === undefined ? undefined : endedAt - startedAt,
        })),
      },
      recovery,
      counts: result.counts,
      findings: result.findings,
      redelivered: result.redelivered,
      mails: result.mails,
      leads: result.leads,
      deadLetters: { ...result.deadLetters, poisonDeadLetteredMs: { p50: percentile(poisonMs, 50), max: percentile(poisonMs, 100) } },
      drained: { ok: drained, waitedMs: drainedAfter, missing: drained ? undefined : missing },
      infrastructure: {
        postgresConnectionsDropped: proxy.stats.dropped,
        serviceRestarts: fleet.instances.reduce((n, i) => n + i.generation - 1, 0),
        failedStarts: fleet.failedStarts.map(({ instance, error }) => ({ instance, error })),
        httpRetries: client.retries,
        liveReaderRestarts: live.restarts + deadLetters.restarts,
      },
      logDirectory: logDir,
    };
    const file = join(outputDir, `${config.name}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    for (const line of summarize(report)) say(line);
    say(`report written to ${file}; service logs in ${logDir}`);
    return report;
  } finally {
    await cleanup();
  }
}

async function leftoversOf(stack: Stack): Promise<Record<string, { unpublished: number; parked: number; unfinishedJobs: number }>> {
  const out: Record<string, { unpublished: number; parked: number; unfinishedJobs: number }> = {};
  for (const service of SERVICES) {
    const name = stack.databaseOf(service);
    const client = new Client({ connectionString: withDatabase(testDatabaseUrl(), name) });
    await client.connect();
    const count = async (sql: string) => Number((await client.query(sql).catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n);
    try {
      out[service] = {
        unpublished: await count(`SELECT count(*) AS n FROM outbox WHERE published_at IS NULL AND parked_at IS NULL AND discarded_at IS NULL`),
        parked: await count(`SELECT count(*) AS n FROM outbox WHERE parked_at IS NOT NULL AND published_at IS NULL AND discarded_at IS NULL`),
        unfinishedJobs: await count(`SELECT count(*) AS n FROM jobs WHERE state IN ('pending', 'running')`),
      };
    } finally {
      await client.end();
    }
  }
  return out;
}

const ms = (v: number | undefined) => (v === undefined ? '-' : `${(v / 1000).toFixed(1)} s`);

export function summarize(report: ChaosReport): string[] {
  const lines = [
    `=== ${report.name}: ${report.offers.total} offers (${Object.entries(report.offers.byKind)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}), ${report.offers.accepted} accepted, ${(report.durationMs / 1000).toFixed(0)} s, seed ${report.seed}`,
    `faults: ${Object.entries(report.faults.byKind)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    `findings: ${CATEGORIES.map((c) => `${c} ${report.counts[c]}`).join(', ')}${report.drained.ok ? '' : ` (NOT drained: ${report.drained.missing})`}`,
    'recovery after the fault ended (p50 / max; "none": no progress or no drain seen):',
    ...Object.entries(report.recovery).map(
      ([kind, r]) =>
        `  ${kind.padEnd(16)} x${r.count}  progress ${ms(r.progressMs.p50)} / ${ms(r.progressMs.max)}${r.progressMs.none ? ` (none ${r.progressMs.none})` : ''}   lag drained ${ms(r.drainMs.p50)} / ${ms(r.drainMs.max)}${r.drainMs.none ? ` (none ${r.drainMs.none})` : ''}`,
    ),
    `poison: ${report.deadLetters.poisonRecords} records, ${report.deadLetters.letters} dead letters (${Object.entries(report.deadLetters.byGroup)
      .map(([g, n]) => `${g.split('-').slice(1).join('-')} ${n}`)
      .join(', ')}), first dead letter p50 ${ms(report.deadLetters.poisonDeadLetteredMs.p50)} max ${ms(report.deadLetters.poisonDeadLetteredMs.max)}`,
    `mails: ${report.mails.expected} expected, ${report.mails.received} received; leads: ${report.leads.expected} expected, ${report.leads.received} received; redelivered under one identity: ${report.redelivered.logRecords} log records, ${report.redelivered.mails} mails, ${report.redelivered.leads} leads`,
    `outcomes: ${Object.entries(report.offers.outcomes)
      .map(
        ([kind, o]) =>
          `${kind} {${Object.entries(o)
            .map(([t, n]) => `${t} ${n}`)
            .join(', ')}}`,
      )
      .join('; ')}`,
    `infrastructure: ${report.infrastructure.serviceRestarts} service restarts, ${report.infrastructure.failedStarts.length} failed starts, ${report.infrastructure.postgresConnectionsDropped} PostgreSQL connections dropped, ${report.infrastructure.httpRetries} HTTP retries`,
  ];
  const byCategory = CATEGORIES.flatMap((c) => report.findings.filter((f) => f.category === c).slice(0, 15));
  for (const f of byCategory) lines.push(`  ${f.category.toUpperCase().padEnd(10)} ${f.subject ? `${f.subject}: ` : ''}${f.what}`);
  if (report.findings.length > byCategory.length) lines.push(`  ... and ${report.findings.length - byCategory.length} more findings in the JSON report`);
  return lines;
}
