import { describeError } from './errors';

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 200, maxMs: 30_000 };

/** Exponential backoff with jitter, capped. `attempt` starts at 1. */
export function backoffDelay(attempt: number, backoff: Backoff = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** A sleep that can be cut short: by new work arriving (a NOTIFY) or by shutdown. */
export class Waker {
  private pending: Array<() => void> = [];
  private woken = false;

  wait(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.pending = this.pending.filter((p) => p !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.pending.push(done);
    });
  }

  /** Ends the current wait, or the next one if nobody is waiting. */
  wake(): void {
    if (this.pending.length === 0) {
      this.woken = true;
      return;
    }
    for (const done of [...this.pending]) done();
  }
}

/**
 * Runs `work` until it succeeds while its failures are transient (a dependency not up yet, or away for a
 * while), waiting with backoff and saying what it waits for; a deterministic failure, or one past the
 * deadline, is thrown. A service started during a database or broker outage comes up when it ends.
 */
export async function whenAvailable<T>(
  what: string,
  work: () => Promise<T>,
  options: { deadlineMs: number; isTransient: (error: unknown) => boolean; log: (message: string) => void; backoff?: Backoff },
): Promise<T> {
  const deadline = Date.now() + options.deadlineMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const delay = backoffDelay(attempt, options.backoff ?? { initialMs: 250, maxMs: 5_000 });
      if (!options.isTransient(error) || Date.now() + delay > deadline) throw error;
      options.log(`waiting for ${what} (${describeError(error)}); retrying in ${delay} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
