import { imageKey, type ReplicationBackend, type ReplicationImage } from '../domain/replication';

export interface SimulationSettings {
  /** Time one image takes to reach one region. */
  latencyMs: number;
  /** Probability (0..1) that one replication call fails transiently. */
  failureRate: number;
  /** Regions that refuse every image (deterministic failures, for tests and demos). */
  failingRegions: readonly string[];
  /** Regions whose first n tries fail for each image, then succeed (deterministic retries). */
  flakyRegions: Readonly<Record<string, number>>;
}

/** Resolves after `ms`, or rejects at once with the signal's reason when it is aborted. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The default back end: no cloud, only time passing and failures where configured (read live, see faults.ts). */
export class SimulatedReplicationBackend implements ReplicationBackend {
  private readonly flakyFailures = new Map<string, number>();
  readonly calls: Array<{ image: string; region: string }> = [];

  constructor(
    private readonly settings: SimulationSettings,
    private readonly random: () => number = Math.random,
  ) {}

  async replicate(image: ReplicationImage, region: string, signal: AbortSignal): Promise<void> {
    this.calls.push({ image: imageKey(image), region });
    await abortableDelay(this.settings.latencyMs, signal);
    // the settings are read on every call: operators change them at run time (PUT /operator/faults)
    if (this.settings.failingRegions.includes(region)) throw new Error(`region ${region} rejected the image: storage quota exceeded (simulated)`);
    const flakyTries = this.settings.flakyRegions[region] ?? 0;
    const key = `${imageKey(image)}@${region}`;
    const failures = this.flakyFailures.get(key) ?? 0;
    if (failures < flakyTries) {
      this.flakyFailures.set(key, failures + 1);
      throw new Error(`copy to ${region} timed out (simulated, ${failures + 1} of ${flakyTries})`);
    }
    if (this.settings.failureRate > 0 && this.random() < this.settings.failureRate) {
      throw new Error(`copy to ${region} failed: service unavailable (simulated)`);
    }
  }
}
