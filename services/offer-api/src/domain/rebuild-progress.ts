/** A partition range being replayed: the offsets it starts and ends at (exclusive) and the next one to read. */
export interface ReplayedRange {
  start: string;
  end: string;
  next: string;
}

export interface ReplayProgress {
  replayed: number;
  total: number;
  eventsPerSecond: number;
  /** Seconds left at the rate so far; null before there is a rate. */
  etaSeconds: number | null;
}

/** How far a replay over `ranges` is after `elapsedMs`, counted in log records. */
export function replayProgress(ranges: readonly ReplayedRange[], elapsedMs: number): ReplayProgress {
  let replayed = 0n;
  let total = 0n;
  for (const range of ranges) {
    const start = BigInt(range.start);
    total += BigInt(range.end) - start;
    replayed += BigInt(range.next) - start;
  }
  const done = Number(replayed);
  const all = Number(total);
  const eventsPerSecond = elapsedMs > 0 ? Math.round((done * 1000) / elapsedMs) : 0;
  const etaSeconds = eventsPerSecond > 0 ? Math.ceil((all - done) / eventsPerSecond) : done >= all ? 0 : null;
  return { replayed: done, total: all, eventsPerSecond, etaSeconds };
}
