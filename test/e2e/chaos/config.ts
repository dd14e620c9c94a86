import type { FaultKind } from './faults';
import type { ChaosConfig } from './run';

const MIX = { live: 40, invalid: 12, vhd: 12, region: 10, 'lead-down': 10, cancel: 16 };

/** Every kind of fault at least once; service kills most often. */
const CYCLE: FaultKind[] = [
  'service-kill',
  'poison',
  'postgres-outage',
  'service-kill',
  'broker-kill',
  'service-kill',
  'smtp-outage',
  'poison',
  'service-kill',
  'postgres-outage',
];

function seed(): number {
  return process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : Math.floor(Math.random() * 2 ** 31);
}

function int(name: string, fallback: number): number {
  return process.env[name] ? Number(process.env[name]) : fallback;
}

/** The e2e tier's run: some 3-5 minutes on 2 cores. */
export function testConfig(): ChaosConfig {
  return {
    name: 'chaos',
    offers: int('CHAOS_OFFERS', 300),
    rate: int('CHAOS_RATE', 3),
    mix: MIX,
    instances: 2,
    offerApiInstances: 2,
    partitions: 6,
    faults: CYCLE,
    firstFaultAfterMs: 4_000,
    faultIntervalMs: 5_000,
    serviceDownMs: 2_000,
    brokerDownMs: 2_000,
    postgresOutageMs: 10_000,
    smtpOutageMs: 8_000,
    drainTimeoutMs: int('CHAOS_DRAIN_TIMEOUT_MS', 150_000),
    seed: seed(),
  };
}

/** The soak (bench/chaos-soak.bench.ts): the same run with more offers and the fault cycle repeated. */
export function soakConfig(): ChaosConfig {
  const cycles = int('CHAOS_CYCLES', 6);
  return {
    ...testConfig(),
    name: 'chaos-soak',
    offers: int('CHAOS_OFFERS', 2_000),
    rate: int('CHAOS_RATE', 4),
    faults: Array.from({ length: cycles }, () => CYCLE).flat(),
    faultIntervalMs: int('CHAOS_FAULT_INTERVAL_MS', 15_000),
    drainTimeoutMs: int('CHAOS_DRAIN_TIMEOUT_MS', 600_000),
  };
}
