/**
 * Crash points for the crash-safety tests: with MKT_CRASH_AT=<point> (and optionally MKT_CRASH_AFTER=<n>),
 * the process kills itself with SIGKILL the n-th time it passes <point>. Unset in normal runs, where a
 * crash point costs one comparison.
 */
const point = process.env.MKT_CRASH_AT;
let remaining = Number(process.env.MKT_CRASH_AFTER ?? '1');

export type CrashPoint = 'consumer.afterDbCommit' | 'relay.afterPublish' | 'job.afterWork' | 'job.afterCommit' | (string & {});

export function crashPoint(name: CrashPoint): void {
  if (point !== name) return;
  remaining -= 1;
  if (remaining <= 0) {
    process.stderr.write(`crash point ${name}: SIGKILL\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}
