/* eslint-disable @typescript-eslint/no-require-imports */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RESULTS_DIR = join(__dirname, 'results');

/** The broker of the benchmarks: KAFKA_BROKERS, else the project's test broker (started if needed). */
export async function benchBrokers(): Promise<{ brokers: string[]; stop: () => Promise<void> }> {
  if (process.env.KAFKA_BROKERS) return { brokers: process.env.KAFKA_BROKERS.split(','), stop: async () => undefined };
  const kafka = require('../scripts/infra/kafka.js');
  const result = await kafka.start('test');
  process.env.KAFKA_BROKERS = result.brokers;
  return { brokers: [result.brokers], stop: async () => (result.started ? kafka.stop('test') : undefined) };
}

export function databaseUrl(): string {
  return process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function envNumber(name: string, fallback: number): number {
  const value = process.env[name];
  return value ? Number(value) : fallback;
}

export function saveResult(name: string, result: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), ...(result as object) }, null, 2)}\n`);
  return file;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A line that shows a long run is alive. */
export function progress(label: string, done: number, total: number): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${label}: ${done}/${total}   `);
}

/** CPU time (user + system, ms) of a process and of its descendants that have exited, from /proc. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

const CLOCK_TICKS = 100;

/**
 * Pids of every process whose command name is `name` (e.g. the PostgreSQL backends), and whose command
 * line contains `having` when given (a backend's title names its database; a broker's, its config file):
 * other work on a shared machine (other brokers, other databases' backends) is then left out.
 */
export function pidsNamed(name: string, having?: (cmdline: string) => boolean): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== name) return false;
        return !having || having(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
      } catch {
        return false;
      }
    });
}

/**
 * CPU used by named groups of processes between `start()` and `stop()`, summed per process: one that
 * started meanwhile counts from zero, one that ended meanwhile is left out (its time is no longer readable).
 */
export class CpuMeter {
  private readonly before = new Map<number, number>();
  constructor(private readonly groups: () => Record<string, number[]>) {}

  start(): void {
    for (const pids of Object.values(this.groups())) for (const pid of pids) this.before.set(pid, processCpuMs(pid));
  }

  stop(): Record<string, number> {
    return Object.fromEntries(
      Object.entries(this.groups()).map(([group, pids]) => [
        group,
        Math.round(pids.reduce((sum, pid) => sum + processCpuMs(pid) - (this.before.get(pid) ?? 0), 0)),
      ]),
    );
  }
}

/** Peak resident set size of a process so far (VmHWM of /proc/<pid>/status), in MB; NaN when it is gone. */
export function peakRssMb(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

export interface PacedResult {
  requests: number;
  requestsPerSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
}

/**
 * An open-loop load at a steady rate: requests are sent at evenly spaced times (not in bursts at the top of
 * each second, as autocannon's rate limit does), over keep-alive connections, and each latency is counted
 * from the time its request was due, so a stall of the server shows in the percentiles instead of pausing
 * the load (no coordinated omission).
 */
export async function pacedLoad(options: {
  url: string;
  rate: number;
  seconds: number;
  path: () => string;
  headers: Record<string, string>;
  maxConnections?: number;
}): Promise<PacedResult> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const http = require('node:http') as typeof import('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxConnections ?? 64 });
  const target = new URL(options.url);
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const total = Math.round(options.rate * options.seconds);
  const interval = 1000 / options.rate;
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  const send = (due: number) => {
    const done = new Promise<void>((resolve) => {
      const request = http.get({ host: target.hostname, port: target.port, path: options.path(), headers: options.headers, agent }, (response) => {
        response.resume();
        response.once('end', () => {
          latencies.push(performance.now() - due);
          if (response.statusCode === undefined || response.statusCode < 200 || response.statusCode >= 300) non2xx += 1;
          resolve();
        });
      });
      request.once('error', () => {
        errors += 1;
        resolve();
      });
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };
  for (let sent = 0; sent < total;) {
    const now = performance.now();
    const due = Math.min(total, Math.floor((now - started) / interval) + 1);
    for (; sent < due; sent += 1) send(started + sent * interval);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + sent * interval - performance.now())));
  }
  await Promise.all(inFlight);
  agent.destroy();
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => Number(percentile(latencies, p).toFixed(1));
  return {
    requests: latencies.length,
    requestsPerSecond: Math.round(latencies.length / seconds),
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: Number((latencies[latencies.length - 1] ?? NaN).toFixed(1)),
    non2xx,
    errors,
  };
}
